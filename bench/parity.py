"""Share of identical lines between each runtime and the plain torch reference, on the PKU test.

    python bench/parity.py --data ../shared/data [--model NAME ...]

The reference (`tests/segmenter/test_parity.py`: one piece at a time, torch's own bidirectional
RNN, general Viterbi) against `Segmenter` on ONNX Runtime (graph built from the weights, no
torch) and on torch; prints a Markdown table with the exact shares and F1 of each.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--model", action="append", help="model names (default: every shipped model)")
    args = p.parse_args()
    from segmenter.process import configure_process

    configure_process(threads=1)  # as the CLI does: batches side by side, one torch thread each

    from machine import describe

    from segmenter import Segmenter
    from segmenter.corpus import read_corpus
    from segmenter.scoring import score
    from tests.segmenter.test_parity import reference_cut

    gold = read_corpus(args.data / "pku" / "pku_test_gold.utf8")
    texts = [g.text for g in gold]
    words = [g.words for g in gold]
    print(f"# {describe()}; PKU test, {len(texts)} lines")
    print("| model | runtime | identical lines | F1 | reference F1 |")
    print("|---|---|---|---|---|")
    for name in args.model or Segmenter.available():
        ref = None
        for runtime in ("onnxruntime", "torch"):
            seg = Segmenter.load(name, runtime=runtime, threads=2)
            out = seg.cut_batch(texts)
            if ref is None:
                ref = reference_cut(seg, texts)
            same = sum(a == b for a, b in zip(out, ref))
            print(f"| {name} | {runtime} | {same}/{len(texts)} ({100 * same / len(texts):.2f}%) | "
                  f"{100 * score(words, out).f1:.2f} | {100 * score(words, ref).f1:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
