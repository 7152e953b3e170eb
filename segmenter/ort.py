"""ONNX Runtime for a tagger network, float32, without torch.

The graph is built from the weights at load (`onnx_graph.build`, part of the load time that
`bench/startup.py` measures), not exported from torch, and written as protobuf bytes without the
`onnx` package (`onnx_proto`), so that segmenting and serving need neither torch nor onnx, nor
their import time and memory. torch stays the reference:
`tests/segmenter/test_parity.py` checks the two agree on the PKU test.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from segmenter.config import ModelConfig

# With torch installed, runtime="auto" runs networks at most this wide (hidden units per
# direction) and one layer deep on ONNX Runtime, wider or deeper ones on torch, where they
# measured faster (`bench/runtimes.py`, BENCHMARKS.md: The fast path). Without torch, every
# network runs on ONNX Runtime.
AUTO_MAX_HIDDEN = 64


def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def prefers_ort(config: ModelConfig, torch_available: bool) -> bool:
    """Whether runtime="auto" picks ONNX Runtime for a network of `config`."""
    if not available():
        return False
    return not torch_available or (config.layers == 1 and config.hidden <= AUTO_MAX_HIDDEN)


class OrtTagger:
    """Scores batches like `BiRNNTagger.forward`, on NumPy arrays.

    The session runs on one intra-op thread without spinning (idle threads of a spinning pool
    busy-wait for work, taking the cores from the batches running beside them and from the event
    loop of the service); `Segmenter` gets its parallelism from running batches side by side, and
    sessions are thread-safe."""

    def __init__(self, config: ModelConfig, weights: Mapping[str, np.ndarray], int8: bool = False) -> None:
        import onnxruntime as ort

        from segmenter.onnx_graph import build

        self.config = config
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.log_severity_level = 3
        graph, external = build(config, weights, int8=int8)
        # The large arrays go to the session as they are, not through the serialised graph (which
        # would hold a second copy of them); the session copies them into its own buffers while it
        # is built (onnxruntime 1.32, tests/segmenter/test_ort.py), so they are let go after it.
        values = [ort.OrtValue.ortvalue_from_numpy(a) for a in external.values()]
        so.add_external_initializers(list(external), values)
        self.session = ort.InferenceSession(graph, so, providers=["CPUExecutionProvider"])

    def __call__(self, chars: np.ndarray, bigrams: np.ndarray, lengths: np.ndarray,
                 standards: np.ndarray | None = None, features: np.ndarray | None = None) -> np.ndarray:
        feed = {"chars": chars, "bigrams": bigrams, "lengths": lengths}
        if standards is not None:
            feed["standards"] = standards
        if features is not None:
            feed["features"] = features
        out: np.ndarray = self.session.run(None, feed)[0]
        return out
