"""The inference graph of a `BiRNNTagger`, built for ONNX Runtime from the weights alone (no torch).

The graph computes what `model.BiRNNTagger.forward` computes, operator for operator: embeddings
of units and of left and right bigrams (and of the standard, for a multi-standard model), each
direction of each layer as a one-directional ONNX `LSTM`/`GRU`/`RNN` node over the padded batch,
the backward one fed every row reversed within its own length, and the tag layer split by
direction. Inputs `chars` (batch, seq), `bigrams` (batch, seq+1), `lengths` (batch,) and, for a
multi-standard model, `standards` (batch,), all int64, and for a model with dictionary features
`features` (batch, seq, feature_dim) float32; output `scores` (batch, seq, outputs),
float32. `tests/segmenter/test_parity.py` checks it against torch on the PKU test.

Gate orders differ between torch and ONNX: torch LSTM i,f,g,o -> ONNX i,o,f,c; torch GRU r,z,n ->
ONNX z,r,h (with `linear_before_reset=1`, torch's formula).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from segmenter import onnx_proto as proto
from segmenter.config import Cell, ModelConfig

OPSET = 17
MS_DOMAIN = "com.microsoft"  # ONNX Runtime's own operators (DynamicQuantizeLSTM)
_ACTIVATIONS = {Cell.LSTM: None, Cell.GRU: None, Cell.RNN: ["Tanh"]}
_OP = {Cell.LSTM: "LSTM", Cell.GRU: "GRU", Cell.RNN: "RNN"}


def _gate_order(cell: Cell, w: np.ndarray) -> np.ndarray:
    """Rows of a torch gate-stacked weight or bias in ONNX's gate order."""
    if cell is Cell.LSTM:
        i, f, g, o = np.split(w, 4, axis=0)
        return np.concatenate([i, o, f, g], axis=0)
    if cell is Cell.GRU:
        r, z, n = np.split(w, 3, axis=0)
        return np.concatenate([z, r, n], axis=0)
    return w


# Arrays of at least this many bytes are external initializers: the serialised graph only names
# them and `OrtTagger` hands the arrays to the session, so they are not copied into the model
# proto and its serialised bytes as well as into the session.
EXTERNAL_BYTES = 4096


class _Graph:
    def __init__(self, external_bytes: int | None) -> None:
        self.nodes: list[bytes] = []
        self.inits: list[bytes] = []
        self.external: dict[str, np.ndarray] = {}
        self.external_bytes = external_bytes
        self._n = 0

    def name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def const(self, hint: str, value: np.ndarray) -> str:
        name = self.name(hint)
        value = np.ascontiguousarray(value)
        if self.external_bytes is None or value.nbytes < self.external_bytes:
            self.inits.append(proto.tensor(name, value))
        else:
            self.inits.append(proto.external_tensor(name, value.dtype, value.shape))
            self.external[name] = value
        return name

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, domain: str = "", **attrs: Any) -> str:
        out = self.name(hint or op_type.lower())
        self.nodes.append(proto.node(op_type, inputs, [out], domain, **attrs))
        return out


def quantise_columns(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 weights, float32 scale per column) of a (rows, columns) matrix, symmetric (zero point
    0): each column's largest magnitude maps to 127."""
    scale = np.abs(w).max(axis=0) / 127
    q = np.round(np.divide(w, scale, out=np.zeros_like(w), where=scale > 0))
    return q.clip(-127, 127).astype(np.int8), scale.astype(np.float32)


