"""jieba.analyse over the model: TF-IDF (`extract_tags`) and TextRank (`textrank`) keywords, with
IDF weights and stop words computed from our corpora (`bench/keyword_stats.py`).

    import segmenter.compat.jieba.analyse as analyse
    analyse.extract_tags(text, topK=5, withWeight=True)
    analyse.textrank(text, topK=5, allowPOS=("ns", "n"))

    analyse.ChineseAnalyzer()   # a Whoosh analyzer (the `whoosh` extra), search-mode words
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from segmenter.compat.jieba.analyse.textrank import TextRank, UndirectWeightedGraph
from segmenter.compat.jieba.analyse.tfidf import DEFAULT_IDF, TFIDF, IDFLoader, KeywordExtractor

__all__ = ["DEFAULT_IDF", "ChineseAnalyzer", "IDFLoader", "KeywordExtractor", "TFIDF", "TextRank",
           "UndirectWeightedGraph", "default_textrank", "default_tfidf", "extract_tags", "set_idf_path",
           "set_stop_words", "textrank", "tfidf"]

default_tfidf = TFIDF()
default_textrank = TextRank()

extract_tags = tfidf = default_tfidf.extract_tags
set_idf_path = default_tfidf.set_idf_path
textrank = default_textrank.extract_tags


def ChineseAnalyzer(*args: Any, **kwargs: Any) -> Any:
    """jieba's Whoosh analyzer (`analyzer.ChineseAnalyzer`; imports Whoosh, the `whoosh` extra,
    only when called)."""
    from segmenter.compat.jieba.analyse.analyzer import ChineseAnalyzer as make

    return make(*args, **kwargs)


def set_stop_words(stop_words_path: str | Path) -> None:
    """Add a file's words (one a line) to the stop words of both extractors."""
    default_tfidf.set_stop_words(stop_words_path)
    default_textrank.set_stop_words(stop_words_path)
