"""Word F1 of models, jieba and pkuseg on the test and development sets of every shared corpus.

    python bench/domains.py --data ../shared/data --model pku --model multi:ctb6 ... [--pkuseg] [--json out.json]

A model is `NAME` (its default standard), `NAME:STANDARD`, or `NAME:*` (each set in the standard
of its own corpus, where the model has it; else its default). Sets: the PKU test (SIGHAN 2005),
CTB6 test, the development sets of Weibo, SXU, UDC, ZX and WTB, and the PFR development split
(last 10%). Prints a Markdown table (F1 ×100) with the OOV recall of the PKU test where a word
list is given. Accuracy only; speed is `bench/throughput.py`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe

SETS = {  # name -> (file under --data, standard of the corpus, dev split of a training file)
    "pku-test": ("pku/pku_test_gold.utf8", "pku", False),
    "pfr-dev": ("pku/pfr199801_seg.utf8", "pku", True),
    "ctb6-test": ("ctb6/test.txt", "ctb6", False),
    "weibo-dev": ("weibo/dev.txt", "weibo", False),
    "sxu-dev": ("sxu/dev.txt", "sxu", False),
    "udc-dev": ("udc/dev.txt", "udc", False),
    "zx-dev": ("zx/dev.txt", "zx", False),
    "wtb-dev": ("wtb/dev.txt", "wtb", False),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--model", action="append", default=[], help="NAME, NAME:STANDARD or NAME:* (repeatable)")
    p.add_argument("--jieba", action="store_true", help="also jieba's default mode")
    p.add_argument("--pkuseg", action="store_true", help="also pkuseg's default model (if installed)")
    p.add_argument("--sets", default=",".join(SETS), help="comma list of " + ", ".join(SETS))
    p.add_argument("--json", type=Path, help="also write the scores as JSON")
    args = p.parse_args()

    from segmenter import Segmenter
    from segmenter.baselines import jieba_cut, pkuseg_cut
    from segmenter.corpus import read_corpus, split_dev
    from segmenter.scoring import score

    sets = {}
    for name in args.sets.split(","):
        path, standard, dev_split = SETS[name]
        gold = read_corpus(args.data / path)
        sets[name] = (split_dev(gold)[1] if dev_split else gold, standard)
    rows: dict[str, dict[str, float]] = {}
    for ref in args.model:
        every = ref.endswith(":*")
        seg = Segmenter.load(ref[:-2] if every else ref, threads=1)
        label = ref
        rows[label] = {}
        for name, (gold, standard) in sets.items():
            std = standard if every and standard in seg.standards else None
            pred = seg.cut_batch([s.text for s in gold], standard=std)
            rows[label][name] = round(100 * score([s.words for s in gold], pred).f1, 2)
    for label, fn, wanted in (("jieba", jieba_cut, args.jieba), ("pkuseg", pkuseg_cut, args.pkuseg)):
        if wanted:
            rows[label] = {name: round(100 * score([s.words for s in gold], fn([s.text for s in gold])[0]).f1, 2)
                           for name, (gold, _) in sets.items()}
    print(f"# {describe()}")
    print("| model | " + " | ".join(sets) + " |")
    print("|---|" + "---|" * len(sets))
    for label, r in rows.items():
        print(f"| {label} | " + " | ".join(f"{r[n]:.2f}" for n in sets) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
