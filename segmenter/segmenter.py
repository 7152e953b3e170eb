"""`Segmenter`: the one public entry point. Load a model, then `cut`, `tokenize`, `tag`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from segmenter import artifact
from segmenter.config import Precision
from segmenter.decode import NEG, viterbi
from segmenter.errors import InvalidInputError, ModelLoadError
from segmenter.lexicon import MAX_ENTRY_CHARS, Entry, Lexicon, read_user_dict
from segmenter.model import BiRNNTagger
from segmenter.tags import N_TAGS, TAGS, B, E, M, pos_of_labels
from segmenter.text import Units, normalise, split_pieces, to_units
from segmenter.vocab import Vocab

DEFAULT_MODEL = "pku"
# The repository's models/ folder (beside the package in a source checkout or an editable
# install, and in the Docker image).
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True, slots=True)
class Token:
    """A word and its character offsets in the original string (end exclusive). It unpacks like
    jieba's `(word, start, end)`; `pos` is its part of speech when asked for (`pos=True`)."""

    text: str
    start: int
    end: int
    pos: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.text, self.start, self.end))

    def __repr__(self) -> str:
        pos = "" if self.pos is None else f", pos={self.pos!r}"
        return f"Token(text={self.text!r}, start={self.start}, end={self.end}{pos})"

    def to_json(self) -> dict[str, Any]:
        """{"text", "start", "end"} and "pos" when it is set."""
        d: dict[str, Any] = {"text": self.text, "start": self.start, "end": self.end}
        if self.pos is not None:
            d["pos"] = self.pos
        return d


@dataclass(frozen=True, slots=True)
class CharTag:
    """One character's BMES label, the model's probability of that label (for a joint model, summed
    over the parts of speech), and (when asked for) the part of speech of the word it belongs to."""

    char: str
    offset: int
    label: str
    prob: float
    pos: str | None = None

    def __repr__(self) -> str:
        pos = "" if self.pos is None else f", pos={self.pos!r}"
        return f"CharTag(char={self.char!r}, offset={self.offset}, label={self.label!r}, prob={self.prob:.4g}{pos})"

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"char": self.char, "offset": self.offset, "label": self.label, "prob": self.prob}
        if self.pos is not None:
            d["pos"] = self.pos
        return d


@dataclass
class _Analysis:
    units: Units
    tags: np.ndarray  # (n_units,) BMES tag of each unit
    probs: np.ndarray  # (n_units,) float32 probability of the chosen label
    pos: np.ndarray | None = None  # (n_units,) part-of-speech index (joint models)
    user_pos: dict[int, str] | None = None  # unit index -> POS from a user dictionary entry


def _word_offsets(a: _Analysis) -> list[tuple[int, int, int]]:
    """Character `[start, end)` and last unit of every word: a word ends at each unit tagged E or
    S (Viterbi gives legal tags; a sequence left open at the end is closed, so no character is
    lost)."""
    ends = np.flatnonzero(a.tags >= E).tolist()  # E and S end a word
    n = len(a.tags)
    if n and (not ends or ends[-1] != n - 1):
        ends.append(n - 1)
    us, ue = a.units.starts, a.units.ends
    out = []
    first = 0
    for last in ends:
        out.append((us[first], ue[last], last))
        first = last + 1
    return out


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"text must be a str, got {type(text).__name__}")
    return text


