"""jieba's Whoosh analyzer over the model: `ChineseAnalyzer()` indexes Chinese text for a Whoosh
search engine, with search-mode words (`tokenize(mode="search")`: every word of `cut` and the
dictionary words nested in it), lower-cased, English stop words and 的/了/和 removed, English
words stemmed, as jieba 0.42.1's `jieba.analyse.analyzer` does. Needs Whoosh (the `whoosh` extra:
`whoosh-reloaded`, the maintained release of the `whoosh` package); importing this module without
it is a `SegmenterError` saying how to install it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from segmenter.errors import missing_extra

try:
    from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
    from whoosh.lang.porter import stem
except ImportError as e:
    raise missing_extra("ChineseAnalyzer", "whoosh", e) from e

STOP_WORDS = frozenset(("a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if",
                        "in", "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to",
                        "us", "we", "when", "will", "with", "yet", "you", "your", "的", "了", "和"))
_ACCEPTED = re.compile(r"[\u4E00-\u9FD5]+")  # jieba's: a one-character token outside it is dropped


class ChineseTokenizer(Tokenizer):  # type: ignore[misc]
    """A Whoosh `Tokenizer` yielding the search-mode words of the text with their offsets (a
    module-level class: Whoosh pickles an index's schema with its analyzer)."""

    def __call__(self, text: str, **kwargs: Any) -> Iterator[Any]:
        from segmenter.compat.jieba import tokenize

        token = Token(**kwargs)
        for word, start, end in tokenize(text, mode="search"):
            if not _ACCEPTED.match(word) and len(word) <= 1:
                continue
            token.original = token.text = word
            token.pos, token.startchar, token.endchar = start, start, end
            yield token


def ChineseAnalyzer(stoplist: frozenset[str] = STOP_WORDS, minsize: int = 1, stemfn: Any = stem,
                    cachesize: int = 50000) -> Any:
    """jieba's analyzer: search-mode words | lower case | stop words | Porter stemming."""
    return (ChineseTokenizer() | LowercaseFilter() | StopFilter(stoplist=stoplist, minsize=minsize)
            | StemFilter(stemfn=stemfn, ignore=None, cachesize=cachesize))
