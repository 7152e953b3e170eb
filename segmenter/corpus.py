"""Readers for the corpus formats in `../shared/data`, and the development split.

Two formats:
- `seg`: one sentence a line, words separated by any run of whitespace (spaces, U+3000);
  CRLF tolerated, blank lines skipped.
- `pfr`: the People's Daily format: a leading ID token (`19980101-01-001-001/m`), tokens
  `word/TAG`, bracketed named entities `[中央/n 人民/n]nt` (the inner words are kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from segmenter.errors import CorpusError, InvalidInputError

DEV_FRACTION = 0.1  # the share of a corpus held out as its development set when it has none
_PFR_ID = re.compile(r"^\d{8}-\d{2}-\d{3}-\d{3}/m$")


class CorpusFormat(str, Enum):
    AUTO = "auto"
    SEG = "seg"
    PFR = "pfr"


@dataclass(frozen=True)
class Sentence:
    """One gold sentence: its words and, for tagged corpora, one POS tag per word."""

    words: list[str]
    pos: list[str] | None = None

    @property
    def text(self) -> str:
        return "".join(self.words)


def utf8_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, decoded line without its line end); errors name the file and line."""
    try:
        fh = path.open("rb")
    except OSError as e:
        raise CorpusError(str(path), None, f"cannot open: {e.strerror or e}") from e
    with fh:
        for no, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise CorpusError(str(path), no, f"not valid UTF-8 ({e.reason} at byte {e.start})") from e
            if no == 1:
                line = line.lstrip("\ufeff")
            yield no, line.rstrip("\r\n")


def _detect(path: Path) -> CorpusFormat:
    for _, line in utf8_lines(path):
        first = line.split(maxsplit=1)
        if first:
            return CorpusFormat.PFR if _PFR_ID.match(first[0]) else CorpusFormat.SEG
    return CorpusFormat.SEG


def _parse_pfr(path: Path, no: int, tokens: Sequence[str]) -> Sentence:
    words: list[str] = []
    pos: list[str] = []
    for tok in tokens:
        if tok.startswith("[") and len(tok) > 1:
            tok = tok[1:]
        word, slash, tag = tok.rpartition("/")
        if not slash or not word or not tag:
            raise CorpusError(str(path), no, f"token {tok!r} is not of the form word/TAG")
        tag = tag.split("]", 1)[0]
        words.append(word)
        pos.append(tag)
    return Sentence(words, pos)


def read_corpus(path: str | Path, fmt: CorpusFormat | str = CorpusFormat.AUTO) -> list[Sentence]:
    """All non-blank sentences of a corpus file."""
    path = Path(path)
    fmt = CorpusFormat(fmt)
    if not path.is_file():
        raise CorpusError(str(path), None, "no such file")
    if fmt is CorpusFormat.AUTO:
        fmt = _detect(path)
    out: list[Sentence] = []
    for no, line in utf8_lines(path):
        tokens = line.split()
        if fmt is CorpusFormat.PFR and tokens and _PFR_ID.match(tokens[0]):
            tokens = tokens[1:]
        if not tokens:
            continue
        out.append(_parse_pfr(path, no, tokens) if fmt is CorpusFormat.PFR else Sentence(tokens))
    if not out:
        raise CorpusError(str(path), None, "holds no sentences")
    return out


def read_articles(path: str | Path) -> list[list[Sentence]]:
    """The sentences of a PFR-format file grouped into articles (blank lines separate them)."""
    path = Path(path)
    articles: list[list[Sentence]] = [[]]
    for no, line in utf8_lines(path):
        tokens = line.split()
        if tokens and _PFR_ID.match(tokens[0]):
            tokens = tokens[1:]
        if not line.strip():
            if articles[-1]:
                articles.append([])
        elif tokens:
            articles[-1].append(_parse_pfr(path, no, tokens))
    return [a for a in articles if a]


def split_dev(sentences: Sequence[Sentence], fraction: float = DEV_FRACTION) -> tuple[list[Sentence], list[Sentence]]:
    """(train, dev): the last `fraction` of the sentences, by order, is the development set."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"dev fraction must be in (0, 1), got {fraction}")
    cut = len(sentences) - max(1, int(round(len(sentences) * fraction)))
    return list(sentences[:cut]), list(sentences[cut:])


def training_sentences(paths: Sequence[str | Path], hold_out: Sequence[str | Path] = (),
                       fraction: float = DEV_FRACTION) -> list[Sentence]:
    """The sentences of every corpus of `paths`; of a file also in `hold_out` (a corpus whose
    development set is its last `fraction`, see `split_dev`) only its training part. Files are
    compared as resolved paths; a `hold_out` file that is not among `paths` is an error (it
    would otherwise leave a development set in the training text unnoticed)."""
    held = {Path(p).resolve() for p in hold_out}
    unknown = held - {Path(p).resolve() for p in paths}
    if unknown:
        raise InvalidInputError(f"--hold-out names a file that is not read: {', '.join(sorted(map(str, unknown)))}")
    out: list[Sentence] = []
    for path in paths:
        sents = read_corpus(path)
        out += split_dev(sents, fraction)[0] if Path(path).resolve() in held else sents
    return out


def pfr_line(sent: Sentence) -> str | None:
    """A tagged sentence as a line of the PFR format (`word/POS ...`), or None when
    `read_corpus` would read the line back differently (a word beginning with `[` reads as an
    entity bracket; a first token shaped like a PFR sentence ID is dropped as one)."""
    if sent.pos is None:
        raise ValueError("a PFR line needs parts of speech")
    tokens = [f"{w}/{p}" for w, p in zip(sent.words, sent.pos)]
    if any(w.startswith("[") for w in sent.words) or (tokens and _PFR_ID.match(tokens[0])):
        return None
    return " ".join(tokens)


def read_word_list(path: str | Path) -> set[str]:
    """A training word list (one word a line; anything after whitespace is ignored)."""
    words = set()
    for _, line in utf8_lines(Path(path)):
        parts = line.split()
        if parts:
            words.add(parts[0])
    return words
