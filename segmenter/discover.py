"""New-word discovery: a domain's words proposed from its raw, unsegmented text.

A candidate is a run of 2..`max_len` Chinese characters seen at least `min_count` times. It is
scored by the raw text's own statistics and by the model:

- cohesion: the pointwise mutual information of its weakest split, `log p(w) / (p(a) p(b))`;
- freedom: the entropy of the characters seen just left of it and just right of it (the smaller
  of the two): a word is used in many contexts, a piece of a longer word always in the same one;
- the model's boundary probabilities: how likely the model puts a word boundary at both of its
  ends (`edge`), and how likely it reads it as one word (`whole`).

The score is `log(count) * min(PMI, 8) * min(HL, HR, 2) * edge * (0.2 + whole)`: on ZX's text
(BENCHMARKS.md) most candidates the model splits everywhere are phrases (站在, 的时候), so the
model's reading weighs in, without hiding a frequent name it splits by its standard (张小凡 in
PKU's). Candidates the model already reads as one word nearly everywhere (`whole` >= `known`) are
left out: a dictionary entry changes nothing there. The text is read once, in chunks, and the
n-gram counts are pruned to at most `max_ngrams` entries (the rarest dropped first), so memory
stays bounded on any amount of text.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from segmenter.errors import InvalidInputError
from segmenter.tags import E, S

if TYPE_CHECKING:
    from segmenter.segmenter import Segmenter

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")
_START, _END = "\x02", "\x03"  # the edges of a run of Chinese characters, as neighbours
_TAGS_ENDING_A_WORD = (E, S)


@dataclass(frozen=True)
class Candidate:
    """A proposed word: its count in the text, its score (higher: more likely a useful word), and
    the statistics behind the score."""

    word: str
    count: int
    score: float
    pmi: float  # cohesion of its weakest split (natural log)
    entropy: float  # min(left, right) neighbour entropy (nats)
    edge: float  # mean model probability of a boundary at both of its ends
    whole: float  # mean model probability that it is one word

    def dict_line(self) -> str:
        """Its line in the user-dictionary format (`WORD FREQ`)."""
        return f"{self.word} {self.count}"


@dataclass(frozen=True)
class DiscoverOptions:
    min_count: int = 5
    max_len: int = 6  # longest candidate, in characters
    min_pmi: float = 1.0
    min_entropy: float = 0.5
    known: float = 0.99  # a candidate the model reads as one word this often (mean `whole`) is not new
    max_ngrams: int = 1_000_000  # n-gram counts kept in memory at most (about 400 bytes each)
    chunk_chars: int = 200_000  # text the model reads at once
    standard: str | None = None  # the standard the model segments in

    def __post_init__(self) -> None:
        if self.min_count < 1:
            raise InvalidInputError(f"the minimum count must be at least 1, got {self.min_count}")
        if not 2 <= self.max_len <= 8:
            raise InvalidInputError(f"the longest candidate must be 2..8 characters, got {self.max_len}")
        if self.max_ngrams < 1000:
            raise InvalidInputError(f"keep at least 1000 n-gram counts, got {self.max_ngrams}")


class _Counts:
    """n-gram counts of runs of Chinese characters (lengths 1..max_len + 1, with the run's edges as
    neighbours) and the model's boundary sums of the candidate lengths, pruned to a bounded size."""

    BLOCK = 2048  # positions of a run counted between two checks of the size

    def __init__(self, max_len: int, limit: int) -> None:
        self.max_len, self.limit = max_len, limit
        self.grams: Counter[str] = Counter()
        self.edge: defaultdict[str, float] = defaultdict(float)
        self.whole: defaultdict[str, float] = defaultdict(float)
        self.chars = 0
        self.floor = 0  # counts at or below it were pruned

    def add(self, run: str, boundary: np.ndarray) -> None:
        """Count the n-grams of `run`; `boundary[k]` is the model's probability of a word boundary
        before character `k` of it (`len(run) + 1` entries, 1 at both ends)."""
        self.chars += len(run)
        padded = _START + run + _END
        grams, edge, whole, top = self.grams, self.edge, self.whole, self.max_len + 1
        b = boundary.tolist()
        # A long run (a line without punctuation) is pruned as it is counted, every BLOCK positions,
        # so that the counts never hold much more than `limit` entries whatever the run's length.
        for i in range(len(padded)):
            for n in range(1, min(top, len(padded) - i) + 1):
                grams[padded[i:i + n]] += 1
            if i % self.BLOCK == self.BLOCK - 1 and len(grams) > self.limit:
                self.prune()
        for i in range(len(run)):  # the model's view of each candidate occurrence run[i:i + n]
            if i % self.BLOCK == self.BLOCK - 1 and len(edge) > self.limit:
                self.prune()
            left = b[i]
            inner = 0.0
            for n in range(2, min(self.max_len, len(run) - i) + 1):
                inner = max(inner, b[i + n - 1])
                e = left * b[i + n]
                w = run[i:i + n]
                edge[w] += e
                whole[w] += e * (1.0 - inner)
        if len(grams) > self.limit:
            self.prune()

    def prune(self) -> None:
        """Drop the rarest n-grams until at most half the limit are left (lossy counting)."""
        while len(self.grams) > self.limit // 2:
            self.floor += 1
            rare = [g for g, c in self.grams.items() if c <= self.floor]
            for g in rare:
                del self.grams[g]
                self.edge.pop(g, None)
                self.whole.pop(g, None)
        for sums in (self.edge, self.whole):  # a run pruned while counted left sums of n-grams gone since
            for g in [g for g in sums if g not in self.grams]:
                del sums[g]


