"""Pure conversions between words, BMES tags and spans; legal transitions; repair rule."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segmenter.compiled import KERNEL as _native  # None without the compiled extension

B, M, E, S = 0, 1, 2, 3
TAGS = ("B", "M", "E", "S")
N_TAGS = 4

# ALLOWED[prev][next]: B and M continue a word (M or E next); E and S end one (B or S next).
ALLOWED: tuple[tuple[bool, ...], ...] = (
    (False, True, True, False),
    (False, True, True, False),
    (True, False, False, True),
    (True, False, False, True),
)
START_ALLOWED = (True, False, False, True)
END_ALLOWED = (False, False, True, True)


def word_tags(n: int) -> list[int]:
    """The tags of one word of `n` characters (or units)."""
    if n == 1:
        return [S]
    return [B] + [M] * (n - 2) + [E]


def words_to_tags(words: Sequence[str]) -> list[int]:
    """BMES tags, one per character, of a word sequence; empty words are not allowed."""
    out: list[int] = []
    for w in words:
        if not w:
            raise ValueError("empty word")
        out.extend(word_tags(len(w)))
    return out


def is_legal(tags: Sequence[int]) -> bool:
    """Whether `tags` is a complete, well-formed BMES sequence."""
    if not tags:
        return True
    if not START_ALLOWED[tags[0]] or not END_ALLOWED[tags[-1]]:
        return False
    return all(ALLOWED[a][b] for a, b in zip(tags, tags[1:]))


def repair(tags: Sequence[int]) -> list[int]:
    """Make a tag sequence legal, jieba-style: a tag that cannot follow its predecessor
    starts a new word (M/E after E/S become B/S), and a word left open is closed."""
    out = list(tags)
    n = len(out)
    for i in range(n):
        prev_open = i > 0 and out[i - 1] in (B, M)
        t = out[i]
        if prev_open and t in (B, S):
            out[i - 1] = E if out[i - 1] == M else S  # close the previous word
        elif not prev_open and t in (M, E):
            t = B if t == M else S
        out[i] = t
    if n and out[-1] in (B, M):
        out[-1] = S if out[-1] == B else E
    return out


def word_bounds(tags: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words of many tag sequences at once, in arrays: the sequences are concatenated in `tags`
    (`lengths[k]` tags each). Returns the index (in `tags`) of every word's first and last tag, and
    for each sequence the number of words before it plus its own (`np.cumsum` of words per sequence).

    A word boundary falls after every E or S and before every B or S: on a legal sequence that is
    the BMES reading, and on an illegal one it is the `repair` rule (an M or E after a closed word
    starts a new one; a B or S closes an open one); a sequence's last tag always closes its word."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if _native is not None:  # the same rule in C, in one pass (tests/segmenter/test_native.py)
        tags16 = np.ascontiguousarray(tags, dtype=np.int16)
        firsts, lasts, cum = (np.empty(len(tags16), dtype=np.int64), np.empty(len(tags16), dtype=np.int64),
                              np.empty(len(lengths), dtype=np.int64))
        words = _native.word_bounds(tags16, np.ascontiguousarray(lengths), firsts, lasts, cum)
        return firsts[:words], lasts[:words], cum
    tags = np.asarray(tags)
    n = len(tags)
    ends = np.zeros(n, dtype=bool)
    ends[:-1] = (tags[:-1] >= E) | (tags[1:] == B) | (tags[1:] == S)
    seq_ends = np.cumsum(lengths)
    ends[seq_ends[lengths > 0] - 1] = True
    lasts = np.flatnonzero(ends)
    starts = np.ones(n, dtype=bool)
    starts[1:] = ends[:-1]
    firsts = np.flatnonzero(starts)
    return firsts, lasts, np.searchsorted(lasts, seq_ends, side="left")


def tags_to_spans(tags: Sequence[int]) -> list[tuple[int, int]]:
    """Word spans `[start, end)` of one tag sequence (`word_bounds`; illegal sequences are read
    as `repair` makes them)."""
    firsts, lasts, _ = word_bounds(np.asarray(tags, dtype=np.int64), np.array([len(tags)]))
    return list(zip(firsts.tolist(), (lasts + 1).tolist()))


def tags_to_words(chars: str, tags: Sequence[int]) -> list[str]:
    """Words of `chars` under `tags` (one tag per character)."""
    if len(chars) != len(tags):
        raise ValueError(f"{len(chars)} characters but {len(tags)} tags")
    return [chars[s:e] for s, e in tags_to_spans(tags)]


def words_to_spans(words: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of consecutive words."""
    spans = []
    pos = 0
    for w in words:
        spans.append((pos, pos + len(w)))
        pos += len(w)
    return spans


def unit_tags(char_tags: Sequence[int], starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """Project character tags onto units covering `[starts[i], ends[i])` of the characters.

    A unit begins a word when its first character does, and ends one when its last does.
    """
    out = []
    for s, e in zip(starts, ends):
        begins = char_tags[s] in (B, S)
        closes = char_tags[e - 1] in (E, S)
        out.append(S if begins and closes else B if begins else E if closes else M)
    return out


def joint_labels(pos_tags: Sequence[str]) -> tuple[str, ...]:
    """Label names of a joint segmentation + POS model: label `4 * p + bmes` is
    `"{BMES}-{pos_tags[p]}"` (`decode.viterbi` relies on that order)."""
    if len(set(pos_tags)) != len(pos_tags) or not all(pos_tags):
        raise ValueError("part-of-speech tags must be distinct and non-empty")
    return tuple(f"{t}-{p}" for p in pos_tags for t in TAGS)


def pos_of_labels(labels: Sequence[str]) -> tuple[str, ...] | None:
    """The part-of-speech tags of a joint label set, or None for plain BMES labels."""
    if tuple(labels) == TAGS:
        return None
    if len(labels) % N_TAGS:
        raise ValueError(f"{len(labels)} labels is not a multiple of {N_TAGS}")
    pos = tuple(labels[i].partition("-")[2] for i in range(0, len(labels), N_TAGS))
    if joint_labels(pos) != tuple(labels):
        raise ValueError(f"labels are neither BMES nor joint BMES-POS labels: {list(labels[:8])}...")
    return pos
