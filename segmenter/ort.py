"""ONNX Runtime for a `BiRNNTagger`, float32, same results as torch.

Measured on the 2-core machine (BENCHMARKS.md): for the small `pku-fast` network (1-layer
BiLSTM 48) ONNX Runtime's LSTM segments the PKU test about 1.1-1.7x as fast as torch's oneDNN
LSTM, with 100% identical lines; for the 2-layer BiLSTM 200 of `pku` it is slower than torch.
So `Segmenter`'s default runtime ("auto") uses it for small 1-layer networks only. The model
is exported at load, in memory (about 0.6 s), and torch stays the reference:
`tests/segmenter/test_parity.py` checks the two agree on the PKU test.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

import torch

from segmenter.model import BiRNNTagger

# Networks at most this wide (hidden units per direction) and one layer deep run on ONNX
# Runtime under runtime="auto"; wider or deeper ones measured faster on torch.
AUTO_MAX_HIDDEN = 64


def available() -> bool:
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def prefers_ort(model: BiRNNTagger) -> bool:
    """Whether runtime="auto" picks ONNX Runtime for `model`."""
    c = model.config
    return c.layers == 1 and c.hidden <= AUTO_MAX_HIDDEN and available()


class OrtTagger:
    """Stands in for a `BiRNNTagger` in `Segmenter`: same call, same scores.

    The session runs on one intra-op thread without spinning (a spinning pool cost tens of ms of
    tail latency on 2 cores, PERF-NOTES); `Segmenter` gets its parallelism from running batches
    side by side, and sessions are thread-safe."""

    def __init__(self, model: BiRNNTagger) -> None:
        import onnxruntime as ort

        self.config = model.config
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.log_severity_level = 3
        self.session = ort.InferenceSession(_export(model), so, providers=["CPUExecutionProvider"])

    def __call__(self, chars: torch.Tensor, bigrams: torch.Tensor, lengths: torch.Tensor,
                 standards: torch.Tensor | None = None) -> torch.Tensor:
        feed = {"chars": chars.numpy(), "bigrams": bigrams.numpy(), "lengths": lengths.numpy()}
        if standards is not None:
            feed["standards"] = standards.numpy()
        out = self.session.run(None, feed)
        return torch.from_numpy(out[0])


def _export(model: BiRNNTagger) -> bytes:
    chars = torch.randint(1, 4, (4, 30))
    bigrams = torch.randint(1, 4, (4, 31))
    lengths = torch.tensor([30, 20, 10, 5])
    args: tuple[torch.Tensor, ...] = (chars, bigrams, lengths)
    names = ["chars", "bigrams", "lengths"]
    axes: dict[str, dict[int, str]] = {"chars": {0: "b", 1: "s"}, "bigrams": {0: "b", 1: "s1"}, "lengths": {0: "b"},
                                       "scores": {0: "b", 1: "s"}}
    if model.std_emb is not None:
        args += (torch.zeros(4, dtype=torch.long),)
        names.append("standards")
        axes["standards"] = {0: "b"}
    buf = io.BytesIO()
    kwargs: dict[str, Any] = dict(input_names=names, output_names=["scores"], opset_version=17, dynamo=False,
                                  dynamic_axes=axes)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's notes on its legacy path and on LSTM batch sizes
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        torch.onnx.export(model.eval(), args, buf, **kwargs)  # type: ignore[arg-type]
    return buf.getvalue()