def discover(seg: Segmenter, texts: Iterable[str], options: DiscoverOptions = DiscoverOptions(),
             top: int | None = None) -> list[Candidate]:
    """Candidate words of the raw `texts`, best first (at most `top`): see the module."""
    if top is not None and top < 1:
        raise InvalidInputError(f"top must be at least 1, got {top}")
    counts = _Counts(options.max_len, options.max_ngrams)
    for chunk in _chunks(texts, options.chunk_chars):
        for analysis in seg.analyse(chunk, standard=options.standard, probs=True):
            text, units, tags, probs = analysis.text, analysis.units, analysis.tags, analysis.probs
            assert probs is not None
            after = np.where(np.isin(tags, _TAGS_ENDING_A_WORD), probs, 1.0 - probs)  # (n_units,)
            boundary = np.ones(len(text) + 1)
            inside = np.zeros(len(text) + 1, dtype=bool)  # offsets inside a unit of several characters
            for s, e in zip(units.starts, units.ends):
                inside[s + 1:e] = True
            boundary[np.asarray(units.ends, dtype=np.int64)] = after
            boundary[inside] = 0.0
            for m in _HAN.finditer(text):
                b = boundary[m.start():m.end() + 1].copy()
                b[0] = b[-1] = 1.0  # a run's edges are boundaries
                counts.add(m.group(), b)
    return _ranked(counts, options, top)


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    """Lists of texts of about `size` characters."""
    chunk: list[str] = []
    n = 0
    for t in texts:
        chunk.append(t)
        n += len(t)
        if n >= size:
            yield chunk
            chunk, n = [], 0
    if chunk:
        yield chunk


def _entropy(counts: Iterable[tuple[str, int]]) -> float:
    """Entropy (nats) of neighbour counts; each run edge counts as a neighbour of its own."""
    values: list[int] = []
    for ch, c in counts:
        values.extend([1] * c if ch in (_START, _END) else [c])
    total = sum(values)
    return -sum(v / total * math.log(v / total) for v in values) if total else 0.0


def _ranked(counts: _Counts, options: DiscoverOptions, top: int | None) -> list[Candidate]:
    grams = counts.grams
    words = [w for w, c in grams.items()
             if 2 <= len(w) <= options.max_len and c >= options.min_count and _START not in w and _END not in w]
    wanted = set(words)
    left: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    right: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for g, c in grams.items():
        if len(g) >= 3:
            if g[1:] in wanted:
                left[g[1:]].append((g[0], c))
            if g[:-1] in wanted:
                right[g[:-1]].append((g[-1], c))
    total = max(counts.chars, 1)
    out = []
    wordlike = {w for w in words if counts.whole.get(w, 0.0) >= 0.5 * grams[w]}  # the model reads as a word
    for w in words:
        c = grams[w]
        parts = [(grams.get(w[:k], 0), grams.get(w[k:], 0)) for k in range(1, len(w))]
        pmi = min(math.log(c * total / max(a * b, 1)) for a, b in parts)
        entropy = min(_entropy(left[w]), _entropy(right[w]))
        edge, whole = counts.edge.get(w, 0.0) / c, counts.whole.get(w, 0.0) / c
        if pmi < options.min_pmi or entropy < options.min_entropy or whole >= options.known:
            continue
        if whole < 0.5 and any(w[:k] in wordlike and w[k:] in wordlike for k in range(2, len(w) - 1)):
            continue  # two words the model knows, which it keeps apart: a compound (野狗 道人, 掌门 师兄)
        score = math.log(c) * min(pmi, 8.0) * min(entropy, 2.0) * edge * (0.2 + whole)
        out.append(Candidate(w, c, score, pmi, entropy, edge, whole))
    best = heapq.nlargest(top, out, key=_order) if top is not None else sorted(out, key=_order, reverse=True)
    return best


def _order(c: Candidate) -> tuple[float, int, str]:
    return (c.score, c.count, c.word)
