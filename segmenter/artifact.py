"""A model is a directory of plain files:

- `config.json`: the `ModelConfig`;
- `vocab.json`: unit and bigram vocabularies;
- `model.safetensors`: the weights, stored as float16 (half the size; computed in float32
  after loading), except the character and bigram embedding tables (most of a model's bytes):
  int8 with one float16 scale per row (`NAME_scale`), a quarter of float32 (format version 2;
  version 1 files, all float16, still load);
- `meta.json`: format version, SHA-256 of the three files above, and provenance (data
  hash, scores, command, commit, training time).

Nothing executable is ever loaded: safetensors and JSON only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file

from segmenter.config import ModelConfig
from segmenter.errors import ModelLoadError
from segmenter.network import network
from segmenter.tags import pos_of_labels
from segmenter.vocab import Vocab

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # 1: every tensor float16
INT8_TABLES = ("char_emb.weight", "bigram_emb.weight")  # stored as int8 rows times a float16 scale
SCALE = "_scale"
CONFIG, VOCAB, WEIGHTS, META = "config.json", "vocab.json", "model.safetensors", "meta.json"


@dataclass(frozen=True)
class Weights:
    """A network as plain arrays: its config and its state dict (NumPy, float32); `int8_rows`: the
    tables a weights file stores as int8 rows times a scale (`INT8_TABLES`), as stored (name ->
    (int8 rows, float32 scale per row)), for a runtime that computes on them (`segmenter.native`)."""

    config: ModelConfig
    state: dict[str, np.ndarray]
    int8_rows: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


@dataclass
class Artifact:
    config: ModelConfig
    vocab: Vocab
    state: dict[str, np.ndarray]  # the network's weights, float32 (no torch needed to read them)
    meta: dict[str, Any]
    int8_rows: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # as `Weights.int8_rows`

    @property
    def weights(self) -> Weights:
        return Weights(self.config, self.state, self.int8_rows)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save(path: str | Path, config: ModelConfig, vocab: Vocab, state: dict[str, Any], meta: dict[str, Any]) -> None:
    """Write a model directory (created if needed) from a torch state dict; files are replaced atomically."""
    import torch
    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tensors = {
        k: (v.detach().to(torch.float16) if v.is_floating_point() else v.detach()).contiguous().cpu()
        for k, v in state.items() if k not in INT8_TABLES
    }
    for k in INT8_TABLES:
        if k in state:
            q, scale = quantise_rows(state[k].detach().cpu().float().numpy())
            tensors[k], tensors[k + SCALE] = torch.from_numpy(q), torch.from_numpy(scale)

    def write(name: str, writer: Any) -> None:
        tmp = path / (name + ".tmp")
        writer(tmp)
        tmp.chmod(0o644)  # readable by any user, e.g. the service's in a container (safetensors writes 0600)
        tmp.replace(path / name)

    write(WEIGHTS, lambda p: save_file(tensors, str(p)))
    write(CONFIG, lambda p: p.write_text(json.dumps(config.to_json(), indent=2) + "\n", encoding="utf-8"))
    write(VOCAB, vocab.save)
    full = dict(meta)
    full["format_version"] = FORMAT_VERSION
    full["sha256"] = {name: sha256_file(path / name) for name in (CONFIG, VOCAB, WEIGHTS)}
    write_meta(path, full)


def quantise_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 rows, float16 scale per row) with `rows * scale[:, None]` ≈ `table`: each row's largest
    magnitude maps to 127 (an all-zero row, e.g. padding, has scale 0). The error of an entry is at most
    half its row's scale; on the shipped models' dev sets it moved mean F1 by under 0.01."""
    scale = (np.abs(table).max(axis=1) / 127).astype(np.float16)
    s = scale.astype(np.float32)[:, None]
    rows = np.round(np.divide(table, s, out=np.zeros_like(table), where=s > 0))
    return rows.clip(-127, 127).astype(np.int8), scale


