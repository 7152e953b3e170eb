"""Fine-tuning a shipped model on a few hundred of one's own sentences, as a user would do it.

    python bench/finetune.py --data ../shared/data --sizes 300,1000 [--model multi-fast] [--epochs 2]
        [--keep-alpha 1] [--work DIR] [--json out.json]

For each size N: the first N sentences of ZX's training text become a new standard `mydomain`
(`segmenter train --init MODEL --train mydomain=FILE --epochs E --threads 1 --quiet`, its dev set
the last 10% of FILE, timed as a whole command); then the fine-tuned model's word F1 on ZX dev in
`mydomain`, and on the PKU test, CTB6 test and Weibo dev in their own standards (no forgetting),
beside the starting model's (ZX dev in `pku` and in `zx`). Prints a Markdown table (F1 x100).
Note: the shipped multi-standard models were trained on all of ZX's training text in standard
`zx`, so `mydomain` starts from a network that has read these sentences (in another standard);
`--model pku-fast` (trained on PFR alone) has never seen the novel: the run makes it a model of
two standards, `pku` (its own, kept) and `mydomain`, and sets it scores in a standard it lacks are
read in `pku`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from domains import SETS
from machine import describe

KEPT = ("pku-test", "ctb6-test", "weibo-dev")  # scored in their own standards: what must not be forgotten


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--model", default="multi-fast")
    p.add_argument("--sizes", default="300", help="comma list of training sentence counts")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--keep-alpha", type=float, default=None, help="--keep-alpha of the runs (default: train's)")
    p.add_argument("--work", type=Path, help="keep the corpora and models here (default: a temporary folder)")
    p.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = p.parse_args()

    from segmenter import Segmenter
    from segmenter.corpus import read_corpus
    from segmenter.scoring import score

    sets = {name: read_corpus(args.data / SETS[name][0]) for name in ("zx-dev", *KEPT)}
    zx_train = (args.data / "zx" / "train.txt").read_text(encoding="utf-8").splitlines()

    def f1(seg: Segmenter, name: str, standard: str) -> float:
        gold = sets[name]
        # a standard the model lacks: its first (a one-standard model's own, None: it has no names)
        std = standard if standard in seg.standards else seg.standards[0] if seg.standards else None
        return round(100 * score([s.words for s in gold], seg.cut_batch([s.text for s in gold],
                                                                         standard=std)).f1, 2)

    base = Segmenter.load(args.model, threads=1)
    rows = [{"model": f"{args.model}:pku", "zx-dev": f1(base, "zx-dev", "pku"),
             **{n: f1(base, n, SETS[n][1]) for n in KEPT}}]
    if "zx" in base.standards:
        rows.append({"model": f"{args.model}:zx", "zx-dev": f1(base, "zx-dev", "zx")})
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in [int(x) for x in args.sizes.split(",")]:
            if n > len(zx_train):
                raise SystemExit(f"ZX's training text has {len(zx_train)} sentences, fewer than {n}")
            corpus = work / f"zx{n}.txt"
            corpus.write_text("\n".join(zx_train[:n]) + "\n", encoding="utf-8")
            out = work / f"mydomain{n}"
            cmd = ["segmenter", "train", "--init", args.model, "--train", f"mydomain={corpus}", "--out", str(out),
                   "--epochs", str(args.epochs), "--threads", "1", "--quiet"]
            if args.keep_alpha is not None:
                cmd += ["--keep-alpha", str(args.keep_alpha)]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            seconds = time.perf_counter() - t0
            tuned = Segmenter.load(out, threads=1)
            rows.append({"model": f"+{n} sentences, mydomain", "seconds": round(seconds, 1),
                         "zx-dev": f1(tuned, "zx-dev", "mydomain"), **{m: f1(tuned, m, SETS[m][1]) for m in KEPT}})
            print(json.dumps(rows[-1]), file=sys.stderr)
    keep = "default" if args.keep_alpha is None else args.keep_alpha
    print(f"# {describe()}; {args.epochs} epochs, 1 thread, keep-alpha {keep}")
    cols = ["zx-dev", *KEPT, "seconds"]
    print("| model | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for r in rows:
        print(f"| {r['model']} | " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
