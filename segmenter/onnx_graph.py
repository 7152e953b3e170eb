"""The inference graph of a `BiRNNTagger`, built for ONNX Runtime from the weights alone (no torch).

The graph computes what `model.BiRNNTagger.forward` computes: embeddings of units and of left and
right bigrams (and of the standard, for a multi-standard model), each layer as one ONNX
`LSTM`/`GRU`/`RNN` node with both directions over the padded batch in time-major layout (ONNX
Runtime runs the backward direction over every row reversed within its own length, `lengths`, as
the torch module does), and the tag layer. (Until 2026-12-06 each direction was its own node, the
backward one fed reversed rows gathered by the graph: 18% slower in batches of 64, and more nodes
to run for one sentence.) Inputs `chars` (batch, seq), `bigrams` (batch, seq+1), `lengths` (batch,) and, for a
multi-standard model, `standards` (batch,), all int64, and for a model with dictionary features
`features` (batch, seq, feature_dim) float32; output `scores` (batch, seq, outputs),
float32. `tests/segmenter/test_parity.py` checks it against torch on the PKU test.

The layers are those of `network.network(config)`, walked in order; gate orders differ between
torch and ONNX (`network.CELLS`). A head's decoder weights (the CRF's transitions) are not in the
graph: the decoder reads them (`heads.Head.bind`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from segmenter import onnx_proto as proto
from segmenter.config import Cell, ModelConfig
from segmenter.network import CELLS, CellKind, Recurrent, network

OPSET = 17
MS_DOMAIN = "com.microsoft"  # ONNX Runtime's own operators (DynamicQuantizeLSTM)


def _gate_order(cell: CellKind, w: np.ndarray) -> np.ndarray:
    """Rows of a torch gate-stacked weight or bias in ONNX's gate order."""
    if cell.gates == 1:
        return w
    blocks = np.split(w, cell.gates, axis=0)
    return np.concatenate([blocks[k] for k in cell.onnx_gates], axis=0)


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
    g = _Graph(external_bytes)
    i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    zero, one, minus_one = g.const("zero", i64(0)), g.const("one", i64(1)), g.const("minus_one", i64(-1))
    ax1 = g.const("ax1", i64(1))
    big = g.const("big", i64(np.iinfo(np.int64).max))

    net = network(config)
    # left bigrams are bigrams[:, :-1], right ones bigrams[:, 1:]
    left = g.op("Slice", ["bigrams", zero, minus_one, ax1], "left")
    right = g.op("Slice", ["bigrams", one, big, ax1], "right")

    parts = []
    for emb in net.embeddings:
        table = g.const(emb.name, w[emb.weight])
        if emb.reads == "chars":
            parts.append(g.op("Gather", [table, "chars"]))
        elif emb.reads == "bigrams":
            parts += [g.op("Gather", [table, left]), g.op("Gather", [table, right])]
        else:  # the row's standard, at every position
            std = g.op("Gather", [table, "standards"], "std")  # (batch, sd)
            std_shape = g.op("Concat", [g.op("Shape", ["chars"]), g.const("sd", i64(emb.dim))], axis=0)
            parts.append(g.op("Expand", [g.op("Unsqueeze", [std, ax1]), std_shape]))  # (batch, seq, sd)
    if net.features:
        parts.append("features")
    x = g.op("Concat", parts, "x", axis=-1) if len(parts) > 1 else parts[0]  # (batch, seq, in)
    xs = g.op("Transpose", [x], perm=[1, 0, 2])  # (seq, batch, in): the recurrent nodes' layout
    lens = g.op("Cast", ["lengths"], to=proto.INT32)

    def layer(xs: str, spec: Recurrent) -> str:
        """One layer, both directions in one node (ONNX Runtime runs the backward one over each
        row reversed within its own length, as `BiRNNTagger` does):
        (seq, batch, in) -> (seq, batch, directions * hidden)."""
        cell, prefixes = CELLS[spec.cell], spec.prefixes
        wi = np.stack([_gate_order(cell, w[f"{p}.weight_ih_l0"]) for p in prefixes])  # (dirs, gates*h, in)
        wh = np.stack([_gate_order(cell, w[f"{p}.weight_hh_l0"]) for p in prefixes])  # (dirs, gates*h, h)
        bias = np.stack([np.concatenate([_gate_order(cell, w[f"{p}.bias_ih_l0"]),
                                         _gate_order(cell, w[f"{p}.bias_hh_l0"])]) for p in prefixes])
        attrs: dict[str, Any] = {"hidden_size": spec.hidden,
                                 "direction": "bidirectional",
                                 **cell.onnx_attrs}
        if cell.activations:  # one list per direction
            attrs["activations"] = list(cell.activations) * len(prefixes)
        if int8 and spec.cell is Cell.LSTM:  # weights (dirs, in, 4h) and (dirs, h, 4h), transposed, int8 per column
            (wq, ws), (rq, rs) = zip(*(quantise_columns(a.T) for a in wi)), zip(*(quantise_columns(a.T) for a in wh))
            zero_point = g.const("zp", np.zeros((len(prefixes), wi.shape[1]), dtype=np.int8))
            y = g.op("DynamicQuantizeLSTM", [xs, g.const("Wq", np.stack(wq)), g.const("Rq", np.stack(rq)),
                                             g.const("B", bias), lens, "", "", "", g.const("Ws", np.stack(ws)),
                                             zero_point, g.const("Rs", np.stack(rs)), zero_point], "y",
                     domain=MS_DOMAIN, **attrs)
        else:
            y = g.op(cell.onnx, [xs, g.const("W", wi), g.const("R", wh), g.const("B", bias), lens], "y", **attrs)
        # (seq, dirs, batch, h) -> (seq, batch, dirs * h)
        y = g.op("Transpose", [y], perm=[0, 2, 1, 3])
        return g.op("Reshape", [y, g.const("shape", i64(0, 0, -1))])

    for spec in net.layers:
        xs = layer(xs, spec)
    # the head's linear layer (its decoder's weights, if any, are not the graph's)
    scores = g.op("Add", [g.op("MatMul", [xs, g.const("out_w", w["out.weight"].T)]), g.const("out_b", w["out.bias"])])
    scores = g.op("Transpose", [scores], perm=[1, 0, 2])  # (batch, seq, outputs)
    g.nodes.append(proto.node("Identity", [scores], ["scores"]))

    inputs = [proto.value_info("chars", proto.INT64, ["b", "s"]),
              proto.value_info("bigrams", proto.INT64, ["b", "s1"]),
              proto.value_info("lengths", proto.INT64, ["b"])]
    if config.standard_dim:
        inputs.append(proto.value_info("standards", proto.INT64, ["b"]))
    if net.features:
        inputs.append(proto.value_info("features", proto.FLOAT, ["b", "s", net.features]))
    outputs = [proto.value_info("scores", proto.FLOAT, ["b", "s", net.head.outputs])]
    opsets = [("", OPSET)] + ([(MS_DOMAIN, 1)] if int8 else [])
    model = proto.model(g.nodes, "birnn_tagger", inputs, outputs, g.inits, opsets=opsets, ir_version=8,
                        producer="segmenter")
    return model, g.external
