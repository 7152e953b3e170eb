"""The native runtime: a BiLSTM tagger's forward pass in a small C kernel (`segmenter/_native.c`),
int8 weights and activations with fixed scales, on AVX-512 VNNI where the CPU has it.

Made for one text a call as much as for batches: no graph to run, no per-call set-up, and the
work of each row depends on that row alone (fixed quantisation scales, not per batch as ONNX
Runtime's dynamic quantisation), so a text gets the same scores in any batch, and on any
instruction set (`tests/segmenter/test_native.py`).

What is quantised (the rest is float32):
- the character and standard embeddings' input projections are folded into float tables at load
  (one row of 8 × hidden numbers a unit, and a standard with the biases), and the dictionary
  features' weights are added as floats;
- the bigram embeddings are int8 with a scale per row (as the shipped files store them), their
  input weights int8 with a scale per gate unit;
- the recurrent weights, later layers' input weights and the tag layer's weights are int8 with a
  scale per output; a layer's output h (in (-1, 1)) is int8 with the fixed scale 1/127.

What it changes against float32 is measured on every dev set (`bench/precision.py`, BENCHMARKS.md:
Precision). LSTM networks only: a GRU or plain RNN runs on ONNX Runtime or torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from segmenter.config import Cell, ModelConfig
from segmenter.network import network
from segmenter.tags import N_TAGS

if TYPE_CHECKING:
    from segmenter.pipeline import Scorer

from segmenter.compiled import KERNEL as _native  # None without the compiled extension


def available() -> bool:
    """Whether the kernel was built (it is part of the wheel; a build without a C compiler lacks it)."""
    return _native is not None


def supports(config: ModelConfig) -> bool:
    """Whether the kernel runs a network of `config` (bidirectional LSTM layers)."""
    return config.cell is Cell.LSTM


def isa() -> str:
    """The instruction set the kernel runs on: "avx512vnni", "avx2" or "plain"."""
    return str(_native.isa()) if _native is not None else "unavailable"


def _pad(n: int, to: int) -> int:
    return -(-n // to) * to


def quantise_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 rows, float32 scale per row) of a float table: each row's largest magnitude maps to 127
    (what `artifact.quantise_rows` stores, with the scale in float32)."""
    table = np.asarray(table, dtype=np.float32)
    scale = np.abs(table).max(axis=1) / np.float32(127)
    q = np.rint(np.divide(table, scale[:, None], out=np.zeros_like(table), where=scale[:, None] > 0))
    return q.clip(-127, 127).astype(np.int8), scale


