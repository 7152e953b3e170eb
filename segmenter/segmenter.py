"""`Segmenter`: the one public entry point. Load a model, then `cut`, `tokenize`, `tag`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from segmenter import artifact
from segmenter.config import Precision
from segmenter.decode import NEG, viterbi
from segmenter.errors import InvalidInputError, ModelLoadError
from segmenter.model import BiRNNTagger
from segmenter.tags import TAGS, B, E, M
from segmenter.text import Units, split_pieces, to_units
from segmenter.vocab import Vocab

DEFAULT_MODEL = "pku"
# The repository's models/ folder (beside the package in a source checkout or an editable
# install, and in the Docker image).
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


class Token(NamedTuple):
    """A word and its character offsets in the original string (end exclusive); unpacks like
    jieba's `(word, start, end)`."""

    text: str
    start: int
    end: int


class CharTag(NamedTuple):
    """One character's BMES label and the model's probability of that label."""

    char: str
    offset: int
    label: str
    prob: float


@dataclass
class _Analysis:
    units: Units
    tags: np.ndarray  # (n_units,) int8
    probs: np.ndarray  # (n_units,) float32


def _word_offsets(a: _Analysis) -> list[tuple[int, int]]:
    """Character `[start, end)` of every word: a word ends at each unit tagged E or S (Viterbi
    gives legal tags; a sequence left open at the end is closed, so no character is lost)."""
    ends = np.flatnonzero(a.tags >= E).tolist()  # E and S end a word
    n = len(a.tags)
    if n and (not ends or ends[-1] != n - 1):
        ends.append(n - 1)
    us, ue = a.units.starts, a.units.ends
    out = []
    first = 0
    for last in ends:
        out.append((us[first], ue[last]))
        first = last + 1
    return out


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"text must be a str, got {type(text).__name__}")
    return text


