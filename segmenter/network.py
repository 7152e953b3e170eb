"""One description of a tagger network, from its `ModelConfig`: what every form of it is built from.

`network(config)` lists the embeddings (what each reads), the dictionary features, the recurrent
layers (cell, input width, hidden units, directions) and the output `Head`, in the order of the
state dict. From it: the torch module's parameters (`model.BiRNNTagger`), the ONNX graph's layers
(`onnx_graph.build`), the weight shapes a model file must have (`Network.shapes`,
`artifact.load`), and the parity test's reference. A new cell is a `Cell` (config.py) and a row
of `CELLS`; a new head a class of `segmenter.heads`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from segmenter.config import Cell, ModelConfig
from segmenter.heads import Head, head_of


@dataclass(frozen=True)
class CellKind:
    """A recurrent cell in both runtimes: torch's `nn` class, ONNX's operator, the ONNX order of
    torch's gate blocks (ONNX block k is torch block `onnx_gates[k]`), and ONNX attributes."""

    torch: str
    onnx: str
    onnx_gates: tuple[int, ...]
    onnx_attrs: dict[str, Any] = field(default_factory=dict)
    activations: tuple[str, ...] = ()  # ONNX activations of one direction (default: the operator's)

    @property
    def gates(self) -> int:
        return len(self.onnx_gates)


# torch LSTM gates i,f,g,o -> ONNX i,o,f,c; torch GRU r,z,n -> ONNX z,r,h (`linear_before_reset`:
# torch's formula)
CELLS: dict[Cell, CellKind] = {
    Cell.LSTM: CellKind("LSTM", "LSTM", (0, 3, 1, 2)),
    Cell.GRU: CellKind("GRU", "GRU", (1, 0, 2), {"linear_before_reset": 1}),
    Cell.RNN: CellKind("RNN", "RNN", (0,), activations=("Tanh",)),
}


@dataclass(frozen=True)
class Embedding:
    """A table `name` of `rows` vectors of `dim` numbers. `reads`: "chars" (a unit's id), "bigrams"
    (its left and right bigram ids: two vectors) or "standards" (the row's standard, the same at
    every position). `padding`: row 0 is the padding id (kept zero); `sparse`: sparse gradients."""

    name: str
    rows: int
    dim: int
    reads: str
    padding: bool = False
    sparse: bool = False

    @property
    def weight(self) -> str:
        return f"{self.name}.weight"


@dataclass(frozen=True)
class Recurrent:
    """Layer `index`: a `cell` over `d_in` inputs with `hidden` units, one module per direction
    (`sides`, "fwd" then "bwd"), named `{side}.{index}` with torch's weights `weight_ih_l0`,
    `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`."""

    index: int
    cell: Cell
    d_in: int
    hidden: int
    sides: tuple[str, ...]

    @property
    def prefixes(self) -> list[str]:
        return [f"{side}.{self.index}" for side in self.sides]

    def shapes(self) -> dict[str, tuple[int, ...]]:
        gates = CELLS[self.cell].gates * self.hidden
        out: dict[str, tuple[int, ...]] = {}
        for p in self.prefixes:
            out.update({f"{p}.weight_ih_l0": (gates, self.d_in), f"{p}.weight_hh_l0": (gates, self.hidden),
                        f"{p}.bias_ih_l0": (gates,), f"{p}.bias_hh_l0": (gates,)})
        return out


@dataclass(frozen=True)
class Network:
    """The network of a `ModelConfig`: input embeddings, `features` dictionary flags per position,
    recurrent layers, and the head over the last layer's `d_out` features."""

    config: ModelConfig
    embeddings: tuple[Embedding, ...]
    features: int
    layers: tuple[Recurrent, ...]
    head: Head

    @property
    def d_out(self) -> int:
        last = self.layers[-1]
        return last.hidden * len(last.sides)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Every weight's name and shape, in the order of the torch module's state dict."""
        out: dict[str, tuple[int, ...]] = {e.weight: (e.rows, e.dim) for e in self.embeddings}
        for layer in self.layers:
            out.update(layer.shapes())
        out.update(self.head.shapes(self.d_out))
        return out


def network(config: ModelConfig) -> Network:
    """The `Network` of `config`."""
    embeddings = [Embedding("char_emb", config.n_units, config.char_dim, "chars", padding=True)]
    if config.bigram_dim:
        embeddings.append(Embedding("bigram_emb", config.n_bigrams, config.bigram_dim, "bigrams",
                                    padding=True, sparse=True))
    if config.standard_dim:
        embeddings.append(Embedding("std_emb", len(config.standards), config.standard_dim, "standards"))
    sides = ("fwd", "bwd")
    layers = tuple(Recurrent(n, config.cell, config.input_dim if n == 0 else config.hidden * len(sides),
                             config.hidden, sides) for n in range(config.layers))
    return Network(config, tuple(embeddings), config.feature_dim, layers, head_of(config))
