"""The model registry (`segmenter.registry`): names, standards and `NAME:STANDARD` resolved to a
model directory, and a library that reads no environment variable (programs pass `models_dir`)."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

import segmenter
from segmenter import Segmenter, registry
from segmenter.cli import main
from segmenter.errors import InvalidInputError, ModelLoadError
from segmenter.segmenter import resolve
from tests.segmenter.conftest import STANDARD_TEXTS

PACKAGE = Path(segmenter.__file__).resolve().parent
# Programs may read the environment: the CLI (`SEGMENTER_MODELS_DIR`, passed on as `models_dir`).
# `process.py` sets variables of the process set-up a program calls (`configure_process`).
PROGRAMS = {"cli.py"}
PROCESS_SETUP = {"process.py"}


def environment_uses(path: Path) -> list[tuple[int, str]]:
    """(line, what) of every `os.environ` / `os.getenv` / `environ` / `getenv` name in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Name) and node.id in ("environ", "getenv", "environb"):
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [(node.lineno, a.name) for a in node.names if a.name in ("environ", "getenv", "environb")]
    return found


def test_the_library_reads_no_environment_variable():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30 and PACKAGE / "segmenter.py" in modules
    reads = {str(p.relative_to(PACKAGE)): environment_uses(p) for p in modules}
    assert reads["cli.py"], "the CLI honours SEGMENTER_MODELS_DIR"
    library = {name: uses for name, uses in reads.items() if uses and name not in PROGRAMS | PROCESS_SETUP}
    assert library == {}
    # the process set-up only sets defaults for the runtimes (it writes, never decides by a value read)
    source = (PACKAGE / "process.py").read_text(encoding="utf-8")
    assert source.count("os.environ") == source.count("os.environ.setdefault(") == 2


def test_the_checker_sees_every_spelling(tmp_path):
    code = tmp_path / "m.py"
    code.write_text("import os\nfrom os import getenv\na = os.environ.get('X')\nb = os.getenv('Y')\nc = getenv('Z')\n")
    assert sorted(environment_uses(code)) == [(2, "getenv"), (3, "environ"), (4, "getenv"), (5, "getenv")]


def test_models_dir_in_the_environment_changes_nothing_in_the_library(tmp_path, monkeypatch, tiny_multi_models_dir):
    monkeypatch.setenv("SEGMENTER_MODELS_DIR", str(tiny_multi_models_dir))
    assert registry.available() == Segmenter.available() == registry.available(registry.MODELS_DIR)
    assert registry.DEFAULT_MODEL in registry.available()
    assert registry.resolve() == (registry.MODELS_DIR / registry.DEFAULT_MODEL, None)
    assert registry.resolve("chars", tiny_multi_models_dir) == (tiny_multi_models_dir / "multi", "chars")
    with pytest.raises(ModelLoadError, match="no model 'chars'"):
        registry.resolve("chars")


def test_resolve_reads_names_standards_and_model_standard_pairs(tiny_multi_models_dir):
    root = tiny_multi_models_dir
    assert registry.standards_of(root / "multi") == ("pku", "chars")
    assert registry.resolve("multi", root) == (root / "multi", None)
    assert registry.resolve("multi:chars", root) == (root / "multi", "chars")
    assert registry.resolve(root / "multi", Path("/nowhere")) == (root / "multi", None)  # a path is itself
    with pytest.raises(InvalidInputError, match="no standard 'msr'; its standards: pku, chars"):
        registry.resolve("multi:msr", root)
    with pytest.raises(ModelLoadError, match=r"models and standards: chars, multi, pku\)"):
        registry.resolve("nope", root)
    assert registry.looks_like_path("./multi") and registry.looks_like_path(Path("multi"))
    assert not registry.looks_like_path("multi:chars")


def test_the_old_import_paths_name_the_registry():
    from segmenter import segmenter as module

    assert module.resolve is registry.resolve is segmenter.resolve
    assert module.DEFAULT_MODEL == segmenter.DEFAULT_MODEL == registry.DEFAULT_MODEL == "multi-fast"
    assert module.MODELS_DIR == segmenter.MODELS_DIR == registry.MODELS_DIR
    assert module.looks_like_path is registry.looks_like_path


def test_a_pickled_segmenter_carries_its_models_folder_as_given(tiny_multi_models_dir, monkeypatch):
    seg = Segmenter.load("chars", models_dir=tiny_multi_models_dir)
    assert seg._ref == ("chars", str(tiny_multi_models_dir.resolve()))
    monkeypatch.setenv("SEGMENTER_MODELS_DIR", "/nowhere")  # read by no part of the round trip
    again = pickle.loads(pickle.dumps(seg))
    assert again.path == seg.path and again.standard == "chars"
    shipped = Segmenter.load(threads=1)
    assert shipped._ref == (registry.DEFAULT_MODEL, None)
    by_path = Segmenter.load(tiny_multi_models_dir / "multi")
    assert by_path._ref == (str((tiny_multi_models_dir / "multi").resolve()), None)


def test_names_select_a_standard_the_same_way(tiny_multi_models_dir):
    root = tiny_multi_models_dir
    ref = Segmenter.load("multi", models_dir=root).cut_batch(STANDARD_TEXTS, standard="chars")
    assert resolve("chars", root) == (root / "multi", "chars")
    assert resolve("multi:chars", root) == (root / "multi", "chars")
    assert resolve("multi", root) == (root / "multi", None)
    for seg in (Segmenter.load("chars", models_dir=root), Segmenter.load("multi:chars", models_dir=root),
                Segmenter.load("multi", models_dir=root, standard="chars")):
        assert seg.standard == "chars"
        assert seg.cut_batch(STANDARD_TEXTS) == ref


def test_a_bare_name_never_reads_the_working_directory(tiny_multi_models_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tiny_multi_models_dir)  # ./multi exists here, but the models dir is elsewhere
    with pytest.raises(ModelLoadError, match="no model 'multi'"):
        Segmenter.load("multi", models_dir=tmp_path)
    assert Segmenter.load("./multi").standards == ("pku", "chars")


def test_segmenter_models_dir_is_where_the_cli_looks_up_names_and_the_library_takes_models_dir(
        tiny_multi_models_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEGMENTER_MODELS_DIR", str(tiny_multi_models_dir))
    # the library reads no environment: names are looked up in `models_dir`, else the shipped models
    assert "multi-fast" in Segmenter.available() and Segmenter.load().path.name == "multi-fast"
    assert Segmenter.available(tiny_multi_models_dir) == ["multi"]
    seg = Segmenter.load("chars", models_dir=tiny_multi_models_dir)  # a standard of the tiny model there
    assert seg.standard == "chars" and seg.path == tiny_multi_models_dir / "multi"
    with pytest.raises(ModelLoadError, match="no model 'multi-fast'"):
        Segmenter.load("multi-fast", models_dir=tiny_multi_models_dir)
    # the CLI honours SEGMENTER_MODELS_DIR and passes it on
    src = tmp_path / "in.txt"
    src.write_text("\n".join(STANDARD_TEXTS) + "\n", encoding="utf-8")
    assert main(["segment", str(src), "--model", "chars", "-q"]) == 0
    assert capsys.readouterr().out.splitlines() == [" ".join(w) for w in seg.cut_batch(STANDARD_TEXTS)]
    assert main(["segment", str(src), "--model", "multi-fast", "-q"]) == 2
    assert "no model 'multi-fast'" in capsys.readouterr().err
