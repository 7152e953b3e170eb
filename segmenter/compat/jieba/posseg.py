"""jieba.posseg over the model: `pair(word, flag)` with the model's part of speech (PKU tags, close
to jieba's: `n`, `v`, `ns`, `nr`...; `x` for whitespace, as jieba), printed `word/flag`.

    import segmenter.compat.jieba.posseg as pseg
    for w in pseg.cut("我爱北京天安门"): print(w)        # 我/r 爱/v 北京/ns 天安门/ns
    for word, flag in pseg.cut(text): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import segmenter.compat.jieba as jieba
from segmenter.compat.jieba import _text

__all__ = ["POSTokenizer", "cut", "dt", "initialize", "lcut", "pair"]


class pair:
    """A word and its flag: `str(p)` is `word/flag`; unpacks as `word, flag`, as jieba's."""

    __slots__ = ("flag", "word")

    def __init__(self, word: str, flag: str) -> None:
        self.word = word
        self.flag = flag

    def __str__(self) -> str:
        return f"{self.word}/{self.flag}"

    def __repr__(self) -> str:
        return f"pair({self.word!r}, {self.flag!r})"

    def __iter__(self) -> Iterator[str]:
        return iter((self.word, self.flag))

    def __lt__(self, other: pair) -> bool:
        return self.word < other.word

    def __eq__(self, other: object) -> bool:
        return isinstance(other, pair) and (self.word, self.flag) == (other.word, other.flag)

    def __hash__(self) -> int:
        return hash(self.word)

    def encode(self, encoding: str) -> bytes:
        return str(self).encode(encoding)


class POSTokenizer:
    """jieba.posseg.POSTokenizer over a `jieba.Tokenizer` (default: a new one on the default
    model); other attributes are the tokenizer's, as in jieba."""

    def __init__(self, tokenizer: jieba.Tokenizer | None = None) -> None:
        self.tokenizer = tokenizer or jieba.Tokenizer()

    def __repr__(self) -> str:
        return f"<POSTokenizer tokenizer={self.tokenizer!r}>"

    def __getattr__(self, name: str) -> Any:
        if name in ("cut_for_search", "lcut_for_search", "tokenize"):
            raise NotImplementedError(f"jieba's POSTokenizer has no {name}")
        return getattr(self.tokenizer, name)

    def initialize(self, dictionary: str | None = None) -> None:
        self.tokenizer.initialize(dictionary)

    def cut(self, sentence: str | bytes, HMM: bool = True) -> Iterator[pair]:
        """The words of `sentence` with their parts of speech (a user word's tag, else the model's)."""
        for t in self.tokenizer._tokens(_text(sentence), pos=True):
            yield pair(t.text, t.pos or "x")

    def lcut(self, sentence: str | bytes, HMM: bool = True) -> list[pair]:
        return list(self.cut(sentence, HMM))


dt = POSTokenizer(jieba.dt)
initialize = dt.initialize


def cut(sentence: str | bytes, HMM: bool = True, use_paddle: bool = False) -> Iterator[pair]:
    """`dt.cut` (line by line over threads after `jieba.enable_parallel`)."""
    return dt.cut(sentence, HMM)


def lcut(sentence: str | bytes, HMM: bool = True, use_paddle: bool = False) -> list[pair]:
    return dt.lcut(sentence, HMM)
