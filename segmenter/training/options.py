"""The network a run asks for (`ModelOptions`: `ModelConfig` fields, each given or not), and what a
fine-tuning run takes from the model it starts from. No torch here: the command line reads it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from segmenter.config import ModelConfig

# `ModelConfig` fields a fine-tuning run takes from the model it starts from (any other value asked
# for is an error naming the option), and the training options that name them
INHERITED = ("cell", "layers", "hidden", "char_dim", "bigram_dim", "max_piece", "standard_dim", "labels", "factored",
             "word_features", "head")
_OPTION = {"labels": "--pos"}


@dataclass(frozen=True)
class ModelOptions:
    """`ModelConfig` fields asked for, besides the vocabulary sizes; None: not asked for (the
    default is `ModelConfig`'s, or with an init model that model's own). `pos`: with an init
    model, a joint one asked for (a new joint model is asked for by its `labels`)."""

    char_dim: int | None = None
    bigram_dim: int | None = None
    cell: str | None = None
    hidden: int | None = None
    layers: int | None = None
    dropout: float | None = None
    labels: tuple[str, ...] | None = None
    max_piece: int | None = None
    standards: tuple[str, ...] | None = None
    standard_dim: int | None = None
    factored: bool | None = None
    word_features: int | None = None
    head: str | None = None
    pos: bool = False

    def __post_init__(self) -> None:
        for name in ("labels", "standards"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, tuple(getattr(self, name)))

    @classmethod
    def of(cls, options: Mapping[str, Any] | ModelOptions) -> ModelOptions:
        """`options` as given to `train`: a mapping of `ModelConfig` fields (and `pos`), or already typed."""
        if isinstance(options, ModelOptions):
            return options
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"unknown model options {unknown}: the options are ModelConfig's fields besides "
                             "n_units and n_bigrams, and pos")
        return cls(**options)

    def given(self) -> dict[str, Any]:
        """The `ModelConfig` fields asked for."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name != "pos" and getattr(self, f.name) is not None}

    def config(self, n_units: int, n_bigrams: int) -> ModelConfig:
        """The model configuration: the fields asked for, `ModelConfig`'s defaults for the others."""
        return ModelConfig(n_units=n_units, n_bigrams=n_bigrams, **self.given())


def inherited(start: ModelConfig, options: ModelOptions, init: str) -> ModelOptions:
    """`options` with every field of `INHERITED` taken from `start`, the model a run fine-tunes
    (`init` names it); a field asked for with another value is a `ValueError` naming its option
    (`pos` asks for a joint model, as --pos does). Dictionary features may be added to a model
    without them; dropout may change."""
    joint = len(start.labels) > 4
    if options.pos and not joint:
        raise ValueError(f"--init {init}: it does not tag parts of speech; --pos contradicts it (leave --pos out: "
                         "a fine-tuned model keeps the network it starts from)")
    for name in INHERITED:
        asked, has = getattr(options, name), getattr(start, name)
        if asked is None or asked == has:
            continue
        if name == "labels" and (len(asked) > 4) == joint:
            continue  # the model's own tag set is kept
        if name == "word_features" and (not asked or not has):
            continue  # 0 asks for nothing; added to a model without them
        if name == "standard_dim" and not start.standards:
            continue
        flag = _OPTION.get(name, "--" + name.replace("_", "-"))
        what = ("tags parts of speech" if joint else "does not tag parts of speech") if name == "labels" else \
            f"has {name} {has!r}"
        raise ValueError(f"--init {init}: it {what}; {flag} contradicts it (leave {flag} out: a fine-tuned model "
                         "keeps the network it starts from)")
    taken = {name: getattr(start, name) for name in INHERITED}
    taken["word_features"] = start.word_features or options.word_features or 0
    return dataclasses.replace(options, pos=False, **taken)
