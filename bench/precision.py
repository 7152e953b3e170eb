"""A model at int8 (the native kernel; `--runtime onnxruntime`: ONNX Runtime's quantised LSTM)
against its float32 reference: word F1 on every standard's dev set and on the PKU and CTB6 tests,
and how often the two agree.

    python bench/precision.py --model multi-fast --data ../shared/data [--precision int8]

For each set: F1 (and OOV recall on the PKU test) at fp32 and at the other precision; the share of
lines whose words are identical; and, for the other precision, the share of lines a one-call-per-
line loop segments exactly as the batch path does (ONNX Runtime's int8 quantises activations per
batch, so a text's scores can depend on the texts batched with it; the native kernel's scales are
fixed). Runs on one core.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import describe
from sets import DEV, TEST, dev_set

from segmenter import Segmenter
from segmenter.corpus import read_corpus, read_word_list
from segmenter.scoring import score


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="multi-fast")
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--precision", default="int8")
    p.add_argument("--runtime", default="auto", help="the other precision's runtime (auto: native for int8)")
    args = p.parse_args(argv)
    ref = Segmenter.load(args.model, threads=1, runtime="onnxruntime", precision="fp32")
    other = Segmenter.load(args.model, threads=1, precision=args.precision, runtime=args.runtime)
    words = read_word_list(args.data / "pku" / "pku_training_words.utf8")
    own = ref.standards or (ref.standard,)  # a one-standard model (pku-fast) reads its own standard's sets
    sets = [(f"dev {std}", std, dev_set(args.data, std)) for std in DEV if std in own]
    sets += [(f"test {std}", std, read_corpus(args.data / path, "seg")) for std, path in TEST.items() if std in own]
    print(f"# {describe()}; model {args.model}: fp32 (onnxruntime) against {args.precision} ({other.runtime.value}), "
          "one thread")
    print(f"| set | fp32 F1 | {args.precision} F1 | Δ | lines identical | {args.precision} per call = batch |")
    print("|---|---|---|---|---|---|")
    rows = {}
    for name, std, gold in sets:
        texts = [g.text for g in gold]
        std = std if ref.standards else None
        a = ref.cut_batch(texts, standard=std)
        b = other.cut_batch(texts, standard=std)
        one = [other.cut(t, standard=std) for t in texts]
        oov = words if name == "test pku" else None
        sa, sb = score([g.words for g in gold], a, oov), score([g.words for g in gold], b, oov)
        same = sum(x == y for x, y in zip(a, b)) / len(a)
        calls = sum(x == y for x, y in zip(one, b)) / len(b)
        extra = f" (OOV {100 * sa.oov_recall:.2f} / {100 * sb.oov_recall:.2f})" if oov else ""
        print(f"| {name}{extra} | {100 * sa.f1:.2f} | {100 * sb.f1:.2f} | {100 * (sb.f1 - sa.f1):+.2f} "
              f"| {100 * same:.2f}% | {100 * calls:.2f}% |", flush=True)
        rows[name] = {"fp32": sa.f1, args.precision: sb.f1, "identical": same, "call_equals_batch": calls}
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
