"""New-word discovery measured on a novel's text: the words `Segmenter.discover` proposes from ZX's
training text with its spaces removed, as a user dictionary and against ZX's own words.

    python bench/discover.py --data ../shared/data [--model multi-fast] [--standard pku] [--min-count 5]
        [--speed FILE...]

Prints: precision of the top 100 / 500 / 1,000 candidates against the words of ZX's training
text; word F1 on ZX dev of the model without a dictionary, with the top K discovered words as its
user dictionary (written as `WORD COUNT` lines and read back as a user would), and with the
hand-picked list of bench/user_dict.py (ZX training words of 2+ characters seen twice or more
that PFR lacks: a list read off the gold segmentation, an upper reference). With `--speed`:
seconds and peak resident memory of discovery over those files (e.g. 10 MB of raw text).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, peak_rss_mib


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--model", default="multi-fast")
    p.add_argument("--standard", default="pku")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--speed", nargs="*", type=Path, default=[], help="raw text files to time discovery on")
    args = p.parse_args()

    from segmenter import Segmenter
    from segmenter.corpus import read_corpus
    from segmenter.scoring import score

    train = read_corpus(args.data / "zx" / "train.txt")
    gold = read_corpus(args.data / "zx" / "dev.txt")
    raw = ["".join(s.words) for s in train]  # the training text with its spaces removed
    seg = Segmenter.load(args.model, standard=args.standard, threads=1)
    t0 = time.perf_counter()
    found = seg.discover(raw, min_count=args.min_count)
    seconds = time.perf_counter() - t0
    words = {w for s in train for w in s.words}
    print(f"# {describe()}; {args.model}:{args.standard}, min count {args.min_count}: {len(found)} candidates "
          f"from {sum(map(len, raw)):,} characters in {seconds:.1f} s")
    print("| top | precision (ZX training words) |\n|---|---|")
    for k in (100, 500, 1000):
        top = found[:k]
        print(f"| {k} | {100 * sum(c.word in words for c in top) / max(len(top), 1):.1f} ({len(top)} words) |")

    texts = [s.text for s in gold]

    def f1(lines: list[str]) -> float:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as fh:
            fh.write("".join(line + "\n" for line in lines))
        with_dict = Segmenter.load(args.model, standard=args.standard, threads=1, user_dict=fh.name)
        Path(fh.name).unlink()
        return 100 * score([s.words for s in gold], with_dict.cut_batch(texts)).f1

    pfr = {w for s in read_corpus(args.data / "pku" / "pfr199801_seg.utf8") for w in s.words}
    counts = Counter(w for s in train for w in s.words)
    hand = [w for w, n in counts.items() if n >= 2 and len(w) >= 2 and w not in pfr]
    print("\n| user dictionary | entries | ZX dev F1 |\n|---|---|---|")
    print(f"| none | 0 | {100 * score([s.words for s in gold], seg.cut_batch(texts)).f1:.2f} |")
    for k in (100, 200, 300, 400, 500, 700, 1000, len(found)):
        top = found[:k]
        print(f"| discovered, top {k} | {len(top)} | {f1([c.dict_line() for c in top]):.2f} |")
    print(f"| hand-picked (gold words not in PFR, seen twice) | {len(hand)} | {f1(hand):.2f} |")

    if args.speed:
        def lines() -> object:
            for path in args.speed:
                with path.open(encoding="utf-8") as fh:
                    yield from fh
        size = sum(path.stat().st_size for path in args.speed)
        t0 = time.perf_counter()
        n = len(seg.discover(lines(), min_count=args.min_count))  # type: ignore[arg-type]
        rss = peak_rss_mib()
        print(f"\nspeed: {size / 1e6:.1f} MB of raw text, {n:,} candidates in {time.perf_counter() - t0:.1f} s "
              f"(1 thread), peak RSS of the process {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
