"""Inference runtimes and number formats for one model, on the whole PKU test: characters/s
end to end (raw strings in, words out, the library's pre- and post-processing included), and
parity with the torch float32 reference (identical lines, word F1).

    pip install -e '.[bench]'
    python bench/runtimes.py --gold ../shared/data/pku/pku_test_gold.utf8 --model pku

Variants: torch fp32 (the reference), torch bf16, ONNX Runtime fp32, and ONNX Runtime int8 from
its own dynamic quantiser (LSTM weights only, per tensor and per channel). The ONNX graphs are
exported to a temporary folder; ONNX Runtime runs with spinning off and `--threads` intra-op
threads. The model behind `Segmenter` is swapped, nothing else changes.
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


class OrtModel:
    """Stands in for `BiRNNTagger` inside a `Segmenter`: same inputs, same scores."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def __call__(self, chars, bigrams, lengths):  # type: ignore[no-untyped-def]
        import torch

        out = self.session.run(None, {"chars": chars.numpy(), "bigrams": bigrams.numpy(), "lengths": lengths.numpy()})
        return torch.from_numpy(out[0])


def export(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    import torch

    chars = torch.randint(1, 100, (4, 30))
    bigrams = torch.randint(1, 100, (4, 31))
    lengths = torch.tensor([30, 20, 10, 5])
    torch.onnx.export(model, (chars, bigrams, lengths), str(path), input_names=["chars", "bigrams", "lengths"],
                      output_names=["scores"], opset_version=17, dynamo=False,
                      dynamic_axes={"chars": {0: "b", 1: "s"}, "bigrams": {0: "b", 1: "s1"}, "lengths": {0: "b"},
                                    "scores": {0: "b", 1: "s"}})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gold", type=Path, required=True)
    p.add_argument("--model", default="pku")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    args = p.parse_args(argv)
    if not args.gold.is_file():
        print(f"runtimes.py: no such file: {args.gold}", file=sys.stderr)
        return 2
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from segmenter import Segmenter
    from segmenter.corpus import read_corpus
    from segmenter.metrics import score

    torch.set_num_threads(args.threads)
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
    ref, ref_rate = run(Segmenter.load(args.model, threads=1))
    ref_f1 = score([g.words for g in gold], ref).f1
    print("| runtime | chars/s | vs torch fp32 | identical lines | word F1 | F1 change |")
    print("|---|---|---|---|---|---|")

    def row(name: str, out: list[list[str]], rate: float) -> None:
        same = sum(a == b for a, b in zip(out, ref)) / len(ref)
        f1 = score([g.words for g in gold], out).f1
        print(f"| {name} | {rate:,.0f} | {rate / ref_rate:.2f}x | {100 * same:.2f}% | {100 * f1:.2f} "
              f"| {100 * (f1 - ref_f1):+.2f} |", flush=True)

    row("torch fp32 (reference)", ref, ref_rate)
    row("torch bf16", *run(Segmenter.load(args.model, precision="bf16", threads=1)))
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.onnx"
        export(Segmenter.load(args.model).model, fp32)
        variants: list[tuple[str, Callable[[Path], None] | None]] = [
            ("ONNX Runtime fp32", None),
            ("ONNX Runtime int8, LSTM weights per tensor",
             lambda out: quantize_dynamic(fp32, out, weight_type=QuantType.QInt8, op_types_to_quantize=["LSTM"])),
            ("ONNX Runtime int8, LSTM weights per channel",
             lambda out: quantize_dynamic(fp32, out, weight_type=QuantType.QInt8, op_types_to_quantize=["LSTM"],
                                          per_channel=True)),
        ]
        for k, (name, make) in enumerate(variants):
            path = fp32
            if make is not None:
                path = Path(tmp) / f"model-{k}.onnx"
                make(path)
            seg = Segmenter.load(args.model, threads=1)
            seg.model = OrtModel(path, args.threads)  # type: ignore[assignment]
            row(name, *run(seg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
