"""Recipes (`segmenter train --config recipes/NAME.toml --step STEP`): a TOML recipe gives the
same configuration as the equivalent flags, flags override it, a wrong key is exit status 2, and
every shipped model's recipe parses into the network its `config.json` holds."""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from segmenter import recipe
from segmenter.cli import _add_train_options, _apply_recipe, build_parser, main
from segmenter.config import MIXED, ModelConfig, TrainConfig
from segmenter.tags import joint_labels
from tests.conftest import REPO

RECIPES = REPO / "recipes"
SHIPPED = {"multi-fast": "7-distil", "multi": "7b", "pku-fast": "1"}  # the last training step of each
TINY = '''hidden = 8
char-dim = 8
bigram-dim = 4
min-char-count = 1
lr = 0.01
epochs = 2
temperature = 2.0
factored = false
cell = "gru"
train = ["tests/resources/tiny_seg.txt"]
dev = ["tests/resources/tiny_seg.txt"]

[[step]]
name = "a"
out = "OUT/a"

[[step]]
name = "b"
out = "OUT/b"
epochs = 3
'''


def parse(argv: list[str]) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    args.argv = argv
    if args.config:
        _apply_recipe(args)
    return args


def configs(args: argparse.Namespace) -> tuple[TrainConfig, dict[str, Any], list[str], str]:
    return recipe.train_config(args), recipe.model_options(args), args.train, args.out


@pytest.fixture()
def tiny_recipe(tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY.replace("OUT", str(tmp_path)), encoding="utf-8")
    return path


