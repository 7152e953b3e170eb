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
from segmenter.compat.jieba import _text, enable_paddle, setLogLevel

__all__ = ["POSTokenizer", "cut", "dt", "enable_paddle", "initialize", "lcut", "load_model", "pair", "setLogLevel",
           "viterbi"]

MIN_FLOAT = -3.14e100  # jieba's log probability of an unseen emission


def viterbi(obs: Any, states: dict[Any, Any], start_p: dict[Any, float], trans_p: dict[Any, dict[Any, float]],
            emit_p: dict[Any, dict[Any, float]]) -> tuple[float, list[Any]]:
    """jieba's HMM Viterbi, a general function of its tables (log probabilities): the best state
    path of the observations `obs` and its log probability. `states` maps an observation to the
    states it may take (all states otherwise); a state reachable from no previous one falls back
    to the reachable ones, as jieba's does. The model does not use it: it is here for code that
    calls jieba's with its own tables."""
    every = list(trans_p)
    score = {y: start_p[y] + emit_p[y].get(obs[0], MIN_FLOAT) for y in states.get(obs[0], every)}
    back: list[dict[Any, Any]] = [{y: "" for y in score}]
    for t in range(1, len(obs)):
        prev = [x for x in back[-1] if trans_p[x]]
        expect = {y for x in prev for y in trans_p[x]}
        now = set(states.get(obs[t], every)) & expect or expect or set(every)
        step, nxt = {}, {}
        for y in now:
            best, arg = max((score[x] + trans_p[x].get(y, float("-inf")) + emit_p[y].get(obs[t], MIN_FLOAT), x)
                            for x in prev)
            nxt[y], step[y] = best, arg
        score = nxt
        back.append(step)
    prob, state = max((p, y) for y, p in score.items())
    route: list[Any] = [None] * len(obs)
    for t in range(len(obs) - 1, -1, -1):
        route[t] = state
        state = back[t][state]
    return prob, route


def load_model() -> Any:
    """jieba's HMM part-of-speech tables: not part of segmenter (the model replaces them, and
    jieba's files are not shipped). Raises NotImplementedError saying so."""
    raise NotImplementedError("jieba's HMM tables are not part of segmenter: its model tags parts of speech "
                              "(posseg.cut); posseg.viterbi takes tables of your own")


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
