"""What a domain user dictionary gives: word F1 of a model on another domain's data, without and
with a dictionary built from that domain's training word list.

    python bench/user_dict.py --model pku --domain-train ../shared/data/zx/train.txt \
        --gold ../shared/data/zx/dev.txt --known ../shared/data/pku/pfr199801_seg.utf8

The dictionary holds the words of `--domain-train` that occur at least `--min-count` times, have at
least `--min-len` characters, and are not words of `--known` (the model's own training corpus):
the domain's terms and names the model never saw as words. It is written to a file and loaded as
a user would (`Segmenter.load(name, user_dict=FILE)`). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe

from segmenter import Segmenter
from segmenter.corpus import read_corpus
from segmenter.scoring import score


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="pku")
    ap.add_argument("--domain-train", required=True, help="segmented training corpus of the target domain")
    ap.add_argument("--gold", required=True, help="segmented evaluation corpus of the target domain")
    ap.add_argument("--known", required=True, help="the model's own training corpus (its words are left out)")
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--min-len", type=int, default=2)
    args = ap.parse_args()

    known = {w for s in read_corpus(args.known) for w in s.words}
    counts = Counter(w for s in read_corpus(args.domain_train) for w in s.words)
    terms = sorted(w for w, n in counts.items() if n >= args.min_count and len(w) >= args.min_len and w not in known)
    gold = read_corpus(args.gold, "seg")
    texts = [s.text for s in gold]
    gold_words = [s.words for s in gold]
    train_words = set(counts)

    print(f"<!-- {describe()}; {time.strftime('%Y-%m-%d')} -->")
    print(f"dictionary: {len(terms):,} words of {args.domain_train} (count >= {args.min_count}, length >= "
          f"{args.min_len}, not words of {args.known}); most frequent: "
          f"{', '.join(sorted(terms, key=lambda w: -counts[w])[:10])}\n")
    print("| model | user dictionary | P | R | F1 | OOV recall |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "domain.txt"
        path.write_text("".join(w + "\n" for w in terms), encoding="utf-8")
        for label, kwargs in (("none", {}), (f"{len(terms):,} domain words", {"user_dict": path})):
            seg = Segmenter.load(args.model, **kwargs)
            s = score(gold_words, seg.cut_batch(texts), train_words)
            oov = "-" if s.oov_recall is None else f"{100 * s.oov_recall:.2f}"
            print(f"| `{args.model}` | {label} | {100 * s.precision:.2f} | {100 * s.recall:.2f} | "
                  f"{100 * s.f1:.2f} | {oov} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
