"""User dictionaries: words that must come out whole, and forced splits.

An entry is a string. Without whitespace it is a *user word*: where it occurs in a text it comes
out as one token. With whitespace (`"中 将"`) it is a *forced split*: where its parts occur
together (`中将`) they come out as exactly those tokens. Matching is on the model's normalised
text (full-width ASCII folded, Traditional characters mapped to Simplified, see
`segmenter.text`), leftmost-longest: at each position the longest entry wins, and a match is
never overlapped by a later one. The matches become constraints of the Viterbi decoder
(`Lexicon.constraints`), so the rest of the sentence is decoded around them by the model.

A `Lexicon` is a plain object owned by one `Segmenter`: no global state. Mutations are guarded
by a lock and readers work on an immutable snapshot, so a segmenter may be used from several
threads while words are added.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np

from segmenter.corpus import utf8_lines
from segmenter.decode import NEG
from segmenter.errors import CorpusError, InvalidInputError
from segmenter.tags import N_TAGS, B, E, M, S
from segmenter.text import normalise

V = TypeVar("V")
MAX_ENTRY_CHARS = 32  # default limit on the characters of one entry
_COMMENT = re.compile(r"(?:^|\s)#.*$")


@dataclass(frozen=True)
class Entry:
    """One dictionary entry: the parts it must come out as, and an optional POS for them."""

    parts: tuple[str, ...]
    pos: str | None = None

    @property
    def key(self) -> str:
        return "".join(self.parts)


def parse_entry(entry: object, pos: str | None = None, *, max_chars: int = MAX_ENTRY_CHARS) -> Entry:
    """Validate one entry (see the module doc); raises `InvalidInputError` with the reason."""
    if not isinstance(entry, str):
        raise InvalidInputError(f"a user word must be a str, got {type(entry).__name__}")
    parts = tuple(entry.split())
    if not parts:
        raise InvalidInputError(f"user word {entry!r} is empty or whitespace only")
    n = sum(map(len, parts))
    if n > max_chars:
        raise InvalidInputError(f"user word {entry[:20]!r}... has {n} characters; the limit is {max_chars}")
    if pos is not None and (not isinstance(pos, str) or not pos.strip() or any(c.isspace() for c in pos)):
        raise InvalidInputError(f"part of speech {pos!r} of user word {entry!r} must be a non-empty word")
    return Entry(parts, pos)


class Lexicon:
    """A set of entries, keyed by their normalised joined text (a later entry with the same
    text replaces the earlier one: `add("中将")` after `add("中 将")` undoes the split)."""

    def __init__(self, entries: Iterable[str | Entry] = (), *, max_chars: int = MAX_ENTRY_CHARS) -> None:
        self.max_chars = max_chars
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._snapshot: _Snapshot = _Snapshot.build({})
        self.update(entries)

    # ----------------------------------------------------------------- editing
    def add(self, entry: str, pos: str | None = None) -> None:
        """Add a user word (or a forced split, if it holds whitespace)."""
        self.update([parse_entry(entry, pos, max_chars=self.max_chars)])

    def update(self, entries: Iterable[str | Entry]) -> None:
        """Add many entries (strings are parsed, later ones win on equal text); the lookup
        structure is rebuilt once, not once per entry."""
        parsed = [e if isinstance(e, Entry) else parse_entry(e, max_chars=self.max_chars) for e in entries]
        with self._lock:
            for e in parsed:
                self._entries[normalise(e.key)] = e
            self._publish()

    def remove(self, entry: str) -> bool:
        """Remove the entry with this text (whitespace ignored); False if there was none."""
        return self.remove_many([entry]) == 1

    def remove_many(self, entries: Iterable[str]) -> int:
        """Remove the entries with these texts; how many there were (the structure is rebuilt once)."""
        keys = [normalise(parse_entry(e, max_chars=self.max_chars).key) for e in entries]
        with self._lock:
            found = sum(self._entries.pop(k, None) is not None for k in keys)
            if found:
                self._publish()
        return found

    def _publish(self) -> None:
        self._snapshot = _Snapshot.build(dict(self._entries))

    # ----------------------------------------------------------------- reading
    @property
    def snapshot(self) -> object:
        """The entries as published: a new object after every change (a key for caches of them)."""
        return self._snapshot

    def __len__(self) -> int:
        return len(self._snapshot.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._snapshot.entries.values()))

    def __contains__(self, entry: object) -> bool:
        return isinstance(entry, str) and normalise("".join(entry.split())) in self._snapshot.entries

    def overlay(self, extra: Iterable[str | Entry]) -> Overlay:
        """This dictionary with `extra` laid over it for one call (`extra` wins on equal text):
        costs the size of `extra`, not of this dictionary; later edits of this one do not show."""
        parsed = {}
        for e in extra:
            entry = e if isinstance(e, Entry) else parse_entry(e, max_chars=self.max_chars)
            parsed[normalise(entry.key)] = entry
        return Overlay(self._snapshot, _Snapshot.build(parsed))

    def matches(self, norm: str) -> list[tuple[int, Entry]]:
        """(start offset, entry) of the leftmost-longest matches in normalised text `norm`."""
        return self._snapshot.matches(norm)

    def constraints(self, norm: str, starts: Sequence[int],
                    ends: Sequence[int]) -> tuple[np.ndarray | None, dict[int, str]]:
        """Viterbi constraints of this dictionary's matches in `norm` (see `_constraints`)."""
        return _constraints(self.matches(norm), starts, ends)


