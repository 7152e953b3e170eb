"""TF-IDF keywords (jieba.analyse.TFIDF) with IDF weights and stop words computed from our corpora
(`bench/keyword_stats.py`; NOTICE states their terms)."""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path
from typing import Any

import segmenter.compat.jieba as jieba
from segmenter.compat.jieba import posseg
from segmenter.errors import InvalidInputError
from segmenter.text import normalise

_HERE = resources.files(__package__)
DEFAULT_IDF = str(_HERE / "idf.txt.gz")
DEFAULT_STOP_WORDS = str(_HERE / "stop_words.txt")


def _read_text(path: str | Path) -> str:
    """A UTF-8 file (gzip-compressed when its name ends in .gz), a leading BOM removed."""
    path = Path(path).absolute()
    if not path.is_file():
        raise InvalidInputError(f"jieba: file does not exist: {path}")
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8").lstrip("\ufeff")


def _stop_words(path: str | Path) -> set[str]:
    return {line.strip() for line in _read_text(path).splitlines() if line.strip()}


class KeywordExtractor:
    """What TF-IDF and TextRank share: the stop words (ours, `stop_words.txt`)."""

    STOP_WORDS: frozenset[str] = frozenset()  # filled from the shipped list below

    def __init__(self) -> None:
        self.stop_words = set(self.STOP_WORDS)

    def set_stop_words(self, stop_words_path: str | Path) -> None:
        """Add the words of a file (one a line) to the stop words, as jieba does."""
        self.stop_words |= _stop_words(stop_words_path)

    def _skip(self, word: str) -> bool:
        """jieba's filter: words under two characters (after stripping) and stop words."""
        return len(word.strip()) < 2 or word.lower() in self.stop_words or normalise(word) in self.stop_words


KeywordExtractor.STOP_WORDS = frozenset(_stop_words(DEFAULT_STOP_WORDS))


class IDFLoader:
    """`word idf` lines (jieba's format; .gz read too) and their median (the IDF of unseen words)."""

    def __init__(self, idf_path: str | Path | None = None) -> None:
        self.path = ""
        self.idf_freq: dict[str, float] = {}
        self.median_idf = 0.0
        if idf_path:
            self.set_new_path(idf_path)

    def set_new_path(self, new_idf_path: str | Path) -> None:
        if self.path == str(new_idf_path):
            return
        idf: dict[str, float] = {}
        for no, line in enumerate(_read_text(new_idf_path).splitlines(), 1):
            fields = line.strip().split(" ")
            if len(fields) != 2:
                raise InvalidInputError(f"{new_idf_path}:{no}: an IDF line is 'word idf', got {line!r}")
            idf[fields[0]] = float(fields[1])
        self.path = str(new_idf_path)
        self.idf_freq = idf
        self.median_idf = sorted(idf.values())[len(idf) // 2] if idf else 0.0

    def get_idf(self) -> tuple[dict[str, float], float]:
        return self.idf_freq, self.median_idf


class TFIDF(KeywordExtractor):
    """jieba.analyse.TFIDF: a word's weight is its count in the text over the text's word count,
    times its IDF (the median IDF for a word the table lacks)."""

    def __init__(self, idf_path: str | Path | None = None) -> None:
        super().__init__()
        self.tokenizer = jieba.dt
        self.postokenizer = posseg.dt
        self.idf_loader = IDFLoader(idf_path or DEFAULT_IDF)
        self.idf_freq, self.median_idf = self.idf_loader.get_idf()

    def set_idf_path(self, idf_path: str | Path) -> None:
        self.idf_loader.set_new_path(idf_path)
        self.idf_freq, self.median_idf = self.idf_loader.get_idf()

    def idf(self, word: str) -> float:
        """The IDF of `word` (looked up as the model sees it: Simplified, half-width)."""
        found = self.idf_freq.get(word)
        if found is None:
            found = self.idf_freq.get(normalise(word), self.median_idf)
        return found

    def extract_tags(self, sentence: str | bytes, topK: int | None = 20, withWeight: bool = False,
                     allowPOS: Any = (), withFlag: bool = False) -> list[Any]:
        """The `topK` words of highest TF-IDF (all with `topK` None or 0), best first: words, or
        (word, weight) with `withWeight`; `allowPOS`: only words of these parts of speech (PKU
        tags), as `posseg.pair`s with `withFlag`."""
        freq: dict[Any, float] = {}
        if allowPOS:
            allowed = frozenset(allowPOS)
            for p in self.postokenizer.cut(sentence):
                if p.flag in allowed and not self._skip(p.word):
                    key = p if withFlag else p.word
                    freq[key] = freq.get(key, 0.0) + 1.0
        else:
            for w in self.tokenizer.cut(sentence):
                if not self._skip(w):
                    freq[w] = freq.get(w, 0.0) + 1.0
        total = sum(freq.values())
        weights = {k: n * self.idf(k.word if isinstance(k, posseg.pair) else k) / total for k, n in freq.items()}
        return _top(weights, topK, withWeight)


def _top(weights: dict[Any, float], topK: int | None, withWeight: bool) -> list[Any]:
    """The keys by weight, best first (ties in order of first occurrence, as jieba's stable sort)."""
    ranked = sorted(weights.items(), key=lambda kv: kv[1], reverse=True)
    out = ranked if withWeight else [k for k, _ in ranked]
    return out[:topK] if topK else out