class Segmenter:
    """A loaded model with jieba's verbs. Holds no global state: instances are independent, and
    each has its own user dictionary (`lexicon`)."""

    def __init__(self, model: BiRNNTagger, vocab: Vocab, *, name: str = "", meta: dict[str, Any] | None = None,
                 batch_size: int = 128, path: Path | None = None, precision: Precision | str = Precision.FP32,
                 user_words: Iterable[str | Entry] = (), max_user_word_chars: int = MAX_ENTRY_CHARS) -> None:
        self.precision = Precision(precision)
        self.model = model.eval().to(torch.bfloat16 if self.precision is Precision.BF16 else torch.float32)
        self.vocab = vocab
        self.config = model.config
        self.pos_tags = pos_of_labels(self.config.tags)  # None: a segmentation-only model
        self.name = name
        self.meta = meta or {}
        self.batch_size = batch_size
        self.path = path  # the model directory it was loaded from, if any
        self.lexicon = Lexicon(user_words, max_chars=max_user_word_chars)

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
             batch_size: int = 128, precision: Precision | str = Precision.FP32,
             user_words: Iterable[str | Entry] = (), user_dict: str | Path | None = None,
             max_user_word_chars: int = MAX_ENTRY_CHARS) -> Segmenter:
        """Load a model by name (a folder of `models_dir`, default the shipped `models/`) or
        by directory path; with no argument, the default model `pku`. `precision` chooses the
        number format of inference (`Precision`: "fp32", the reference, or "bf16").

        `user_words` and the entries of the file `user_dict` (see `lexicon.read_user_dict`) start
        the segmenter's user dictionary: a word containing whitespace is a forced split."""
        try:
            precision = Precision(precision)
        except ValueError:
            raise InvalidInputError(f"unknown precision {precision!r}; use one of "
                                    f"{', '.join(p.value for p in Precision)}") from None
        if isinstance(user_words, str):
            raise InvalidInputError("user_words must be a list of words, not a single str")
        entries: list[str | Entry] = list(user_words)
        if user_dict is not None:
            entries = [*read_user_dict(user_dict, max_chars=max_user_word_chars), *entries]
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
                   precision=precision, user_words=entries, max_user_word_chars=max_user_word_chars)

    # ----------------------------------------------------------------- user dictionary
    def add_word(self, word: str, pos: str | None = None) -> None:
        """Make `word` come out as one token wherever it occurs (with `pos` as its part of
        speech, if given). A word with whitespace (`"中 将"`) forces that split instead."""
        self.lexicon.add(word, pos)

    def remove_word(self, word: str) -> bool:
        """Forget a user word or forced split; False if it was not in the dictionary."""
        return self.lexicon.remove(word)

    def load_user_dict(self, path: str | Path) -> int:
        """Add the entries of a user dictionary file; returns how many were read."""
        entries = read_user_dict(path, max_chars=self.lexicon.max_chars)
        self.lexicon.update(entries)
        return len(entries)

    # ----------------------------------------------------------------- verbs
    def cut(self, text: str, *, user_words: Sequence[str] = ()) -> list[str]:
        """The words of `text`, in order; whitespace is never part of a word."""
        return self.cut_batch([text], user_words=user_words)[0]

    def tokenize(self, text: str, *, pos: bool = False, user_words: Sequence[str] = ()) -> list[Token]:
        """The words of `text` with their start/end offsets (and part of speech, with `pos=True`)."""
        return self.tokenize_batch([text], pos=pos, user_words=user_words)[0]

    def tag(self, text: str, *, pos: bool = False, user_words: Sequence[str] = ()) -> list[CharTag]:
        """Every non-whitespace character with its BMES label and the label's probability."""
        return self.tag_batch([text], pos=pos, user_words=user_words)[0]

    def cut_batch(self, texts: Sequence[str], *, user_words: Sequence[str] = ()) -> list[list[str]]:
        """`cut` for many texts at once, batched through the model. `user_words` apply to this
        call only, on top of the segmenter's dictionary."""
        return [[text[s:e] for s, e, _ in _word_offsets(a)]
                for text, a in zip(texts, self._analyse(texts, user_words))]

    def tokenize_batch(self, texts: Sequence[str], *, pos: bool = False,
                       user_words: Sequence[str] = ()) -> list[list[Token]]:
        """`tokenize` for many texts at once, batched through the model."""
        self.require_pos(pos)
        out = []
        for text, a in zip(texts, self._analyse(texts, user_words)):
            if pos:
                out.append([Token(text[s:e], s, e, self._pos_of(a, last)) for s, e, last in _word_offsets(a)])
            else:
                out.append([Token(text[s:e], s, e) for s, e, _ in _word_offsets(a)])
        return out

    def tag_batch(self, texts: Sequence[str], *, pos: bool = False,
                  user_words: Sequence[str] = ()) -> list[list[CharTag]]:
        """`tag` for many texts at once. A multi-character unit (a number, a Latin word, a
        URL) carries one label, spread over its characters as one word's B/M/E would be."""
        self.require_pos(pos)
        out = []
        for text, a in zip(texts, self._analyse(texts, user_words)):
            u = a.units
            word_pos: list[str | None] = [None] * len(u)
            if pos:
                first = 0
                for _, _, last in _word_offsets(a):
                    word_pos[first:last + 1] = [self._pos_of(a, last)] * (last + 1 - first)
                    first = last + 1
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
                    rows.append(CharTag(text[j], j, TAGS[lab], p, word_pos[i]))
            out.append(rows)
        return out

    # ----------------------------------------------------------------- pipeline
    def require_pos(self, pos: bool) -> None:
        if pos and self.pos_tags is None:
            raise InvalidInputError(f"model {self.name or '(unnamed)'} has no part-of-speech tagger; "
                                    "use a joint model such as the default 'pku'")

    def _pos_of(self, a: _Analysis, last: int) -> str | None:
        """Part of speech of the word whose last unit is `last`: the user dictionary's, else the model's."""
        if a.user_pos and last in a.user_pos:
            return a.user_pos[last]
        if a.pos is None or self.pos_tags is None:
            return None
        return self.pos_tags[int(a.pos[last])]

    def _analyse(self, texts: Sequence[str], user_words: Sequence[str] = ()) -> list[_Analysis]:
        if isinstance(texts, str):
            raise InvalidInputError("texts must be a sequence of str, not a single str")
        if isinstance(user_words, str):
            raise InvalidInputError("user_words must be a list of words, not a single str")
        lexicon = self.lexicon.merged(user_words) if user_words else self.lexicon
        units = [to_units(_check_text(t)) for t in texts]
        encoded = [self.vocab.encode(u.keys) for u in units]
        constraints = [self._constraints(t, u, lexicon) for t, u in zip(texts, units)]
        pieces = [(k, s, e) for k, u in enumerate(units) for s, e in split_pieces(u, self.config.max_piece)]
        pieces.sort(key=lambda p: p[1] - p[2])  # longest first
        labels = [np.zeros(len(u), dtype=np.int16) for u in units]
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
                allowed = constraints[k][0]
                if allowed is not None:
                    if mask is None:
                        mask = np.zeros((n, seq, N_TAGS), dtype=np.float32)
                    mask[r, :e - s] = allowed[s:e]
            with torch.inference_mode():
                scores = self.model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths))
                logp = torch.log_softmax(scores.float(), dim=-1).numpy()  # (batch, seq, labels)
            best = viterbi(logp, lengths, mask)  # (batch, seq)
            prob = np.exp(logp)
            if prob.shape[-1] != N_TAGS:  # joint labels: the BMES label's probability, summed over POS
                prob = prob.reshape(n, seq, -1, N_TAGS).sum(axis=2)
            chosen = np.take_along_axis(prob, (best % N_TAGS)[..., None].astype(np.int64), axis=-1)[..., 0]
            for r, (k, s, e) in enumerate(batch):
                labels[k][s:e] = best[r, :e - s]
                probs[k][s:e] = chosen[r, :e - s]
        joint = self.pos_tags is not None
        return [_Analysis(u, lab % N_TAGS, p, lab // N_TAGS if joint else None, c[1] or None)
                for u, lab, p, c in zip(units, labels, probs, constraints)]

    @staticmethod
    def _constraints(text: str, units: Units, lexicon: Lexicon) -> tuple[np.ndarray | None, dict[int, str]]:
        """Additive (n_units, 4) BMES mask from whitespace gaps and user dictionary matches, or
        None when nothing constrains the text; and the user dictionary's parts of speech."""
        mask, user_pos = lexicon.constraints(normalise(text), units.starts, units.ends) if len(lexicon) else (None, {})
        gaps = units.gap_before
        for i in range(1, len(units)):
            if gaps[i]:
                if mask is None:
                    mask = np.zeros((len(units), N_TAGS), dtype=np.float32)
                mask[i - 1, [B, M]] = NEG  # the unit before whitespace ends a word
                mask[i, [M, E]] = NEG  # the unit after it begins one
        return mask, user_pos
