"""The model registry (`segmenter.registry`), the runtime choice (`segmenter.runtimes`), and a
library that reads no environment variable (programs pass `models_dir`)."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

import segmenter
from segmenter import Segmenter, registry, runtimes
from segmenter.config import Precision, Runtime
from segmenter.errors import InvalidInputError, ModelLoadError

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


def test_the_runtime_choice(tiny_multi_models_dir):
    config = Segmenter.load("multi", models_dir=tiny_multi_models_dir).config
    assert runtimes.choose("auto", Precision.INT8, config, has_torch=True) is Runtime.ONNXRUNTIME
    assert runtimes.choose("auto", Precision.BF16, config, has_torch=True) is Runtime.TORCH
    assert runtimes.choose("auto", Precision.FP32, config, has_torch=False) is Runtime.ONNXRUNTIME
    assert runtimes.choose("torch", Precision.FP32, config, has_torch=True) is Runtime.TORCH
    for runtime, precision, has_torch, why in (("gpu", Precision.FP32, True, "unknown runtime 'gpu'"),
                                               ("torch", Precision.INT8, True, "onnxruntime runtime only"),
                                               ("torch", Precision.FP32, False, "need torch"),
                                               ("onnxruntime", Precision.BF16, True, "bf16 needs runtime='torch'")):
        with pytest.raises(InvalidInputError, match=why):
            runtimes.choose(runtime, precision, config, has_torch)
    assert runtimes.torch_available()  # the tests run with torch, the reference
