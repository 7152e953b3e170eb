"""jieba's verbs, backed by a `Segmenter`: `import segmenter.compat.jieba as jieba` is the migration.

    import segmenter.compat.jieba as jieba
    jieba.lcut("我爱北京天安门")            # ['我', '爱', '北京', '天安门']
    for word in jieba.cut(text): ...        # a generator, as jieba's
    jieba.tokenize(text)                    # (word, start, end) tuples
    jieba.load_userdict("user.txt")         # jieba's format: word [freq] [tag]
    jieba.add_word("张小凡", tag="nr"); jieba.del_word("张小凡")
    jieba.posseg.lcut(text)                 # pair(word, flag), PKU tags (the model's)

Like jieba, the module-level verbs use one default tokenizer, created on first use from the
default model (`Tokenizer()` makes an independent one, e.g. `Tokenizer("ctb6")`). What differs:
- words come from the neural model, so they follow its standard (PKU by default), not jieba's
  dictionary; `HMM` is accepted and ignored;
- `cut_all=True` (jieba's full mode, every dictionary word) and `cut_for_search` have no
  counterpart: they raise `NotImplementedError` rather than return something else;
- a frequency in a user dictionary or `add_word(freq=...)` is accepted and ignored, except that a
  frequency of 0 removes the word, as `del_word` does in jieba; `suggest_freq` is a no-op that
  returns the frequency it was given (the model has no frequencies to tune).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from segmenter.errors import InvalidInputError
from segmenter.lexicon import parse_user_dict, read_user_dict
from segmenter.segmenter import Segmenter

__all__ = ["Tokenizer", "add_word", "cut", "cut_for_search", "del_word", "initialize", "lcut", "lcut_for_search",
           "load_userdict", "posseg", "setLogLevel", "suggest_freq", "tokenize"]


class Tokenizer:
    """jieba.Tokenizer's verbs over one `Segmenter` (loaded on first use)."""

    def __init__(self, model: str | Path | None = None, **load_options: Any) -> None:
        self._model = model
        self._options = load_options
        self._seg: Segmenter | None = None
        self._lock = threading.Lock()

    @property
    def segmenter(self) -> Segmenter:
        with self._lock:
            if self._seg is None:
                self._seg = Segmenter.load(self._model, **self._options)
            return self._seg

    def initialize(self, dictionary: Any = None) -> None:
        """Load the model now (jieba builds its prefix dictionary here)."""
        _ = self.segmenter

    def cut(self, sentence: str | bytes, cut_all: bool = False, HMM: bool = True,
            use_paddle: bool = False) -> Iterator[str]:
        """The words of `sentence`, as a generator (whitespace runs come out as words, as in jieba)."""
        if cut_all:
            raise NotImplementedError("cut_all (jieba's full mode) has no counterpart in a neural segmenter")
        text = _text(sentence)
        yield from (t.text for t in _with_spaces(text, self.segmenter.tokenize(text)))

    def lcut(self, sentence: str | bytes, cut_all: bool = False, HMM: bool = True) -> list[str]:
        return list(self.cut(sentence, cut_all, HMM))

    def cut_for_search(self, sentence: str | bytes, HMM: bool = True) -> Iterator[str]:
        raise NotImplementedError("cut_for_search needs jieba's word-frequency dictionary; use cut")

    def lcut_for_search(self, sentence: str | bytes, HMM: bool = True) -> list[str]:
        return list(self.cut_for_search(sentence, HMM))

    def tokenize(self, unicode_sentence: str, mode: str = "default",
                 HMM: bool = True) -> Iterator[tuple[str, int, int]]:
        """(word, start, end) of every word, whitespace included, as jieba's `tokenize`."""
        if mode != "default":
            raise NotImplementedError("tokenize(mode='search') needs jieba's dictionary; use mode='default'")
        if not isinstance(unicode_sentence, str):
            raise InvalidInputError("jieba: the parameter should be unicode (a str)")
        for t in _with_spaces(unicode_sentence, self.segmenter.tokenize(unicode_sentence)):
            yield t.text, t.start, t.end

    def load_userdict(self, f: str | Path | IO[Any]) -> None:
        """Add the words of a user dictionary in jieba's format (`word [freq] [tag]` a line): a
        path or an open file (text or bytes)."""
        if isinstance(f, (str, Path)):
            entries = read_user_dict(f, max_chars=self.segmenter.lexicon.max_chars)
        else:
            data = f.read()
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            entries = parse_user_dict(enumerate(text.splitlines(), 1), str(getattr(f, "name", "<file>")),
                                      max_chars=self.segmenter.lexicon.max_chars)
        self.segmenter.lexicon.update(entries)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        """Make `word` one token (with `tag` as its part of speech); `freq=0` removes it, as in jieba."""
        if freq is not None and int(freq) == 0:
            self.del_word(word)
            return
        if any(c.isspace() for c in word):
            raise InvalidInputError(f"jieba words cannot contain whitespace: {word!r}")
        self.segmenter.lexicon.add(word, tag)

    def del_word(self, word: str) -> None:
        """Forget a user word (no effect if it is not one)."""
        self.segmenter.remove_word(word)

    def suggest_freq(self, segment: str | tuple[str, ...], tune: bool = False) -> int:
        """jieba tunes word frequencies here; with `tune=True` the segment becomes a user entry
        (a word, or a forced split for a tuple), which is what tuning aims at. Returns 0."""
        if tune:
            self.segmenter.lexicon.add(" ".join(segment) if isinstance(segment, tuple) else segment)
        return 0