def _dequantise(tensors: dict[str, np.ndarray],
                rows: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> dict[str, np.ndarray]:
    """The float32 state of a weights file: float16 tensors widened, int8 tables times their scales
    (and, into `rows`, each int8 table with its scales as stored)."""
    state = {}
    for k, v in tensors.items():
        if k.endswith(SCALE) and k[: -len(SCALE)] in tensors:
            continue
        if v.dtype == np.int8:
            if k + SCALE not in tensors:
                raise ValueError(f"the int8 tensor {k} has no {k + SCALE}")
            scale = tensors[k + SCALE].astype(np.float32)
            if rows is not None:
                rows[k] = (v, scale)
            v = v.astype(np.float32)
            v *= scale[:, None]  # in place: one table-sized allocation
        state[k] = v.astype(np.float32, copy=False) if np.issubdtype(v.dtype, np.floating) else v
    return state


def write_meta(path: str | Path, meta: dict[str, Any]) -> None:
    """Replace meta.json (its own hash is not recorded, so the weights stay verified)."""
    tmp = Path(path) / (META + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(Path(path) / META)


def read_meta(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        meta: dict[str, Any] = json.loads((path / META).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ModelLoadError(f"{path} is not a model directory: {META} is missing") from e
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"{path / META} cannot be read: {e}") from e
    if not isinstance(meta, dict):
        raise ModelLoadError(f"{path / META} holds a JSON {type(meta).__name__}, not an object")
    return meta


def read_config(path: str | Path) -> ModelConfig:
    """The `ModelConfig` of a model directory, without reading its weights or vocabulary."""
    path = Path(path)
    try:
        return ModelConfig.from_json(json.loads((path / CONFIG).read_text(encoding="utf-8")))
    except FileNotFoundError as e:
        raise ModelLoadError(f"{path}: {CONFIG} is missing") from e
    except (OSError, ValueError, TypeError) as e:
        raise ModelLoadError(f"{path / CONFIG} cannot be read: {e}") from e


def verify(path: str | Path) -> dict[str, Any]:
    """Check a model directory's format version and its files against the SHA-256 sums in its
    meta.json (a `ModelLoadError` names what is wrong), without loading it; returns the meta."""
    path = Path(path)
    meta = read_meta(path)
    version = meta.get("format_version")
    if version not in READABLE_VERSIONS:
        raise ModelLoadError(f"{path}: model format version {version!r}, this library reads versions "
                             + " and ".join(map(str, READABLE_VERSIONS)))
    expected = meta.get("sha256") or {}
    for name in (CONFIG, VOCAB, WEIGHTS):
        file = path / name
        if not file.is_file():
            raise ModelLoadError(f"{path}: {name} is missing")
        if name not in expected:
            raise ModelLoadError(f"{path}: {META} records no SHA-256 for {name}")
        if sha256_file(file) != expected[name]:
            raise ModelLoadError(f"{file}: SHA-256 does not match {META}; the file is corrupt or was changed")
    return meta


def load(path: str | Path) -> Artifact:
    """Read and verify a model directory; every problem is a `ModelLoadError`."""
    path = Path(path)
    meta = verify(path)
    try:
        config = ModelConfig.from_json(json.loads((path / CONFIG).read_text(encoding="utf-8")))
        pos_of_labels(config.labels)  # BMES or joint BMES-POS labels
        vocab = Vocab.load(path / VOCAB)
        rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        state = _dequantise(load_file(str(path / WEIGHTS)), rows)
    except (ValueError, TypeError, KeyError, SafetensorError) as e:
        raise ModelLoadError(f"{path}: incompatible model files: {e}") from e
    broken = [k for k, v in state.items() if np.issubdtype(v.dtype, np.floating) and not np.isfinite(v).all()]
    if broken:
        raise ModelLoadError(f"{path}: weights that are not finite numbers (NaN or infinity) in "
                             + ", ".join(broken[:4]))
    if len(vocab.chars) != config.n_units or len(vocab.bigrams) != config.n_bigrams:
        raise ModelLoadError(f"{path}: vocabulary sizes do not match {CONFIG}")
    words = vocab.words
    if (words is None) != (config.word_features == 0) or (words is not None and (
            words.longest != config.word_features or len(words.words) != max(1, len(config.standards)))):
        raise ModelLoadError(f"{path}: the dictionaries of {VOCAB} do not match {CONFIG} "
                             f"(word_features {config.word_features}, {max(1, len(config.standards))} standard(s))")
    want = expected_shapes(config)
    got = {k: tuple(v.shape) for k, v in state.items()}
    if got != want:
        wrong = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
        raise ModelLoadError(f"{path}: weights do not fit {CONFIG} (standards, labels or sizes): "
                             + ", ".join(f"{k} {got.get(k)} instead of {want.get(k)}" for k in wrong[:4]))
    return Artifact(config, vocab, state, meta, rows)


SCORES = ("dev", "dev_by_standard", "dev_mixed_by_standard", "dev_pos", "best_epoch", "test", "test_by_standard")


def average(models: Sequence[Artifact], sources: Sequence[str]) -> Artifact:
    """One network whose every weight is the mean of `models`' ("weight averaging": runs of one
    network and vocabulary from one start, such as a run's epochs or its continuations). Its meta
    is the first model's without the scores, which belong to that model alone, and with `sources`
    (where each model came from) as `averaged_from`. A `ValueError` when the models differ in
    configuration, vocabulary or dictionaries."""
    if not models or len(models) != len(sources):
        raise ValueError("one source name per model, and at least one model")
    first = models[0]
    for art, name in zip(models[1:], sources[1:], strict=True):
        if art.config != first.config or art.vocab != first.vocab or art.vocab.words != first.vocab.words:
            raise ValueError(f"{name} is not the network of {sources[0]} (configuration, vocabulary or "
                             "dictionaries differ): only runs of one network and vocabulary can be averaged")
    state = {k: np.asarray(np.mean([art.state[k] for art in models], axis=0, dtype=np.float64), dtype=np.float32)
             for k in first.state}
    meta = {k: v for k, v in first.meta.items() if k not in SCORES + ("format_version", "sha256")}
    meta["averaged_from"] = list(sources)
    return Artifact(first.config, first.vocab, state, meta)


def expected_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The state dict a `BiRNNTagger` of `config` has: tensor names and shapes (`network.Network.shapes`)."""
    return network(config).shapes()


def ship(src: str | Path, dst: str | Path, meta_update: dict[str, Any] | None = None) -> None:
    """Copy a trained model directory (a run's output) to `dst`, rewritten in the current file
    format and with `meta_update` merged into its meta.json (needs torch, as `save` does)."""
    import torch

    art = load(src)
    meta = {k: v for k, v in art.meta.items() if k not in ("format_version", "sha256")}
    meta.update(meta_update or {})
    save(dst, art.config, art.vocab, {k: torch.from_numpy(v) for k, v in art.state.items()}, meta)
