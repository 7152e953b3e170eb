"""Frozen configuration dataclasses saved beside the weights and used to rebuild the model."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Cell(str, Enum):
    """The recurrent cell of the encoder."""

    LSTM = "lstm"
    GRU = "gru"
    RNN = "rnn"


class Precision(str, Enum):
    """Number format of inference. FP32 is the reference; BF16 runs the weights and activations in
    bfloat16 on torch (faster on CPUs with AVX512-BF16 or AMX, see BENCHMARKS.md) and may change a
    tie; INT8 runs an LSTM network with int8 weights and activations: on the native runtime
    (`segmenter.native`, fixed scales: a text's words never depend on the texts batched with it),
    or on ONNX Runtime's quantised LSTM (activations quantised per batch). A word may differ from
    FP32 (README, Precision). AUTO, the default of `Segmenter.load`, the CLI and the service: INT8
    where the native runtime runs the model, FP32 elsewhere (`runtimes.resolve_precision`)."""

    AUTO = "auto"
    FP32 = "fp32"
    BF16 = "bf16"
    INT8 = "int8"


class Runtime(str, Enum):
    """What runs the network at inference. TORCH is the reference; ONNXRUNTIME runs the same
    float32 network exported to ONNX Runtime (faster for small networks, see BENCHMARKS.md);
    NATIVE runs an LSTM network in int8 in the package's own C kernel (`segmenter.native`).
    AUTO picks NATIVE for int8, ONNX Runtime for 1-layer networks of at most 64 hidden units in
    float32 when it is installed, torch otherwise."""

    AUTO = "auto"
    TORCH = "torch"
    ONNXRUNTIME = "onnxruntime"
    NATIVE = "native"


# Keys of config.json files written before the fields were renamed -> the fields' names now.
_RENAMED = {"n_chars": "n_units", "tags": "labels"}
# Keys of config.json files written when the network had variants no model shipped: the key -> the only
# value read now (every network is bidirectional; a multi-standard one reads its standard as an embedding).
_REMOVED = {"bidirectional": True, "standard_input": "embedding"}
MIXED = "mixed"  # the standard that `TrainConfig.mixed_share` trains: for text of unknown convention


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a `BiRNNTagger`; stored as `config.json` in a model directory."""

    n_units: int
    n_bigrams: int
    char_dim: int = 100
    bigram_dim: int = 50
    cell: Cell = Cell.LSTM
    hidden: int = 200  # per direction
    layers: int = 1
    dropout: float = 0.2
    labels: tuple[str, ...] = ("B", "M", "E", "S")  # BMES, or joint BMES-POS labels ("B-n", ...)
    max_piece: int = 200  # model input is cut into pieces of at most this many units
    # Segmentation standards of a multi-standard model ("pku", "ctb6", ...): a learned embedding
    # of `standard_dim` numbers, the same at every position, joins the input of the first layer.
    # () with 0: a single-standard model (no standard input).
    standards: tuple[str, ...] = ()
    standard_dim: int = 0
    # A joint model with `factored` scores its BMES tag and its part of speech with two heads
    # (4 + n_pos outputs) instead of one score per joint label: segmentation decodes on the 4 BMES
    # scores alone (the fast BMES Viterbi) and a word takes the best part of speech of its last unit.
    factored: bool = False
    # Dictionary features: with N >= 2, at every position 2 * (N - 1) flags, whether a word of 2..N
    # units of the standard's dictionary (its training words, `vocab.WordDict`) starts there and
    # whether one ends there, join the input of the first layer. 0: none.
    word_features: int = 0
    # The output layer (`segmenter.heads.HEADS`): "softmax" (one score per label, or with `factored`
    # the BMES and part-of-speech heads), "crf" (BMES scores and learned transitions).
    head: str = "softmax"

    def __post_init__(self) -> None:
        object.__setattr__(self, "cell", Cell(self.cell))
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "standards", tuple(self.standards))
        if self.layers < 1 or self.hidden < 1 or self.char_dim < 1 or self.bigram_dim < 0:
            raise ValueError(f"invalid model sizes in {self}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.max_piece < 8:
            raise ValueError(f"max_piece must be at least 8, got {self.max_piece}")
        if self.standard_dim < 0 or bool(self.standards) != (self.standard_dim > 0):
            raise ValueError("a multi-standard model needs both standard names and standard_dim > 0")
        if self.factored and len(self.labels) == 4:
            raise ValueError("a factored model needs joint BMES-POS labels")
        if self.word_features != 0 and not 2 <= self.word_features <= 8:
            raise ValueError(f"word_features must be 0 or 2..8 (the longest dictionary word), got {self.word_features}")
        if len(set(self.standards)) != len(self.standards) or not all(self.standards):
            raise ValueError(f"standard names must be distinct and non-empty, got {list(self.standards)}")
        if len(set(self.labels)) != len(self.labels) or not all(isinstance(x, str) and x for x in self.labels):
            raise ValueError(f"labels must be distinct non-empty strings, got {list(self.labels)}")
        from segmenter.heads import HEADS, head_of

        if self.head not in HEADS:
            raise ValueError(f"unknown head {self.head!r}; the heads: {', '.join(HEADS)}")
        type(head_of(self)).check(self)

    @property
    def unit_dim(self) -> int:
        """Width of a unit's own input: its embedding and its two bigram embeddings."""
        return self.char_dim + 2 * self.bigram_dim

    @property
    def feature_dim(self) -> int:
        """Dictionary-feature flags per position (see `word_features`)."""
        return 2 * (self.word_features - 1) if self.word_features else 0

    @property
    def input_dim(self) -> int:
        """Width of the first layer's input at every position."""
        return self.unit_dim + self.standard_dim + self.feature_dim

    @property
    def n_outputs(self) -> int:
        """Scores per unit out of the network (`segmenter.heads.Head.outputs`): one per label, or 4 + the
        parts of speech for a factored model."""
        from segmenter.heads import head_of

        return head_of(self).outputs

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["cell"] = self.cell.value
        d["labels"] = list(self.labels)
        d["standards"] = list(self.standards)
        if self.head == "softmax":  # as written before there were other heads
            del d["head"]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ModelConfig:
        if not isinstance(d, dict):
            raise TypeError(f"a model config is a JSON object, got {type(d).__name__}")
        d = {_RENAMED.get(k, k): v for k, v in d.items()}
        for key, only in _REMOVED.items():
            value = d.pop(key, only)
            if value != only or type(value) is not type(only):
                raise ValueError(f"{key}: {json.dumps(value)} is not supported any more (a network variant that "
                                 f"was removed: this library reads {key} {json.dumps(only)} only)")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {sorted(unknown)}")
        return cls(**d)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run besides the data."""

    epochs: int = 15
    batch_size: int = 64
    lr: float = 2e-3
    lr_decay: float = 0.9  # multiplied into the learning rate after every epoch
    clip: float = 5.0
    patience: int = 3  # epochs without a dev F1 gain before stopping
    seed: int = 1
    min_char_count: int = 2
    min_bigram_count: int = 2
    threads: int = 0  # torch intra-op threads; 0 = torch's default
    bf16: bool = False
    unk_replace: float = 0.0  # share of known bigrams replaced by <UNK> in training (robustness to unseen ones)
    # Multi-standard training: corpus k gets a share of each epoch proportional to size_k ** sample_alpha
    # (1: as they come; < 1: small corpora drawn more often than their size, large ones less).
    sample_alpha: float = 0.7
    # Distillation: weight of the teacher's label distributions in the loss (0: gold labels only),
    # and the temperature both distributions are softened by.
    distill_alpha: float = 0.0
    distill_temperature: float = 1.0
    # With a teacher: build the student's own vocabulary (min_*_count) instead of sharing the
    # teacher's (e.g. fewer bigrams for a wider network in the same size); the teacher reads its own ids.
    own_vocab: bool = False
    # Multi-standard training: the share of training pieces the model reads with the extra standard
    # `MIXED` instead of their own (their gold labels and teacher stay those of their corpus), so that
    # the model also learns a standard for text whose convention is unknown: what the corpora agree
    # on, and where they differ, the conventions weighted as they are sampled. 0: no such standard.
    mixed_share: float = 0.0
    # Train only the mixed standard's embedding, every piece reading it: every other weight stays as
    # the run's `init` gave it, so the model's other standards segment exactly as before.
    mixed_only: bool = False
    # Fine-tuning (`init`) a multi-standard model on some of its standards or new ones: weight of the
    # loss that keeps the others, each training piece also read in one of them (in turn) with the
    # starting model's distributions as the target, so that they are not forgotten. 0: none.
    keep_alpha: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.mixed_share < 1:
            raise ValueError(f"the mixed share (--mixed-share) must be at least 0 and below 1, got {self.mixed_share}")
        if self.keep_alpha < 0:
            raise ValueError(f"the weight of the kept standards (--keep-alpha) must be at least 0, "
                             f"got {self.keep_alpha}")
        if self.mixed_only and self.mixed_share:
            raise ValueError("--mixed-only reads every piece as the mixed standard: give no --mixed-share with it")

    @property
    def trains_mixed(self) -> bool:
        """Whether the run's model has the `MIXED` standard and some pieces read it."""
        return self.mixed_share > 0 or self.mixed_only

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