class pair(NamedTuple):
    word: str
    flag: str


class _Posseg:
    """jieba.posseg's `cut`/`lcut`: (word, flag) pairs, flags from the model's PKU tag set."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer

    def cut(self, sentence: str | bytes, HMM: bool = True, use_paddle: bool = False) -> Iterator[pair]:
        text = _text(sentence)
        toks = self.tokenizer.segmenter.tokenize(text, pos=True)
        for t in _with_spaces(text, toks):
            yield pair(t.text, t.pos or "x")

    def lcut(self, sentence: str | bytes, HMM: bool = True) -> list[pair]:
        return list(self.cut(sentence, HMM))


class _Token(NamedTuple):
    text: str
    start: int
    end: int
    pos: str | None


def _with_spaces(text: str, tokens: list[Any]) -> list[_Token]:
    """The tokens with the whitespace between them as tokens of their own (jieba keeps it)."""
    out: list[_Token] = []
    at = 0
    for t in tokens:
        if t.start > at:
            out.append(_Token(text[at:t.start], at, t.start, "x"))
        out.append(_Token(t.text, t.start, t.end, getattr(t, "pos", None)))
        at = t.end
    if at < len(text):
        out.append(_Token(text[at:], at, len(text), "x"))
    return out


def _text(sentence: str | bytes) -> str:
    if isinstance(sentence, bytes):
        try:
            return sentence.decode("utf-8")
        except UnicodeDecodeError:
            return sentence.decode("gbk", "replace")
    if not isinstance(sentence, str):
        raise InvalidInputError(f"jieba: a sentence must be str or bytes, got {type(sentence).__name__}")
    return sentence


dt = Tokenizer()  # jieba's default tokenizer: loads the default model on first use
posseg = _Posseg(dt)
cut = dt.cut
lcut = dt.lcut
cut_for_search = dt.cut_for_search
lcut_for_search = dt.lcut_for_search
tokenize = dt.tokenize
load_userdict = dt.load_userdict
add_word = dt.add_word
del_word = dt.del_word
suggest_freq = dt.suggest_freq
initialize = dt.initialize


def setLogLevel(level: int) -> None:
    """Accepted for compatibility; the library logs through `logging.getLogger("segmenter")`."""