def test_a_recipe_step_gives_what_its_flags_give(tiny_recipe, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    from_recipe = configs(parse(["train", "--config", str(tiny_recipe), "--step", "b"]))
    flags = ["train", "--hidden", "8", "--char-dim", "8", "--bigram-dim", "4", "--min-char-count", "1", "--lr", "0.01",
             "--epochs", "3", "--temperature", "2", "--cell", "gru",
             "--train", "tests/resources/tiny_seg.txt", "--dev", "tests/resources/tiny_seg.txt",
             "--out", str(tmp_path / "b")]
    assert from_recipe == configs(parse(flags))
    cfg, options, _, _ = from_recipe
    assert cfg == TrainConfig(epochs=3, lr=0.01, min_char_count=1, distill_temperature=2.0)
    assert options == {"hidden": 8, "char_dim": 8, "bigram_dim": 4, "cell": "gru"}


def test_the_command_line_overrides_the_recipe(tiny_recipe, tmp_path):
    args = parse(["train", "--config", str(tiny_recipe), "--step", "a", "--hidden", "12", "--epochs", "5",
                  "--train", "other.txt", "--out", str(tmp_path / "x")])
    cfg, options, train, out = configs(args)
    assert options["hidden"] == 12 and cfg.epochs == 5 and cfg.lr == 0.01
    assert train == ["other.txt"] and out == str(tmp_path / "x")  # a list flag replaces the recipe's list


def test_train_and_dev_tables_merge_entry_by_entry_in_the_shared_order(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('[train]\na = "a.txt"\nb = "b.txt"\n[[step]]\nname = "s"\ntrain = {a = "a2.txt", c = "c.txt"}\n',
                    encoding="utf-8")
    _, options = recipe.recipe_step(tomllib.loads(path.read_text()), path, "s")
    args = argparse.Namespace()
    parser = argparse.ArgumentParser()
    _add_train_options(parser)
    recipe.apply_recipe(args, parser, options, set(), "r")
    assert args.train == ["a=a2.txt", "b=b.txt", "c=c.txt"]


@pytest.mark.parametrize(("text", "args", "message"), [
    ('hiden = 8\n', [], "unknown option 'hiden'"),
    ('hidden = "8"\n', [], "hidden is a int, got '8'"),
    ('bf16 = 1\n', [], "bf16 is true or false"),
    ('cell = "cnn"\n', [], "cell is one of"),
    ('[[step]]\nname = "a"\n[[step]]\nname = "b"\n', [], "has several steps: choose one with --step"),
    ('[[step]]\nname = "a"\n', ["--step", "z"], "no step 'z'"),
    ('[[step]]\nname = "p"\ncommand = ["python", "-m", "segmenter.pseudo"]\n', [], "not a training step"),
    ('hidden = \n', [], "not a valid TOML recipe"),
])
def test_a_wrong_recipe_is_exit_status_2_naming_what_is_wrong(tmp_path, capsys, text, args, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["train", "--config", str(path), *args, "--train", "x.txt", "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_a_step_without_a_recipe_is_exit_status_2_not_ignored(tmp_path, capsys):
    assert main(["train", "--step", "2", "--train", "x.txt", "--out", str(tmp_path / "o")]) == 2
    assert "--step names a step of a recipe: give --config" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_tiny_recipe_trains_end_to_end_and_meta_records_it(tiny_recipe, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["train", "--config", str(tiny_recipe), "--step", "b", "--quiet", "--seed", "3"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["epochs_run"] == 3
    meta = json.loads((tmp_path / "b" / "meta.json").read_text())
    assert meta["recipe"]["path"] == str(tiny_recipe) and meta["recipe"]["step"] == "b"
    assert len(meta["recipe"]["sha256"]) == 64 and len(meta["git_commit"] or "") == 40
    assert meta["train_config"]["epochs"] == 3 and meta["train_config"]["seed"] == 3
    config = json.loads((tmp_path / "b" / "config.json").read_text())
    assert config["hidden"] == 8 and config["cell"] == "gru"
    assert "extra" not in meta["train_config"] and "dev_fraction" not in meta["train_config"]


def steps(name: str) -> dict[str, dict[str, Any]]:
    """The options of each training step of a shipped recipe, merged (command steps: their command)."""
    book = tomllib.loads((RECIPES / f"{name}.toml").read_text(encoding="utf-8"))
    out = {}
    for step in recipe.step_names(book):
        try:
            out[step] = recipe.recipe_step(book, RECIPES / f"{name}.toml", step)[1]
        except Exception as e:  # a command step
            assert "not a training step" in str(e)
            out[step] = {"command": next(s for s in book["step"] if s["name"] == step)["command"]}
    return out


def parsed(options: dict[str, Any]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _add_train_options(parser)
    args = parser.parse_args([])
    recipe.apply_recipe(args, parser, options, set(), "shipped recipe")
    return args


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_step_of_a_shipped_recipe_is_a_valid_run(name):
    all_outs = {o["out"] for n in SHIPPED for o in steps(n).values() if "out" in o}
    made = {str(a) for n in SHIPPED for o in steps(n).values() for a in o.get("command", [])}
    for step, options in steps(name).items():
        if "command" in options:
            continue
        args = parsed(options)
        recipe.train_config(args)  # TrainConfig's own checks
        names = tuple(t.partition("=")[0] for t in args.train if "=" in t)
        labels = joint_labels(["n", "v"]) if args.pos else ("B", "M", "E", "S")
        ModelConfig(n_units=10, n_bigrams=10, labels=labels, standards=names, standard_dim=8 if names else 0,
                    **recipe.model_options(args))
        assert args.out.startswith(f"../runs/{name}/"), step
        for path in [args.init, args.pretrained, *(args.teacher or []), *args.train, *(args.dev or [])]:
            if path is None:
                continue
            path = path.partition("=")[2] or path
            assert path.startswith(("../shared/data/", "../runs/")), (step, path)
            if path.startswith("../runs/"):  # made by a step of a recipe
                assert path in all_outs or path in made, (step, path)


def network(name: str, step: str) -> dict[str, Any]:
    """The network a recipe's step trains: its options over those of the step its --init names
    (followed through averaging commands to the first run averaged)."""
    by_out = {o["out"]: o for n in SHIPPED for o in steps(n).values() if "out" in o}
    by_out.update({o["command"][o["command"].index("--save") + 1]: o for n in SHIPPED for o in steps(n).values()
                   if "command" in o and "--save" in o["command"]})
    chain, options = [], steps(name)[step]
    while True:
        if "command" in options:
            options = by_out[options["command"][options["command"].index("--average") + 1]]
            continue
        chain.append(options)
        if "init" not in options:
            break
        options = by_out[options["init"]]
    merged: dict[str, Any] = {}
    mixed = False
    for options in reversed(chain):
        args = parsed(options)
        merged.update(recipe.model_options(args))
        merged["pos"] = merged.get("pos") or args.pos
        mixed = mixed or args.mixed_only or args.mixed_share > 0
        standards = [t.partition("=")[0] for t in args.train if "=" in t]
    merged["standards"] = tuple(standards) + ((MIXED,) if mixed else ())
    return merged


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_shipped_recipe_trains_the_network_of_the_shipped_model(name):
    shipped = ModelConfig.from_json(json.loads((REPO / "models" / name / "config.json").read_text()))
    net = network(name, SHIPPED[name])
    defaults = ModelConfig(n_units=1, n_bigrams=1)
    for field in ("char_dim", "bigram_dim", "cell", "hidden", "layers", "dropout", "max_piece", "factored",
                  "word_features"):
        assert net.get(field, getattr(defaults, field)) == getattr(shipped, field), field
    assert bool(net["pos"]) == (len(shipped.labels) > 4)
    assert net["standards"] == shipped.standards