class Segmenter:
    """A loaded model with jieba's verbs. Holds no global state: instances are independent."""

    def __init__(self, model: BiRNNTagger, vocab: Vocab, *, name: str = "", meta: dict[str, Any] | None = None,
                 batch_size: int = 128, path: Path | None = None, precision: Precision | str = Precision.FP32) -> None:
        self.precision = Precision(precision)
        self.model = model.eval().to(torch.bfloat16 if self.precision is Precision.BF16 else torch.float32)
        self.vocab = vocab
        self.config = model.config
        self.name = name
        self.meta = meta or {}
        self.batch_size = batch_size
        self.path = path  # the model directory it was loaded from, if any

    # ----------------------------------------------------------------- loading
    @staticmethod
    def available(models_dir: str | Path | None = None) -> list[str]:
        """Names of the model directories under `models_dir` (default: the shipped ones)."""
        root = Path(models_dir) if models_dir is not None else MODELS_DIR
        if not root.is_dir():
            return []
        return sorted(p.name for p in root.iterdir() if (p / artifact.META).is_file())

    @classmethod
    def load(cls, name_or_path: str | Path | None = None, *, models_dir: str | Path | None = None,
             batch_size: int = 128, precision: Precision | str = Precision.FP32) -> Segmenter:
        """Load a model by name (a folder of `models_dir`, default the shipped `models/`) or
        by directory path; with no argument, the default model `pku`. `precision` chooses the
        number format of inference (`Precision`: "fp32", the reference, or "bf16")."""
        try:
            precision = Precision(precision)
        except ValueError:
            raise InvalidInputError(f"unknown precision {precision!r}; use one of "
                                    f"{', '.join(p.value for p in Precision)}") from None
        ref = name_or_path if name_or_path is not None else DEFAULT_MODEL
        root = Path(models_dir) if models_dir is not None else MODELS_DIR
        path = Path(ref)
        if not (path / artifact.META).is_file():
            if isinstance(ref, str) and "/" not in ref and (root / ref).is_dir():
                path = root / ref
            else:
                names = ", ".join(cls.available(root)) or "none"
                raise ModelLoadError(
                    f"no model {str(ref)!r}: not a model directory, and not one of the models in {root} ({names})"
                )
        art = artifact.load(path)
        model = BiRNNTagger(art.config)
        try:
            model.load_state_dict(art.state)
        except RuntimeError as e:
            raise ModelLoadError(f"{path}: weights do not fit {artifact.CONFIG}: {e}") from e
        return cls(model, art.vocab, name=path.name, meta=art.meta, batch_size=batch_size, path=path,
                   precision=precision)

    # ----------------------------------------------------------------- verbs
    def cut(self, text: str) -> list[str]:
        """The words of `text`, in order; whitespace is never part of a word."""
        return [t.text for t in self.tokenize(text)]

    def tokenize(self, text: str) -> list[Token]:
        """The words of `text` with their start/end offsets."""
        return self.tokenize_batch([text])[0]

    def tag(self, text: str) -> list[CharTag]:
        """Every non-whitespace character with its BMES label and the label's probability."""
        return self.tag_batch([text])[0]

    def cut_batch(self, texts: Sequence[str]) -> list[list[str]]:
        """`cut` for many texts at once, batched through the model."""
        return [[text[s:e] for s, e in _word_offsets(a)] for text, a in zip(texts, self._analyse(texts))]

    def tokenize_batch(self, texts: Sequence[str]) -> list[list[Token]]:
        """`tokenize` for many texts at once, batched through the model."""
        return [[Token(text[s:e], s, e) for s, e in _word_offsets(a)] for text, a in zip(texts, self._analyse(texts))]

    def tag_batch(self, texts: Sequence[str]) -> list[list[CharTag]]:
        """`tag` for many texts at once. A multi-character unit (a number, a Latin word, a
        URL) carries one label, spread over its characters as one word's B/M/E would be."""
        out = []
        for text, a in zip(texts, self._analyse(texts)):
            u = a.units
            rows: list[CharTag] = []
            for i, t in enumerate(a.tags.tolist()):
                s, e = u.starts[i], u.ends[i]
                p = float(a.probs[i])
                for j in range(s, e):
                    if e - s == 1:
                        lab = t
                    elif j == s:
                        lab = t if t in (B, M) else (M if t == E else B)
                    elif j == e - 1:
                        lab = t if t in (M, E) else (M if t == B else E)
                    else:
                        lab = M
                    rows.append(CharTag(text[j], j, TAGS[lab], p))
            out.append(rows)
        return out

    # ----------------------------------------------------------------- pipeline
    def _analyse(self, texts: Sequence[str]) -> list[_Analysis]:
        if isinstance(texts, str):
            raise InvalidInputError("texts must be a sequence of str, not a single str")
        units = [to_units(_check_text(t)) for t in texts]
        encoded = [self.vocab.encode(u.keys) for u in units]
        pieces = [(k, s, e) for k, u in enumerate(units) for s, e in split_pieces(u, self.config.max_piece)]
        pieces.sort(key=lambda p: p[1] - p[2])  # longest first
        tags = [np.zeros(len(u), dtype=np.int8) for u in units]
        probs = [np.zeros(len(u), dtype=np.float32) for u in units]
        for b in range(0, len(pieces), self.batch_size):
            batch = pieces[b:b + self.batch_size]
            n = len(batch)
            seq = batch[0][2] - batch[0][1]
            chars = np.zeros((n, seq), dtype=np.int64)
            bigrams = np.zeros((n, seq + 1), dtype=np.int64)
            lengths = np.empty(n, dtype=np.int64)
            mask = None
            for r, (k, s, e) in enumerate(batch):
                c, bg = encoded[k]
                chars[r, :e - s] = c[s:e]
                bigrams[r, :e - s + 1] = bg[s:e + 1]
                lengths[r] = e - s
                gaps = units[k].gap_before
                for i in range(s + 1, e):
                    if gaps[i]:
                        if mask is None:
                            mask = np.zeros((n, seq, 4), dtype=np.float32)
                        mask[r, i - s - 1, [B, M]] = NEG  # the unit before whitespace ends a word
                        mask[r, i - s, [M, E]] = NEG  # the unit after it begins one
            with torch.inference_mode():
                scores = self.model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths))
                logp = torch.log_softmax(scores.float(), dim=-1).numpy()  # (batch, seq, tags)
            best = viterbi(logp, lengths, mask)  # (batch, seq)
            chosen = np.exp(np.take_along_axis(logp, best[..., None].astype(np.int64), axis=-1)[..., 0])
            for r, (k, s, e) in enumerate(batch):
                tags[k][s:e] = best[r, :e - s]
                probs[k][s:e] = chosen[r, :e - s]
        return [_Analysis(u, t, p) for u, t, p in zip(units, tags, probs)]
