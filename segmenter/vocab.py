"""Character (unit) and unit-bigram vocabularies, JSON in and out."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from segmenter.text import ENG, NUM, URL

PAD = "<PAD>"
UNK = "<UNK>"
BOS = "<S>"
EOS = "</S>"
_SEP = "\x1f"  # joins the two keys of a bigram; never a unit key itself (it is whitespace)
_RESERVED = (PAD, UNK)
_SYMBOLS = (NUM, ENG, URL)


def bigram_key(a: str, b: str) -> str:
    return a + _SEP + b


@dataclass
class Vocab:
    """Index 0 is padding and 1 the unknown entry in both tables."""

    chars: list[str]
    bigrams: list[str]

    def __post_init__(self) -> None:
        self.char_index = {c: i for i, c in enumerate(self.chars)}
        self.bigram_index = {b: i for i, b in enumerate(self.bigrams)}

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_char: int = 2, min_bigram: int = 2) -> Vocab:
        """From unit-key sequences: keys and bigrams seen at least `min_*` times.

        Rarer ones map to `<UNK>` in training too, so the unknown entry is learned.
        """
        cc: Counter[str] = Counter()
        bc: Counter[str] = Counter()
        for keys in sentences:
            cc.update(keys)
            padded = [BOS, *keys, EOS]
            bc.update(bigram_key(a, b) for a, b in zip(padded, padded[1:]))
        chars = [*_RESERVED, *_SYMBOLS]
        chars += sorted(k for k, n in cc.items() if n >= min_char and k not in chars)
        bigrams = [*_RESERVED]
        bigrams += sorted(k for k, n in bc.items() if n >= min_bigram)
        return cls(chars, bigrams)

    def encode(self, keys: Sequence[str]) -> tuple[list[int], list[int]]:
        """(unit ids, bigram ids); bigram id `j` is of keys `j-1, j` with `<S>`/`</S>` at the
        ends, so there are `len(keys) + 1` of them: unit `i` has left bigram `i`, right `i+1`."""
        ci = self.char_index
        bi = self.bigram_index
        chars = [ci.get(k, 1) for k in keys]
        padded = [BOS, *keys, EOS]
        bigrams = [bi.get(a + _SEP + b, 1) for a, b in zip(padded, padded[1:])]
        return chars, bigrams

    def to_json(self) -> dict[str, list[str]]:
        return {"chars": self.chars, "bigrams": self.bigrams}

    @classmethod
    def from_json(cls, d: dict[str, list[str]]) -> Vocab:
        return cls(list(d["chars"]), list(d["bigrams"]))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Vocab:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
