"""The package as users install it: a wheel with its models, inference without torch, and a
newer Python than the one training needs."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

TEXT = "我爱北京天安门。"


def _newest_python() -> str:
    """The newest CPython 3.11+ on this machine (pyenv's too): inference must install beyond
    training's 3.11."""
    pyenv = Path.home() / ".pyenv" / "versions"
    candidates = [str(p) for v in ("3.13", "3.12") for p in sorted(pyenv.glob(f"{v}*/bin/python3"))]
    candidates += [exe for v in ("3.13", "3.12") if (exe := shutil.which(f"python{v}"))]
    for exe in candidates:
        if subprocess.run([exe, "-c", "import venv, ensurepip"], capture_output=True).returncode == 0:
            return exe
    return sys.executable


NEWEST = _newest_python()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment with the wheel built from this checkout (no torch)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(REPO),
                    "-w", str(tmp / "dist")], check=True)
    (wheel,) = (tmp / "dist").glob("segmenter_cws-*.whl")  # the distribution name
    env_dir = tmp / "venv"
    subprocess.run([NEWEST, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True)
    return env_dir, wheel


def test_the_wheel_carries_the_models_and_no_top_level_api(installed):
    import zipfile

    _, wheel = installed
    assert wheel.name.endswith("-cp311-abi3-linux_x86_64.whl")  # the kernel, for CPython 3.11 and later
    names = zipfile.ZipFile(wheel).namelist()
    from segmenter import DEFAULT_MODEL, Segmenter

    for model in Segmenter.available():  # every shipped model, the default first among them
        assert f"segmenter/models/{model}/model.safetensors" in names, model
    assert f"segmenter/models/{DEFAULT_MODEL}/vocab.json" in names
    assert not any(n.startswith("api/") for n in names)
    assert "segmenter/py.typed" in names


def test_installed_package_segments_from_another_directory_without_torch(installed, tmp_path):
    env_dir, _ = installed
    py = env_dir / "bin" / "python"
    code = ("import sys, json; from segmenter import Segmenter; s = Segmenter.load(); "
            f"print(json.dumps([s.cut({TEXT!r}), s.runtime.value, 'torch' in sys.modules, 'onnx' in sys.modules, "
            "sys.version_info[:2], 'onnxruntime' in sys.modules]))")
    out = subprocess.run([str(py), "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    words, runtime, torch_loaded, onnx_loaded, version, ort_loaded = json.loads(out.stdout)
    assert "".join(words) == TEXT and len(words) >= 4
    assert runtime == "native" and torch_loaded is False
    assert ort_loaded is False  # the default runs on the package's kernel: ONNX Runtime is not even imported
    assert onnx_loaded is False  # the graph is written without the onnx package: 0.8 s of import on 3.11
    want = subprocess.run([NEWEST, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True)
    assert str(tuple(version)) == want.stdout.strip()  # the newest Python found here (3.13 on the dev machine)
    cli = subprocess.run([str(env_dir / "bin" / "segmenter"), "segment", "-q"], input=TEXT + "\n", cwd=tmp_path,
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip().replace(" ", "") == TEXT
    probe = subprocess.run([str(py), "-c", "import importlib.util as u; print(u.find_spec('torch') is None)"],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "True"  # the wheel's requirements do not pull torch in
    probe = subprocess.run([str(py), "-c", "import importlib.util as u; print(u.find_spec('onnx') is None)"],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "True"  # nor onnx


def _source_modules() -> set[str]:
    """Every module of the checkout under the name it installs as (api/ is segmenter_api), the C
    extension (segmenter/_native.c) included."""
    out = set()
    for name, folder in (("segmenter", "segmenter"), ("segmenter_api", "api")):
        for path in [*(REPO / folder).rglob("*.py"), *(REPO / folder).rglob("*.c")]:
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            out.add(".".join((name, *parts[:-1])) if parts[-1] == "__init__" else ".".join((name, *parts)))
    return out


def test_every_module_of_the_source_tree_is_installed(installed, tmp_path):
    env_dir, wheel = installed
    py = env_dir / "bin" / "python"
    code = ("import json, pkgutil, segmenter, segmenter_api; print(json.dumps(sorted("
            "{m.name for p in (segmenter, segmenter_api) for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.')}"
            " | {'segmenter', 'segmenter_api'})))")
    out = subprocess.run([str(py), "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert set(json.loads(out.stdout)) == _source_modules()


def test_the_jieba_migration_works_from_the_wheel(installed, tmp_path):
    env_dir, wheel = installed
    py = env_dir / "bin" / "python"
    code = ("import json, segmenter.compat.jieba as jieba, segmenter.compat.jieba.posseg as pseg, "
            "segmenter.compat.jieba.analyse as analyse; "
            f"t = {TEXT!r}; print(json.dumps([jieba.lcut(t), jieba.lcut_for_search(t), "
            "[str(p) for p in pseg.lcut(t)], analyse.extract_tags(t, topK=3), len(analyse.default_tfidf.idf_freq)]))")
    out = subprocess.run([str(py), "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    words, search, pairs, keywords, idf_words = json.loads(out.stdout)
    assert "".join(words) == TEXT and set(words) <= set(search)
    assert [p.rpartition("/")[0] for p in pairs] == words and keywords and all(k in TEXT for k in keywords)
    assert idf_words > 10_000  # the IDF table travels in the wheel


def test_the_wheel_states_its_licence(installed):
    import zipfile

    _, wheel = installed
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = z.read(meta).decode()
    assert "License-Expression: Apache-2.0" in metadata  # PEP 639
    assert "License-File: LICENSE" in metadata and "License-File: NOTICE" in metadata
    assert any(n.endswith("licenses/LICENSE") for n in names) and any(n.endswith("licenses/NOTICE") for n in names)
    assert "Name: segmenter-cws" in metadata
