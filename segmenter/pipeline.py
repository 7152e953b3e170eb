"""The segmentation pipeline, in arrays: encode → plan batches → score → decode (with dictionary
constraints) → word boundaries.

`analyse` is a function of its inputs only (the network's scorer, the vocabulary, the texts, a
dictionary); it returns one `Analysis` per text, and every door renders from those: `Segmenter`'s
verbs (`words`, `tokens`, `char_tags`), the stream formatters, the REST serialisers and the Ray
batches. `Segmenter` is the front object that holds a model and offers jieba's verbs over it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, Protocol

import numpy as np

from segmenter.decode import NEG
from segmenter.errors import InvalidInputError
from segmenter.heads import Head
from segmenter.tags import N_TAGS, TAGS, B, E, M, word_bounds
from segmenter.text import Units, split_pieces, to_units
from segmenter.vocab import Encoded, Vocab

# Scores of a batch: (chars, bigrams, lengths, standards or None, dictionary features or None)
# -> (n, seq, outputs) float32.
Scorer = Callable[[np.ndarray, np.ndarray, np.ndarray, "np.ndarray | None", "np.ndarray | None"], np.ndarray]
# Runs `job(b)` for every batch start `b`, in any order (batches write disjoint parts of the output).
BatchMap = Callable[[Callable[[int], None], Sequence[int]], None]
# A batch of a network with `hidden` units per direction and `layers` layers holds at most about
# ACTIVATION_BUDGET / (hidden × layers) units of padded input (`batch_units`, `Plan.batches`): the
# working memory of a batch (activations, ONNX Runtime's buffers) is then about the same for every
# network. 128 pieces of 200 units for `multi-fast` (1 × 64: no bound below `batch_size`), 4,096
# units for `multi` (2 × 200), whose ONNX Runtime process held 490 MB after one 1,024-line chunk of
# PFR with 128 pieces a batch and 300-345 MB with this bound (2026-12-06, BENCHMARKS.md).
ACTIVATION_BUDGET = 128 * 200 * 64
MAX_BATCH_UNITS = 128 * 200


def batch_units(hidden: int, layers: int) -> int:
    """The most units of padded input a batch of this network holds (see ACTIVATION_BUDGET)."""
    return max(256, ACTIVATION_BUDGET // max(1, hidden * layers))


class Constraints(Protocol):
    """What the pipeline asks of a dictionary (`Lexicon` and its overlays)."""

    def __len__(self) -> int: ...

    def constraints(self, norm: str, starts: Sequence[int],
                    ends: Sequence[int]) -> tuple[np.ndarray | None, dict[int, str]]: ...


def token_json(text: str, start: int, end: int, pos: str | None = None) -> dict[str, Any]:
    """A token as JSON, the one shape of every door (`Token.to_json`, `Analysis.token_json`: the
    jsonl format, the REST answer, the column helpers and Ray): {"text", "start", "end"}, and
    "pos" when it is set (a token without one has no "pos" key, not a null)."""
    d: dict[str, Any] = {"text": text, "start": start, "end": end}
    if pos is not None:
        d["pos"] = pos
    return d


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
        """`token_json`: {"text", "start", "end"} and "pos" when it is set."""
        return token_json(self.text, self.start, self.end, self.pos)


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


@dataclass(slots=True)
class Analysis:
    """What the pipeline found in one text: its units, their BMES tags (and label probabilities,
    parts of speech), and its words as character spans. The renderings are methods."""

    text: str
    units: Units
    tags: np.ndarray  # (n_units,) BMES tag of each unit
    probs: np.ndarray | None  # (n_units,) probability of the chosen label, when asked for
    pos: np.ndarray | None  # (n_units,) part-of-speech index (joint models)
    pos_tags: tuple[str, ...] | None  # the names of those indices
    user_pos: dict[int, str]  # last unit of a user dictionary word -> its part of speech
    starts: list[int]  # every word's first character,
    ends: list[int]  # the end of its last character,
    lasts: list[int]  # and its last unit

    def words(self) -> list[str]:
        text = self.text
        return [text[s:e] for s, e in zip(self.starts, self.ends)]

    def word_pos(self) -> list[str | None]:
        """Part of speech of every word: the user dictionary's, else the model's (None: no tagger)."""
        names, pos, user = self.pos_tags, self.pos, self.user_pos
        if names is None or pos is None:
            return [user.get(last) for last in self.lasts]
        model = [names[p] for p in pos[self.lasts].tolist()]
        if user:
            return [user.get(last, m) for last, m in zip(self.lasts, model)]
        return model

    def tokens(self, pos: bool = False, shift: int = 0) -> list[Token]:
        """The words as `Token`s, offsets moved by `shift` (a window's place in a longer text)."""
        text = self.text
        if not pos:
            return [Token(text[s:e], s + shift, e + shift) for s, e in zip(self.starts, self.ends)]
        return [Token(text[s:e], s + shift, e + shift, p)
                for s, e, p in zip(self.starts, self.ends, self.word_pos())]

    def token_json(self, pos: bool = False) -> list[dict[str, Any]]:
        """The words as `token_json` gives them, without making the `Token`s (the REST answer)."""
        text = self.text
        if not pos:
            return [token_json(text[s:e], s, e) for s, e in zip(self.starts, self.ends)]
        return [token_json(text[s:e], s, e, p) for s, e, p in zip(self.starts, self.ends, self.word_pos())]

    def char_tags(self, pos: bool = False) -> list[CharTag]:
        """Every non-whitespace character with its label. A multi-character unit (a number, a Latin
        word, a URL) carries one label, spread over its characters as one word's B/M/E would be."""
        u, text, probs = self.units, self.text, self.probs
        if probs is None:
            raise InvalidInputError("char_tags needs an analysis made with probs=True")
        unit_pos: list[str | None] = [None] * len(u)
        if pos:
            first = 0
            for last, tag in zip(self.lasts, self.word_pos()):
                unit_pos[first:last + 1] = [tag] * (last + 1 - first)
                first = last + 1
        rows: list[CharTag] = []
        for i, t in enumerate(self.tags.tolist()):
            s, e = u.starts[i], u.ends[i]
            p = float(probs[i])
            for j in range(s, e):
                if e - s == 1:
                    lab = t
                elif j == s:
                    lab = t if t in (B, M) else (M if t == E else B)
                elif j == e - 1:
                    lab = t if t in (M, E) else (M if t == B else E)
                else:
                    lab = M
                rows.append(CharTag(text[j], j, TAGS[lab], p, unit_pos[i]))
        return rows


# ----------------------------------------------------------------------- stages
def constraints(units: Units, lexicon: Constraints) -> tuple[np.ndarray | None, dict[int, str]]:
    """Additive (n_units, 4) BMES mask from whitespace gaps and dictionary matches, or None when
    nothing constrains the text; and the dictionary's parts of speech by last unit."""
    mask, user_pos = lexicon.constraints(units.norm, units.starts, units.ends) if len(lexicon) else (None, {})
    gaps = units.gap_before
    if True in gaps[1:]:
        after = np.flatnonzero(gaps)
        after = after[after > 0]
        if mask is None:
            mask = np.zeros((len(units), N_TAGS), dtype=np.float32)
        mask[after - 1, B] = mask[after - 1, M] = NEG  # the unit before whitespace ends a word
        mask[after, M] = mask[after, E] = NEG  # the unit after it begins one
    return mask, user_pos


@dataclass(frozen=True)
class Plan:
    """The pieces of every text (`split_pieces`), longest first, as rows (text, start, end) of
    `pieces`; `first` is the flat index (in `Encoded`) of each piece's left bigram."""

    pieces: np.ndarray  # (n_pieces, 3) int64
    first: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, units: Sequence[Units], enc: Encoded, max_piece: int) -> Plan:
        rows = [(k, s, e) for k, u in enumerate(units) for s, e in split_pieces(u, max_piece)]
        rows.sort(key=lambda p: p[1] - p[2])  # longest first: batches of similar lengths
        pieces = np.array(rows, dtype=np.int64).reshape(-1, 3)
        return cls(pieces, enc.offsets[pieces[:, 0]] + pieces[:, 1], pieces[:, 2] - pieces[:, 1])

    def batches(self, batch_size: int, max_units: int) -> dict[int, int]:
        """{first row: end row} of every batch: at most `batch_size` pieces and, past its first
        piece, at most `max_units` units of padded input (the first piece's length times the rows:
        pieces are longest first), so that a batch of long pieces holds fewer of them and the
        working memory of a batch (the network's activations, ONNX Runtime's buffers) stays bounded
        whatever the texts."""
        out = {}
        b, n = 0, len(self.size)
        while b < n:
            rows = min(batch_size, max(1, max_units // max(1, int(self.size[b]))))
            out[b] = min(n, b + rows)
            b = out[b]
        return out

    def gather(self, enc: Encoded, rows: slice) -> tuple[np.ndarray, ...]:
        """Inputs of the batch of pieces `rows`, gathered from the flat arrays: unit ids (n, seq),
        bigram ids (n, seq + 1), lengths (n,), and the flat position of every (piece, step) with
        the mask of the steps inside a piece."""
        lengths = self.size[rows]
        seq = int(lengths[0])  # longest first
        if rows.stop - rows.start == 1:  # one piece (a call of one short text): slices of the flat arrays
            first = int(self.first[rows.start])
            at = np.arange(first + 1, first + 1 + seq)[None]
            return (enc.chars[first + 1:first + 1 + seq][None], enc.bigrams[first:first + seq + 1][None], lengths,
                    at, np.ones((1, seq), dtype=bool))
        steps = np.arange(seq + 1)
        at = self.first[rows, None] + steps  # (n, seq + 1) flat positions of the bigrams
        inside = steps <= lengths[:, None]  # a piece of n units has n + 1 bigrams
        bigrams = enc.bigrams.take(at, mode="clip")  # past a piece's end: anything in range, then 0
        bigrams *= inside
        at, inside = at[:, 1:], inside[:, 1:]  # the flat positions of the units, and which are a piece's
        chars = enc.chars.take(at, mode="clip")
        chars *= inside
        return chars, bigrams, lengths, at, inside

    @staticmethod
    def features(enc: Encoded, at: np.ndarray, inside: np.ndarray) -> np.ndarray | None:
        """The dictionary features (n, seq, width) float32 of a batch gathered by `gather` (None for
        a model without them)."""
        if enc.features is None:
            return None
        if inside.shape[0] == 1 and inside.all():  # one piece: a slice of the flat array
            first = int(at[0, 0])
            return enc.features[first:first + at.shape[1]][None].astype(np.float32)
        out = enc.features.take(at, axis=0, mode="clip").astype(np.float32)
        out *= inside[..., None]
        return out

    def mask(self, rows: slice, masks: Sequence[np.ndarray | None], seq: int) -> np.ndarray | None:
        """The constraints of the batch `rows` (None when no text of it has any)."""
        out = None
        for r, (k, s, e) in enumerate(self.pieces[rows].tolist()):
            text_mask = masks[k]
            if text_mask is not None:
                if out is None:
                    out = np.zeros((len(self.size[rows]), seq, N_TAGS), dtype=np.float32)
                out[r, :e - s] = text_mask[s:e]
        return out


def word_spans(units: Sequence[Units], enc: Encoded, tags: np.ndarray) -> list[tuple[list[int], list[int], list[int]]]:
    """(first character, end of last character, last unit) of every word of every text, from the
    BMES tags in the flat layout of `Encoded` (`tags.word_bounds` on the units of all texts at
    once): the only Python work left is per word, in the renderings."""
    n = np.fromiter((len(u) for u in units), dtype=np.int64, count=len(units))
    if len(units) == 1:  # one text (a call of `cut`): its units are the slots between <S> and </S>
        firsts, lasts, _ = word_bounds(tags[1:1 + int(n[0])], n)
        u, first_l, last_l = units[0], firsts.tolist(), lasts.tolist()
        if isinstance(u.starts, range):  # a unit a character: offsets are unit indices
            return [(first_l, [i + 1 for i in last_l], last_l)]
        unit_starts, unit_ends = u.starts, u.ends
        return [([unit_starts[i] for i in first_l], [unit_ends[i] for i in last_l], last_l)]
    is_unit = np.ones(len(tags), dtype=bool)
    is_unit[enc.offsets] = is_unit[enc.offsets + n + 1] = False  # the <S> and </S> slots
    firsts, lasts, bounds = word_bounds(tags[is_unit], n)
    base = np.zeros(len(units), dtype=np.int64)  # index of each text's first unit among all units
    np.cumsum(n[:-1], out=base[1:])
    text_of = np.repeat(np.arange(len(units)), np.diff(bounds, prepend=0))
    first_local = firsts - base[text_of]
    last_local = lasts - base[text_of]
    # Character offsets: the unit's index, unless the text has multi-character units or whitespace.
    # The texts that have them are mapped all at once: their units' offsets in one array.
    cs, ce = first_local.copy(), last_local + 1
    odd = [k for k, u in enumerate(units) if not isinstance(u.starts, range)]
    if odd:
        sizes = n[odd]
        total = int(sizes.sum())
        starts = np.fromiter(chain.from_iterable(units[k].starts for k in odd), dtype=np.int64, count=total)
        ends = np.fromiter(chain.from_iterable(units[k].ends for k in odd), dtype=np.int64, count=total)
        first_word = np.concatenate([[0], bounds[:-1]])[odd]  # each odd text's words: first_word + range(count)
        count = bounds[odd] - first_word
        before = np.cumsum(count) - count
        words = np.repeat(first_word - before, count) + np.arange(int(count.sum()))
        unit_base = np.repeat(np.cumsum(sizes) - sizes, count)  # each word's text's first unit in `starts`
        cs[words] = starts[unit_base + first_local[words]]
        ce[words] = ends[unit_base + last_local[words]]
    cs_l, ce_l, last_l = cs.tolist(), ce.tolist(), last_local.tolist()
    out = []
    b0 = 0
    for b1 in bounds.tolist():
        out.append((cs_l[b0:b1], ce_l[b0:b1], last_l[b0:b1]))
        b0 = b1
    return out


def serial(job: Callable[[int], None], starts: Sequence[int]) -> None:
    """The default `BatchMap`: every batch on the calling thread, in order."""
    for b in starts:
        job(b)


def analyse(texts: Sequence[str], *, vocab: Vocab, scorer: Scorer, pos_tags: tuple[str, ...] | None,
            head: Head, max_piece: int, batch_size: int, lexicon: Constraints,
            standard: int | None = None, probs: bool = False, map_batches: BatchMap = serial,
            max_batch_units: int = MAX_BATCH_UNITS, pos: bool = True) -> list[Analysis]:
    """One `Analysis` per text.

    All texts are encoded at once into one flat array (`Vocab.encode_many`); their pieces are
    sorted longest first and cut into batches of `batch_size` pieces and at most about
    `max_batch_units` units (`Plan.batches`); each batch is gathered from
    the flat array with NumPy, scored, decoded under the text's constraints, and its labels
    scattered back; the words of all texts come from one `word_spans` call.
    `head`: the network's output layer, which decodes its scores (`heads.Head`);
    `pos_tags`: the part-of-speech names of a joint model (None: BMES only);
    `standard`: the model's index of the standard to segment in (multi-standard models);
    `pos` False: the parts of speech are not wanted (the analyses then have none)."""
    if not pos:
        pos_tags = None
    units = [to_units(t) for t in texts]
    enc = vocab.encode_many(units, standard or 0)
    found = [constraints(u, lexicon) for u in units]
    masks = [c[0] for c in found]
    plan = Plan.of(units, enc, max_piece)
    labels = np.zeros(len(enc.chars), dtype=np.int16)  # flat, as enc.chars
    chosen = np.zeros(len(enc.chars), dtype=np.float32) if probs else None
    ends = plan.batches(batch_size, max_batch_units)
    masked = any(m is not None for m in masks)

    def run(b: int) -> None:  # one batch; batches write disjoint parts of labels and chosen
        rows = slice(b, ends[b])
        chars, bigrams, lengths, at, inside = plan.gather(enc, rows)
        std = None if standard is None else np.full(len(lengths), standard, dtype=np.int64)
        scores = scorer(chars, bigrams, lengths, std, plan.features(enc, at, inside))  # (n, seq, outputs) float32
        mask = plan.mask(rows, masks, chars.shape[1]) if masked else None
        best = head.decode(scores, lengths, mask, pos_tags is not None)  # (n, seq) labels: 4 * part of speech + BMES
        if len(lengths) == 1:  # one piece: its units are consecutive in the flat layout
            first, n = int(at[0, 0]), int(lengths[0])
            labels[first:first + n] = best[0, :n]
            if chosen is not None:
                chosen[first:first + n] = head.probs(scores, best, lengths, mask)[0, :n]
            return
        labels[at[inside]] = best[inside]
        if chosen is not None:
            chosen[at[inside]] = head.probs(scores, best, lengths, mask)[inside]

    map_batches(run, list(ends))
    tags = labels % N_TAGS
    out = []
    for k, (text, u, c, w) in enumerate(zip(texts, units, found, word_spans(units, enc, tags))):
        s = int(enc.offsets[k]) + 1
        p = chosen[s:s + len(u)] if chosen is not None else None
        parts = labels[s:s + len(u)] // N_TAGS if pos_tags is not None else None
        out.append(Analysis(text, u, tags[s:s + len(u)], p, parts, pos_tags, c[1], *w))
    return out


def concat_tokens(parts: Iterable[tuple[int, Analysis]], pos: bool) -> list[Token]:
    """The tokens of a text analysed in windows: (offset of the window, its analysis) in order."""
    out: list[Token] = []
    for shift, a in parts:
        out += a.tokens(pos, shift)
    return out
