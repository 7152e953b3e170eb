"""The options of `segmenter train`, generated from `ModelConfig` and `TrainConfig` (their
defaults are the dataclasses'), and recipes: TOML files holding those options for each step of
a model's training (`recipes/NAME.toml`, run as `segmenter train --config recipes/NAME.toml
--step STEP`).

A recipe's keys are the long options without `--` (`hidden = 64`, `min-bigram-count = 4`,
`pos = true`, `teacher = ["a", "b"]`); `train` and `dev` are tables of standard -> file
(`train = {pku = "../shared/data/pku/pfr199801_pos.utf8"}`), or lists of `[NAME=]PATH` strings
as on the command line. Keys at the top level are shared by every step; each `[[step]]` table
has a `name`, and its own keys override the shared ones (its `train` and `dev` tables entry by
entry, so that a step can replace one corpus and keep the others in their order). A step with
`command` (a list of strings) is not a training run but the command that makes a file later
steps read (pseudo-labels, pretrained vectors, an average): `segmenter train` refuses it and
shows the command. Paths are as on the command line, relative to the directory the command runs
in: the recipes in `recipes/` are written to run from the repository's root. Options given on
the command line override the recipe's. No torch here: the command line reads this module.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import tomllib
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from segmenter.config import ModelConfig, TrainConfig
from segmenter.errors import InvalidInputError
from segmenter.heads import HEADS

# the network options: `ModelConfig` fields but the vocabulary sizes; `labels` is asked for by --pos
# (the corpus's parts of speech), `standards` by the --train names
NETWORK = [f for f in dataclasses.fields(ModelConfig) if f.name not in ("n_units", "n_bigrams", "labels", "standards")]
TRAINING = list(dataclasses.fields(TrainConfig))
FLAG = {"distill_temperature": "temperature"}  # where the flag is not the field
CHOICES = {"head": list(HEADS)}
HELP = {
    "char_dim": "unit embedding size", "bigram_dim": "bigram embedding size (0: no bigram features)",
    "cell": "recurrent cell", "hidden": "hidden size per direction", "layers": "recurrent layers",
    "dropout": "dropout (with --init: the model's)",
    "max_piece": "longest piece the input is cut into, in units",
    "standard_dim": "size of the standard embedding (multi-standard; 8 when not given)",
    "head": "the output layer (segmenter.heads.HEADS)",
    "factored": "with --pos: separate BMES and part-of-speech heads (segmentation decodes on 4 scores: faster)",
    "word_features": "dictionary features: at every character, whether a training word of each standard of 2..N "
                     "characters starts or ends there (0: none; e.g. 4). With --init from a model without them "
                     "they are added, their weights starting at zero",
    "lr_decay": "factor of the learning rate after every epoch", "clip": "gradient-norm clip",
    "patience": "epochs without a dev F1 gain before stopping", "threads": "torch threads (0: torch's default)",
    "bf16": "bfloat16 autocast (fast on CPUs with AMX)",
    "unk_replace": "share of known bigrams replaced by <UNK> during training",
    "sample_alpha": "multi-standard: corpus shares of an epoch proportional to size**alpha",
    "distill_alpha": "weight of the teacher's distributions in the loss (0: gold labels only)",
    "distill_temperature": "distillation temperature",
    "own_vocab": "with --teacher: build the student's own vocabulary (--min-char-count, --min-bigram-count) "
                 "instead of sharing the teacher's",
    "mixed_share": "multi-standard: share of pieces read with an extra standard 'mixed' (their own labels), for "
                   "text of unknown convention: what the corpora agree on, else the most sampled one's",
    "mixed_only": "with --init: train only the mixed standard's embedding, every piece reading it; the other "
                  "standards segment exactly as before",
    "keep_alpha": "with --init: weight of keeping the standards not trained (each training sentence also read in "
                  "one of them, the starting model's distributions as the target; 0: none)",
}


def flag(field: dataclasses.Field[Any]) -> str:
    """The long option of a configuration field: `--min-char-count` for `min_char_count`."""
    return "--" + FLAG.get(field.name, field.name).replace("_", "-")


def dest(field: dataclasses.Field[Any]) -> str:
    return FLAG.get(field.name, field.name)


def add_network_options(parser: argparse.ArgumentParser) -> None:
    """The `ModelConfig` fields as options, None when not given (the default is `ModelConfig`'s;
    with --init the model's own), and --pos."""
    for f in NETWORK:
        default = f.default
        shown = default.value if isinstance(default, Enum) else default
        if isinstance(default, bool):
            parser.add_argument(flag(f), action="store_true", default=None, help=HELP.get(f.name))
        else:
            choices = [c.value for c in type(default)] if isinstance(default, Enum) else CHOICES.get(f.name)
            kind = str if isinstance(default, Enum) else type(default)
            about = HELP.get(f.name, f.name.replace("_", " "))
            parser.add_argument(flag(f), type=kind, choices=choices,
                                help=about if f.name == "standard_dim" else f"{about} (default: {shown})")
        if f.name == "dropout":  # --pos stands for the labels, which come next in ModelConfig
            parser.add_argument("--pos", action="store_true", help="joint segmentation + part-of-speech model "
                                "(labels B-n, E-v...; needs a pfr-format corpus)")


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """The `TrainConfig` fields as options, with its defaults."""
    for f in TRAINING:
        if isinstance(f.default, bool):
            parser.add_argument(flag(f), action="store_true", help=HELP.get(f.name))
        else:
            parser.add_argument(flag(f), type=type(f.default), default=f.default,
                                help=HELP.get(f.name, "") + " (default: %(default)s)")


def model_options(args: argparse.Namespace) -> dict[str, Any]:
    """The network options given (`ModelOptions` fields), from the parsed arguments."""
    given = {f.name: getattr(args, dest(f)) for f in NETWORK}
    return {k: v for k, v in given.items() if v is not None}


def train_config(args: argparse.Namespace) -> TrainConfig:
    return TrainConfig(**{f.name: getattr(args, dest(f)) for f in TRAINING})


# the options that are lists of `[NAME=]PATH` (repeatable on the command line)
LISTS = ("train", "dev", "teacher")


def read_recipe(path: str | Path) -> dict[str, Any]:
    """A recipe file as TOML; an unreadable or invalid one is an `InvalidInputError`."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as e:
        raise InvalidInputError(f"{path}: cannot read the recipe: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise InvalidInputError(f"{path}: not a valid TOML recipe: {e}") from None


def step_names(recipe: dict[str, Any]) -> list[str]:
    return [str(s.get("name")) for s in recipe.get("step", [])]


def recipe_step(recipe: dict[str, Any], path: str | Path, name: str | None) -> tuple[str | None, dict[str, Any]]:
    """(the step's name, its options: the shared ones with the step's own over them)."""
    shared = {k: v for k, v in recipe.items() if k != "step"}
    steps = recipe.get("step", [])
    if not isinstance(steps, list) or not all(isinstance(s, dict) and isinstance(s.get("name"), str) for s in steps):
        raise InvalidInputError(f"{path}: each [[step]] needs a name")
    names = step_names(recipe)
    if len(set(names)) != len(names):
        raise InvalidInputError(f"{path}: a step name is used twice")
    if name is None and len(steps) > 1:
        raise InvalidInputError(f"{path} has several steps: choose one with --step ({', '.join(names)})")
    if name is not None and name not in names:
        raise InvalidInputError(f"{path}: no step {name!r} (steps: {', '.join(names) or 'none'})")
    step = steps[names.index(name)] if name is not None else (steps[0] if steps else {})
    merged = dict(shared)
    for key, value in step.items():
        if key in ("train", "dev") and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    if "command" in merged:
        command = " ".join(str(c) for c in merged["command"])
        raise InvalidInputError(f"{path}: step {merged.get('name')!r} is not a training step; it is the command "
                                f"`{command}`: run it as written")
    return step.get("name"), {k: v for k, v in merged.items() if k not in ("name", "description", "notes")}


def apply_recipe(args: argparse.Namespace, parser: argparse.ArgumentParser, options: dict[str, Any],
                 explicit: set[str], where: str) -> None:
    """Set the recipe's `options` on `args`, but for the options given on the command line
    (`explicit`: their dests), each checked as the parser checks a flag's value."""
    actions = {a.dest: a for a in parser._actions if a.option_strings}
    names = {s[2:]: a.dest for a in parser._actions for s in a.option_strings if s.startswith("--")}
    for key, value in options.items():
        name = names.get(key.replace("_", "-"))
        if name is None or name in ("config", "step", "help"):
            raise InvalidInputError(f"{where}: unknown option {key!r} (the options of segmenter train, "
                                    "without --)")
        if name in explicit:
            continue
        setattr(args, name, _value(actions[name], key, value, where))


def _value(action: argparse.Action, key: str, value: Any, where: str) -> Any:
    if action.dest in LISTS:
        if isinstance(value, dict) and action.dest != "teacher":
            return [f"{k}={v}" for k, v in value.items()]
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            raise InvalidInputError(f"{where}: {key} is a path or a list of them")
        return items
    if action.nargs == 0:  # a flag
        if not isinstance(value, bool):
            raise InvalidInputError(f"{where}: {key} is true or false, got {value!r}")
        return value or action.default  # false: not given, as a flag left out (a network flag's None)
    kind = action.type if callable(action.type) else str
    if isinstance(value, bool) or (kind is int and not isinstance(value, int)) or \
            (kind is float and not isinstance(value, (int, float))) or (kind is str and not isinstance(value, str)):
        raise InvalidInputError(f"{where}: {key} is a {getattr(kind, '__name__', kind)}, got {value!r}")
    value = kind(value)
    if action.choices is not None and value not in action.choices:
        raise InvalidInputError(f"{where}: {key} is one of {list(action.choices)}, got {value!r}")
    return value


def explicit_dests(parser: argparse.ArgumentParser, argv: Sequence[str]) -> set[str]:
    """The dests of the options `argv` gives (a `train` command's arguments)."""
    seen: dict[str, Any] = {}
    saved = [(a, a.default, a.required) for a in parser._actions]
    try:
        for a in parser._actions:
            a.default, a.required = argparse.SUPPRESS, False
        seen = vars(parser.parse_args(list(argv)))
    finally:
        for a, default, required in saved:
            a.default, a.required = default, required
    return set(seen)


def recipe_meta(path: str | Path, step: str | None) -> dict[str, Any]:
    """What meta.json records of the recipe a run followed."""
    data = Path(path).read_bytes()
    return {"path": str(path), "step": step, "sha256": hashlib.sha256(data).hexdigest()}