def qmat(w: np.ndarray, in_scale: float = 1.0) -> tuple[int, int, bytes, np.ndarray, np.ndarray]:
    """The kernel's form of a weight matrix `w` (outputs, inputs), float: (inputs, outputs, int8
    weights in VNNI order [inputs / 4][outputs][4] padded, scale per output (the column's scale
    times `in_scale`, the fixed scale of its inputs), 128 × each output's weight sum)."""
    g, k = w.shape
    scale = np.abs(w).max(axis=1).astype(np.float64) / 127
    q = np.round(np.divide(w, scale[:, None], out=np.zeros(w.shape), where=scale[:, None] > 0)).clip(-127, 127)
    kp, gp = _pad(k, 4), _pad(g, 16)
    full = np.zeros((gp, kp), dtype=np.int8)
    full[:g, :k] = q
    packed = np.ascontiguousarray(full.reshape(gp, kp // 4, 4).transpose(1, 0, 2))
    scales = np.zeros(gp, dtype=np.float32)
    scales[:g] = scale * in_scale
    comp = 128 * full.sum(axis=1, dtype=np.int32)
    return k, g, packed.tobytes(), scales, comp.astype(np.int32)


def prepare(config: ModelConfig, weights: Mapping[str, np.ndarray],
            int8_rows: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None) -> tuple[Any, ...]:
    """The arguments of `_native.build` for a network of `config` with `weights` (its state);
    `int8_rows`: its bigram table as the weights file stores it (int8 rows and their scales),
    used as it is (else quantised here, `quantise_rows`)."""
    if not supports(config):
        raise ValueError(f"the native runtime runs LSTM networks, not {config.cell.value}")
    net = network(config)
    w = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items() if k != "bigram_emb.weight"}
    first = net.layers[0]
    H = first.hidden
    dims = {e.reads: e for e in net.embeddings}
    char = dims["chars"]
    big = dims.get("bigrams")
    std = dims.get("standards")
    # columns of the first layer's input: unit, left bigram, right bigram, standard, features
    c0, c1 = 0, char.dim
    b1 = c1 + (big.dim if big else 0)
    b2 = b1 + (big.dim if big else 0)
    s2 = b2 + (std.dim if std else 0)
    f2 = s2 + net.features
    assert f2 == first.d_in, (f2, first.d_in)
    wih = [w[f"{p}.weight_ih_l0"] for p in first.prefixes]  # (4H, d_in) each
    bias = np.stack([w[f"{p}.bias_ih_l0"] + w[f"{p}.bias_hh_l0"] for p in first.prefixes])  # (2, 4H)
    # products by einsum's own loops, not BLAS: a BLAS call starts OpenBLAS's thread pool, whose
    # idle threads then spin on the cores the kernel runs on (a fifth of one core, measured)
    chartab = np.stack([np.einsum("uk,gk->ug", w[char.weight], wi[:, c0:c1]) for wi in wih], axis=1)  # (units, 2, 4H)
    if std:
        stdtab = np.stack([np.einsum("sk,gk->sg", w[std.weight], wi[:, b2:s2]) for wi in wih], axis=1) + bias
    else:
        stdtab = bias[None]
    feattab = np.stack([wi[:, s2:f2].T for wi in wih], axis=1)  # (features, 2, 4H)
    if big:
        stored = (int8_rows or {}).get(big.weight)
        bigq, bigs = stored if stored is not None else quantise_rows(weights[big.weight])
        bigq = np.pad(bigq, ((0, 0), (0, _pad(big.dim, 4) - big.dim)))
        left = qmat(np.concatenate([wi[:, c1:b1] for wi in wih]))  # both directions' gates, stacked
        right = qmat(np.concatenate([wi[:, b1:b2] for wi in wih]))
        n_bigrams, bdim = len(bigq), big.dim
    else:
        bigq, bigs, left, right, n_bigrams, bdim = np.zeros(0, np.int8), np.zeros(0, np.float32), None, None, 0, 0
    layers = []
    for spec in net.layers:
        ps = spec.prefixes
        wx: list[Any] = [None, None]
        b: list[Any] = [None, None]
        if spec.index:
            wx = [qmat(w[f"{p}.weight_ih_l0"], 1 / 127) for p in ps]
            b = [(w[f"{p}.bias_ih_l0"] + w[f"{p}.bias_hh_l0"]).astype(np.float32) for p in ps]
        wh = [qmat(w[f"{p}.weight_hh_l0"], 1 / 127) for p in ps]
        layers.append((*wx, *wh, *b))
    out = qmat(w["out.weight"], 1 / 127)
    # a factored head's 4 BMES scores alone (each output's scale is its own row's: the same scores)
    seg = qmat(w["out.weight"][:N_TAGS], 1 / 127) if config.factored else None
    f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    return ((len(net.layers), H, char.rows, len(stdtab), net.features, n_bigrams, bdim, net.head.outputs),
            f32(chartab), f32(stdtab), f32(feattab), np.ascontiguousarray(bigq), bigs, left, right, layers, out,
            f32(w["out.bias"]), seg)


class NativeTagger:
    """Scores batches like `ort.OrtTagger`, with the C kernel; thread-safe (each call has its own
    work space), and it lets go of the GIL while it computes."""

    def __init__(self, config: ModelConfig, weights: Mapping[str, np.ndarray],
                 int8_rows: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        if _native is None:
            raise RuntimeError("the native kernel (segmenter._native) was not built")
        self.kernel = _native
        self.config = config
        self.outputs = network(config).head.outputs
        self.model = _native.build(*prepare(config, weights, int8_rows))

    def __call__(self, chars: np.ndarray, bigrams: np.ndarray, lengths: np.ndarray,
                 standards: np.ndarray | None = None, features: np.ndarray | None = None,
                 outputs: int | None = None) -> np.ndarray:
        """`outputs`: all the head's (None), or `N_TAGS` for a factored head's BMES scores alone
        (`segmentation_scorer`)."""
        n, seq = chars.shape
        outputs = self.outputs if outputs is None else outputs
        out = np.empty((n, seq, outputs), dtype=np.float32)
        stds = np.zeros(n, dtype=np.int64) if standards is None else np.ascontiguousarray(standards, dtype=np.int64)
        feats = None if features is None else np.ascontiguousarray(features, dtype=np.float32)
        self.kernel.forward(self.model, np.ascontiguousarray(chars, dtype=np.int64),
                            np.ascontiguousarray(bigrams, dtype=np.int64),
                            np.ascontiguousarray(lengths, dtype=np.int64), stds, feats, out, n, seq, outputs)
        return out

    def segmentation_scorer(self) -> Scorer:
        """A scorer of the BMES scores alone, for calls that want no parts of speech: the tag layer's
        other outputs are not computed (a factored head; else this scorer itself)."""
        if not self.config.factored:
            return self
        return partial(self, outputs=N_TAGS)