def build(config: ModelConfig, weights: Mapping[str, np.ndarray],
          external_bytes: int | None = EXTERNAL_BYTES, int8: bool = False) -> tuple[bytes, dict[str, np.ndarray]]:
    """The serialised ONNX model of a network with `config` and `weights` (the state dict as NumPy
    arrays, any float type; computed in float32), and its external initializers by name (arrays
    that share memory with `weights` where no conversion was needed: the session must be given
    them, see `OrtTagger`, and they must live as long as it). `external_bytes` None: every array
    inside the model (a self-contained model file). `int8`: LSTM layers as ONNX Runtime's
    `DynamicQuantizeLSTM` (com.microsoft), their input and recurrent weights int8 with a scale per
    gate unit (`quantise_columns`), activations quantised on the fly (by ONNX Runtime, per batch:
    a text's scores then depend a little on the texts batched with it); GRU and RNN layers and the
    output layer stay float32."""
    w = {k: np.asarray(v, dtype=np.float32) if np.issubdtype(np.asarray(v).dtype, np.floating) else np.asarray(v)
         for k, v in weights.items()}
    if config.standards and config.standard_input != "embedding":
        raise ValueError("standard tokens run on torch only: no ONNX graph for this network")
    g = _Graph(external_bytes)
    i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    zero, one, minus_one = g.const("zero", i64(0)), g.const("one", i64(1)), g.const("minus_one", i64(-1))
    ax0, ax1, ax2 = g.const("ax0", i64(0)), g.const("ax1", i64(1)), g.const("ax2", i64(2))
    big = g.const("big", i64(np.iinfo(np.int64).max))

    # left bigrams are bigrams[:, :-1], right ones bigrams[:, 1:]
    left = g.op("Slice", ["bigrams", zero, minus_one, ax1], "left")
    right = g.op("Slice", ["bigrams", one, big, ax1], "right")
    seq = g.op("Gather", [g.op("Shape", ["chars"]), one], "seq")  # scalar
    steps = g.op("Range", [g.const("z", np.array(0, np.int64)), seq, g.const("o", np.array(1, np.int64))], "steps")
    last = g.op("Unsqueeze", [g.op("Sub", ["lengths", g.const("one_s", np.array(1, np.int64))]), ax1], "last")
    t = g.op("Unsqueeze", [steps, ax0], "t")  # (1, seq)
    rev = g.op("Where", [g.op("LessOrEqual", [t, last]), g.op("Sub", [last, t]),
                         g.op("Expand", [t, g.op("Shape", ["chars"])])], "rev")  # (batch, seq)

    char_table = g.const("char_emb", w["char_emb.weight"])
    bigram_table = g.const("bigram_emb", w["bigram_emb.weight"]) if config.bigram_dim else None
    std = None
    if config.standard_dim:
        std = g.op("Gather", [g.const("std_emb", w["std_emb.weight"]), "standards"], "std")  # (batch, sd)
        std = g.op("Unsqueeze", [std, ax1])  # (batch, 1, sd)
        std_shape = g.op("Concat", [g.op("Shape", ["chars"]), g.const("sd", i64(config.standard_dim))], axis=0)

    def embed(chars: str, lft: str, rgt: str, feats: str | None) -> str:
        parts = [g.op("Gather", [char_table, chars])]
        if bigram_table is not None:
            parts += [g.op("Gather", [bigram_table, lft]), g.op("Gather", [bigram_table, rgt])]
        if std is not None:
            parts.append(g.op("Expand", [std, std_shape]))
        if feats is not None:
            parts.append(feats)
        return g.op("Concat", parts, "x", axis=-1) if len(parts) > 1 else parts[0]  # (batch, seq, in)

    def reverse(x: str) -> str:
        """Rows of (batch, seq) or (batch, seq, d) reversed within their lengths (its own inverse)."""
        return g.op("GatherElements", [x, rev], axis=1)

    def reverse3(x: str) -> str:
        idx = g.op("Expand", [g.op("Unsqueeze", [rev, ax2]), g.op("Shape", [x])])
        return g.op("GatherElements", [x, idx], axis=1)

    def rnn(x: str, prefix: str) -> str:
        """One direction of one layer: (batch, seq, in) -> (batch, seq, hidden)."""
        cell = config.cell
        wi = _gate_order(cell, w[f"{prefix}.weight_ih_l0"])[None]
        wh = _gate_order(cell, w[f"{prefix}.weight_hh_l0"])[None]
        bias = np.concatenate([_gate_order(cell, w[f"{prefix}.bias_ih_l0"]),
                               _gate_order(cell, w[f"{prefix}.bias_hh_l0"])])[None]
        attrs: dict[str, Any] = {"hidden_size": config.hidden, "direction": "forward"}
        if cell is Cell.GRU:
            attrs["linear_before_reset"] = 1
        if _ACTIVATIONS[cell]:
            attrs["activations"] = _ACTIVATIONS[cell]
        xs = g.op("Transpose", [x], perm=[1, 0, 2])  # (seq, batch, in)
        lens = g.op("Cast", ["lengths"], to=proto.INT32)
        if int8 and cell is Cell.LSTM:  # weights (1, in, 4h) and (1, h, 4h), transposed, int8 per column
            (wq, ws), (rq, rs) = quantise_columns(wi[0].T), quantise_columns(wh[0].T)
            zero_point = g.const("zp", np.zeros((1, wq.shape[1]), dtype=np.int8))
            y = g.op("DynamicQuantizeLSTM", [xs, g.const("Wq", wq[None]), g.const("Rq", rq[None]), g.const("B", bias),
                                             lens, "", "", "", g.const("Ws", ws[None]), zero_point,
                                             g.const("Rs", rs[None]), zero_point], "y", domain=MS_DOMAIN, **attrs)
        else:
            y = g.op(_OP[cell], [xs, g.const("W", wi), g.const("R", wh), g.const("B", bias), lens], "y", **attrs)
        y = g.op("Squeeze", [y, ax1])  # (seq, batch, hidden)
        return g.op("Transpose", [y], perm=[1, 0, 2])  # (batch, seq, hidden)

    feats = "features" if config.feature_dim else None
    x = embed("chars", left, right, feats)
    if not config.bidirectional:
        for layer in range(config.layers):
            x = rnn(x, f"fwd.{layer}")
        scores = g.op("Add", [g.op("MatMul", [x, g.const("out_w", w["out.weight"].T)]),
                              g.const("out_b", w["out.bias"])])
    else:
        x_r = embed(reverse("chars"), reverse(left), reverse(right), None if feats is None else reverse3(feats))
        for layer in range(config.layers - 1):
            h_f = rnn(x, f"fwd.{layer}")
            h_r = rnn(x_r, f"bwd.{layer}")
            x = g.op("Concat", [h_f, reverse3(h_r)], axis=-1)
            x_r = reverse3(x)
        last_layer = config.layers - 1
        h_f = rnn(x, f"fwd.{last_layer}")
        h_r = rnn(x_r, f"bwd.{last_layer}")
        w_f, w_b = np.split(w["out.weight"], 2, axis=1)
        s_f = g.op("Add", [g.op("MatMul", [h_f, g.const("out_wf", w_f.T)]), g.const("out_b", w["out.bias"])])
        s_r = g.op("MatMul", [h_r, g.const("out_wb", w_b.T)])
        scores = g.op("Add", [s_f, reverse3(s_r)])
    g.nodes.append(proto.node("Identity", [scores], ["scores"]))

    inputs = [proto.value_info("chars", proto.INT64, ["b", "s"]),
              proto.value_info("bigrams", proto.INT64, ["b", "s1"]),
              proto.value_info("lengths", proto.INT64, ["b"])]
    if config.standard_dim:
        inputs.append(proto.value_info("standards", proto.INT64, ["b"]))
    if config.feature_dim:
        inputs.append(proto.value_info("features", proto.FLOAT, ["b", "s", config.feature_dim]))
    outputs = [proto.value_info("scores", proto.FLOAT, ["b", "s", config.n_outputs])]
    opsets = [("", OPSET)] + ([(MS_DOMAIN, 1)] if int8 else [])
    model = proto.model(g.nodes, "birnn_tagger", inputs, outputs, g.inits, opsets=opsets, ir_version=8,
                        producer="segmenter")
    return model, g.external