def _constraints(found: list[tuple[int, Entry]], starts: Sequence[int],
                 ends: Sequence[int]) -> tuple[np.ndarray | None, dict[int, str]]:
    """Viterbi constraints for a text whose units cover `[starts[i], ends[i])` of `norm`.

    Returns an additive (n_units, 4) BMES mask (or None when nothing matched) and, for
    entries with a part of speech, {index of the part's last unit: pos}. A match whose part
    boundaries fall inside a unit (a user word inside a number or a Latin word) is skipped.
    """
    if not found:
        return None, {}
    unit_at_start = {s: i for i, s in enumerate(starts)}
    unit_at_end = {e: i for i, e in enumerate(ends)}
    mask: np.ndarray | None = None
    pos: dict[int, str] = {}
    for offset, entry in found:
        spans = []
        p = offset
        for part in entry.parts:
            a, b = unit_at_start.get(p), unit_at_end.get(p + len(part))
            if a is None or b is None:
                break
            spans.append((a, b))
            p += len(part)
        else:
            if mask is None:
                mask = np.zeros((len(starts), N_TAGS), dtype=np.float32)
            for a, b in spans:
                allowed = [(a, S)] if a == b else [(a, B), *((i, M) for i in range(a + 1, b)), (b, E)]
                for i, t in allowed:
                    mask[i] = NEG
                    mask[i, t] = 0.0
                if entry.pos is not None:
                    pos[b] = entry.pos
    return mask, pos


class Overlay:
    """A dictionary and a call's own entries over it (`Lexicon.overlay`), read like a `Lexicon`."""

    def __init__(self, base: _Snapshot, top: _Snapshot) -> None:
        self._base, self._top = base, top
        lengths = {c: tuple(sorted({*base.lengths.get(c, ()), *ls}, reverse=True)) for c, ls in top.lengths.items()}
        self._lengths = _Layered(lengths, base.lengths)
        self._entries = _Layered(top.entries, base.entries)
        self._n = len(base.entries) + sum(k not in base.entries for k in top.entries)

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[Entry]:
        return iter({**self._base.entries, **self._top.entries}.values())

    def matches(self, norm: str) -> list[tuple[int, Entry]]:
        return _leftmost_longest(norm, self._lengths, self._entries)

    def constraints(self, norm: str, starts: Sequence[int],
                    ends: Sequence[int]) -> tuple[np.ndarray | None, dict[int, str]]:
        return _constraints(self.matches(norm), starts, ends)


