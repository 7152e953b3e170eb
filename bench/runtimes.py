"""Inference runtimes and number formats for one model, on the whole PKU test: characters/s
end to end (raw strings in, words out, the library's pre- and post-processing included), and
parity with the torch float32 reference (identical lines, word F1).

    pip install -e '.[bench]'
    python bench/runtimes.py --gold ../shared/data/pku/pku_test_gold.utf8 --model pku

Variants: the library's runtimes (`runtime="torch"` fp32, the reference, and bf16;
`runtime="onnxruntime"`, the graph built from the weights), and ONNX Runtime int8 from its own
dynamic quantiser (LSTM weights only, per tensor and per channel) applied to that graph. Every
variant runs through `Segmenter` with `--threads` batches side by side, one thread each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe


class QuantizedTagger:
    """An ONNX Runtime session on a quantised copy of the graph, with `OrtTagger`'s call."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def __call__(self, chars, bigrams, lengths, standards=None, features=None):  # type: ignore[no-untyped-def]
        feed = {"chars": chars, "bigrams": bigrams, "lengths": lengths}
        if standards is not None:
            feed["standards"] = standards
        if features is not None:
            feed["features"] = features
        return self.session.run(None, feed)[0]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gold", type=Path, required=True)
    p.add_argument("--model", default="multi")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    args = p.parse_args(argv)
    if not args.gold.is_file():
        print(f"runtimes.py: no such file: {args.gold}", file=sys.stderr)
        return 2
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from segmenter import Segmenter
    from segmenter.corpus import read_corpus
    from segmenter.onnx_graph import build
    from segmenter.process import configure_process
    from segmenter.scoring import score

    configure_process(1)
    gold = read_corpus(args.gold, "seg")
    texts = [g.text for g in gold]
    chars = sum(map(len, texts))

    def run(seg: Segmenter) -> tuple[list[list[str]], float]:
        seg.batch_size = args.batch_size
        seg.cut_batch(texts[:100])
        t0 = time.perf_counter()
        out = seg.cut_batch(texts)
        return out, chars / (time.perf_counter() - t0)

    print(f"# {describe()}; model {args.model}, {args.threads} threads, batch {args.batch_size}, "
          f"{len(texts)} lines / {chars:,} chars of {args.gold.name}")
    ref, ref_rate = run(Segmenter.load(args.model, runtime="torch", threads=args.threads))
    ref_f1 = score([g.words for g in gold], ref).f1
    print("| runtime | chars/s | vs torch fp32 | identical lines | word F1 | F1 change |")
    print("|---|---|---|---|---|---|")

    def row(name: str, out: list[list[str]], rate: float) -> None:
        same = sum(a == b for a, b in zip(out, ref)) / len(ref)
        f1 = score([g.words for g in gold], out).f1
        print(f"| {name} | {rate:,.0f} | {rate / ref_rate:.2f}x | {100 * same:.2f}% | {100 * f1:.2f} "
              f"| {100 * (f1 - ref_f1):+.2f} |", flush=True)

    row("torch fp32 (reference)", ref, ref_rate)
    row("torch bf16", *run(Segmenter.load(args.model, runtime="torch", precision="bf16", threads=args.threads)))
    row("ONNX Runtime fp32", *run(Segmenter.load(args.model, runtime="onnxruntime", threads=args.threads)))
    with tempfile.TemporaryDirectory() as tmp:
        base = Segmenter.load(args.model, runtime="onnxruntime", threads=args.threads)
        fp32 = Path(tmp) / "model.onnx"
        fp32.write_bytes(build(base.config, base.weights.state, external_bytes=None)[0])
        variants: list[tuple[str, Callable[[Path], None]]] = [
            ("ONNX Runtime int8, LSTM weights per tensor",
             lambda out: quantize_dynamic(fp32, out, weight_type=QuantType.QInt8, op_types_to_quantize=["LSTM"])),
            ("ONNX Runtime int8, LSTM weights per channel",
             lambda out: quantize_dynamic(fp32, out, weight_type=QuantType.QInt8, op_types_to_quantize=["LSTM"],
                                          per_channel=True)),
        ]
        for k, (name, make) in enumerate(variants):
            path = Path(tmp) / f"model-{k}.onnx"
            make(path)
            seg = Segmenter.load(args.model, runtime="onnxruntime", threads=args.threads)
            seg._infer = QuantizedTagger(path)  # the scorer behind the same pipeline
            row(name, *run(seg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
