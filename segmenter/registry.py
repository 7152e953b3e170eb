"""The model registry: which model directory a name, a standard's name or `MODEL:STANDARD` selects.

A folder of models (`models_dir`, default the shipped `MODELS_DIR`) holds one directory per
model. The library reads no environment variable: a program that honours one (the CLI's
`SEGMENTER_MODELS_DIR`, the service's settings) passes the folder as `models_dir`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from segmenter import artifact
from segmenter.errors import InvalidInputError, ModelLoadError

__all__ = ["DEFAULT_MODEL", "MODELS_DIR", "available", "looks_like_path", "resolve", "standards_of"]

DEFAULT_MODEL = "multi-fast"  # the fast multi-standard model (README: why); standard pku unless a name selects one


def _shipped_models() -> Path:
    """The shipped models: `segmenter/models` in an installed wheel, else the repository's
    `models/` beside the package (a source checkout or an editable install)."""
    here = Path(__file__).resolve().parent
    return here / "models" if (here / "models").is_dir() else here.parent / "models"


MODELS_DIR = _shipped_models()


def _root(models_dir: str | Path | None) -> Path:
    """The folder names are looked up in: `models_dir`, else the shipped `MODELS_DIR`."""
    return Path(models_dir) if models_dir is not None else MODELS_DIR


def looks_like_path(ref: str | Path) -> bool:
    """Whether a model reference is a path (a `Path`, or a string with a separator or a leading
    '.' or '~') rather than a name of the models directory."""
    if isinstance(ref, Path):
        return True
    return "/" in ref or os.sep in ref or ref.startswith((".", "~"))


def standards_of(path: Path) -> tuple[str, ...]:
    """The standards in a model directory's config.json (empty when unreadable or single-standard)."""
    try:
        config = json.loads((path / artifact.CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    found = config.get("standards") if isinstance(config, dict) else None
    return tuple(s for s in found if isinstance(s, str)) if isinstance(found, list) else ()


def available(models_dir: str | Path | None = None) -> list[str]:
    """Names of the model directories under `models_dir` (default: the shipped `MODELS_DIR`)."""
    root = _root(models_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / artifact.META).is_file())


def resolve(ref: str | Path | None = None, models_dir: str | Path | None = None) -> tuple[Path, str | None]:
    """The model directory a reference names, and the standard it selects (None: the model's own).

    - a path (`looks_like_path`): that directory;
    - `NAME`: the directory `NAME` of `models_dir` (default: the shipped `MODELS_DIR`), else the first model
      of `models_dir` that has a standard `NAME` (the default model `DEFAULT_MODEL` first, then by name);
    - `NAME:STANDARD`: that standard of model `NAME`.
    A name never falls through to the working directory."""
    ref = ref if ref is not None else DEFAULT_MODEL
    root = _root(models_dir)
    if looks_like_path(ref):
        path = Path(ref).expanduser()
        if not (path / artifact.META).is_file():
            raise ModelLoadError(f"{path} is not a model directory ({artifact.META} is missing)")
        return path, None
    if not isinstance(ref, str) or not ref:
        raise InvalidInputError(f"a model name must be a non-empty str, got {ref!r}")
    name, _, standard = ref.partition(":")
    names = available(root)
    if name in names:
        if standard and standard not in standards_of(root / name):
            raise InvalidInputError(f"model {name!r} has no standard {standard!r}; its standards: "
                                    f"{', '.join(standards_of(root / name)) or '(one, unnamed)'}")
        return root / name, standard or None
    if not standard:
        for candidate in sorted(names, key=lambda n: (n != DEFAULT_MODEL, n)):
            if name in standards_of(root / candidate):
                return root / candidate, name
    known = sorted({*names, *(s for n in names for s in standards_of(root / n))})
    raise ModelLoadError(f"no model {ref!r} in {root} (models and standards: {', '.join(known) or 'none'})")


def reference(ref: str | Path | None, path: Path, models_dir: str | Path | None) -> tuple[str, str | None]:
    """What a pickled `Segmenter` carries to load the model `ref` again (`path`: the directory it
    resolved to): a path as an absolute path, a name with the folder it was looked up in (None:
    the shipped models)."""
    if looks_like_path(ref if ref is not None else DEFAULT_MODEL):
        return str(path.resolve()), None
    return (str(ref or DEFAULT_MODEL).partition(":")[0],
            None if models_dir is None else str(Path(models_dir).expanduser().resolve()))