class _Layered(Mapping[str, V]):
    """Two mappings read as one, `top` first: a view, nothing is copied."""

    def __init__(self, top: Mapping[str, V], base: Mapping[str, V]) -> None:
        self.top, self.base = top, base

    def __getitem__(self, key: str) -> V:
        return self.top[key] if key in self.top else self.base[key]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.top.get(key)
        return value if value is not None else self.base.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter({**self.base, **self.top})

    def __len__(self) -> int:
        return len({**self.base, **self.top})


@dataclass(frozen=True)
class _Snapshot:
    entries: MappingProxyType[str, Entry]
    lengths: MappingProxyType[str, tuple[int, ...]]  # first character -> entry lengths, longest first

    @classmethod
    def build(cls, entries: dict[str, Entry]) -> _Snapshot:
        by_first: dict[str, set[int]] = {}
        for key in entries:
            by_first.setdefault(key[0], set()).add(len(key))
        return cls(MappingProxyType(entries),
                   MappingProxyType({c: tuple(sorted(ls, reverse=True)) for c, ls in by_first.items()}))

    def matches(self, norm: str) -> list[tuple[int, Entry]]:
        if not self.entries:
            return []
        return _leftmost_longest(norm, self.lengths, self.entries)


def _leftmost_longest(norm: str, lengths: Mapping[str, tuple[int, ...]],
                      entries: Mapping[str, Entry]) -> list[tuple[int, Entry]]:
    """(offset, entry) of the leftmost-longest matches of `entries` in `norm`; `lengths` gives
    the entry lengths by first character, longest first."""
    out = []
    i, n = 0, len(norm)
    while i < n:
        for length in lengths.get(norm[i], ()):
            entry = entries.get(norm[i:i + length])
            if entry is not None:
                out.append((i, entry))
                i += length
                break
        else:
            i += 1
    return out


_FREQUENCY = re.compile(r"[0-9]+(\.[0-9]+)?")


def read_user_dict(path: str | Path, *, max_chars: int = MAX_ENTRY_CHARS) -> list[Entry]:
    """Entries of a user dictionary file: UTF-8, one entry a line, `#` starts a comment.

    A line is `WORD`, or `WORD POS` / `WORD<TAB>POS` where POS is a tag of ASCII letters
    (`n`, `nz`, `vn`...). jieba's format `WORD FREQ [POS]` is read as such: a number after a
    single word is its frequency, which is ignored (the model has no word frequencies). Any other
    whitespace inside a line makes it a forced split (`中 将`); a forced split followed by a
    number (`中 将 5`) is ambiguous and an error. `#` at the start of a line or after whitespace
    starts a comment. Errors name the file and line."""
    return parse_user_dict(utf8_lines(Path(path)), str(path), max_chars=max_chars)


def parse_user_dict(lines: Iterable[tuple[int, str]], source: str, *,
                    max_chars: int = MAX_ENTRY_CHARS) -> list[Entry]:
    """Entries of numbered dictionary lines (`read_user_dict`'s rules); errors name `source` and the line."""
    out = []
    for no, line in lines:
        line = _COMMENT.sub("", line).strip()
        if not line:
            continue
        fields = line.split()
        pos = None
        if len(fields) > 1 and fields[-1].isascii() and fields[-1].isalpha():
            pos = fields.pop()
        if len(fields) > 1 and _FREQUENCY.fullmatch(fields[-1]):
            if len(fields) > 2:
                raise CorpusError(source, no, f"{line!r} is ambiguous: a forced split ends in a number, which "
                                  "jieba's format reads as a frequency; write 'WORD FREQ [POS]' or the split alone")
            fields.pop()  # jieba's frequency
        try:
            out.append(parse_entry(" ".join(fields), pos, max_chars=max_chars))
        except InvalidInputError as e:
            raise CorpusError(source, no, str(e)) from e
    return out
