"""The spaCy door (`pip install 'segmenter-cws[spacy]'`): a tokenizer registered through the
`spacy_tokenizers` entry point as `segmenter.ChineseTokenizer.v1`.

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "segmenter.ChineseTokenizer.v1",
                                                          "pos": True}}})

Settings: `model` (a name or a model directory, as `Segmenter.load`), `standard`, `pos` (each token's
`tag_` is the model's PKU tag and `pos_` its Universal POS, `PKU_TO_UPOS`) and `user_words`. The
doc's text is the input exactly: a single space after a word is that token's `whitespace_`, any
other whitespace a token of its own (`pos_` SPACE, `tag_` _SP), as spaCy's own tokenizers do.
`nlp.to_disk` stores the user dictionary (words added at run time with
`nlp.tokenizer.seg.add_word` included); `spacy.load` reads it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from segmenter.lexicon import Entry
from segmenter.pipeline import Analysis
from segmenter.segmenter import DEFAULT_MODEL, Segmenter

__all__ = ["NAME", "PKU_TO_UPOS", "ChineseTokenizer", "create_tokenizer", "upos"]

NAME = "segmenter.ChineseTokenizer.v1"
USER_WORDS = "user_words.json"  # in the tokenizer's folder of a saved pipeline

# The tags of the PKU (PFR) corpus as Universal POS; an unknown tag (a user dictionary's own, or
# jieba's "nrfg", "uj") is read by its longest known prefix, else X.
PKU_TO_UPOS = {
    "n": "NOUN", "ng": "NOUN", "Ng": "NOUN", "na": "NOUN", "an": "NOUN", "vn": "NOUN", "vvn": "NOUN",
    "t": "NOUN", "Tg": "NOUN", "s": "NOUN", "q": "NOUN", "j": "NOUN",
    "nr": "PROPN", "ns": "PROPN", "nt": "PROPN", "nz": "PROPN", "nx": "X",
    "v": "VERB", "vd": "VERB", "Vg": "VERB",
    "a": "ADJ", "Ag": "ADJ", "b": "ADJ", "Bg": "ADJ", "z": "ADJ",
    "d": "ADV", "ad": "ADV", "Dg": "ADV",
    "m": "NUM", "Mg": "NUM",
    "r": "PRON", "Rg": "PRON",
    "p": "ADP", "f": "ADP",
    "c": "CCONJ",
    "u": "PART", "y": "PART", "Yg": "PART", "k": "PART", "h": "X",
    "e": "INTJ", "o": "X", "i": "X", "l": "X", "x": "X",
    "w": "PUNCT",
}


def upos(tag: str) -> str:
    """The Universal POS of a PKU tag (`PKU_TO_UPOS`; an unknown tag by its longest known prefix)."""
    for n in range(len(tag), 0, -1):
        if tag[:n] in PKU_TO_UPOS:
            return PKU_TO_UPOS[tag[:n]]
    return "X"


def spacy_words(a: Analysis, pos: bool) -> tuple[list[str], list[bool], list[str] | None]:
    """The words, trailing-space flags and tags of a spaCy `Doc` of `a.text`, from the analysis's
    offsets: one space after a word is its trailing space; other whitespace is a token of its own
    (tag `_SP`)."""
    text = a.text
    tags = a.word_pos() if pos else None
    words: list[str] = []
    spaces: list[bool] = []
    out_tags: list[str] = []
    at = 0

    def gap(upto: int) -> None:
        nonlocal at
        if at == upto:
            return
        if words and not spaces[-1] and text[at] == " ":
            spaces[-1] = True
            at += 1
        if at < upto:
            words.append(text[at:upto])
            spaces.append(False)
            out_tags.append("_SP")
            at = upto

    for k, (s, e) in enumerate(zip(a.starts, a.ends)):
        gap(s)
        words.append(text[s:e])
        spaces.append(False)
        out_tags.append((tags[k] or "X") if tags is not None else "")
        at = e
    gap(len(text))
    return words, spaces, out_tags if pos else None


class ChineseTokenizer:
    """A spaCy tokenizer over a `Segmenter` (`seg`): its words, its tags with `pos=True`."""

    def __init__(self, vocab: Any, *, model: str = DEFAULT_MODEL, standard: str | None = None, pos: bool = False,
                 user_words: Sequence[str] = ()) -> None:
        self.vocab = vocab
        self.seg = Segmenter.load(model, user_words=user_words, standard=standard)
        self.pos = pos
        self.seg.require_pos(pos)

    def _doc(self, a: Analysis) -> Any:
        from spacy.tokens import Doc

        words, spaces, tags = spacy_words(a, self.pos)
        if tags is None:
            return Doc(self.vocab, words=words, spaces=spaces)
        return Doc(self.vocab, words=words, spaces=spaces, tags=tags,
                   pos=["SPACE" if t == "_SP" else upos(t) for t in tags])

    def __call__(self, text: str) -> Any:
        return self._doc(self.seg.analyse([text])[0])

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Any]:
        """Docs of many texts, `batch_size` texts per model call."""
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) == batch_size:
                yield from map(self._doc, self.seg.analyse(batch))
                batch = []
        if batch:
            yield from map(self._doc, self.seg.analyse(batch))

    # ------------------------------------------------------------- serialisation (the user dictionary)
    def to_bytes(self, **kwargs: Any) -> bytes:
        import srsly

        entries = [{"parts": list(e.parts), "pos": e.pos} for e in self.seg.lexicon]
        return srsly.json_dumps({"user_words": entries}).encode("utf-8")  # type: ignore[no-any-return]

    def from_bytes(self, data: bytes, **kwargs: Any) -> ChineseTokenizer:
        import srsly

        saved = srsly.json_loads(data.decode("utf-8"))["user_words"]
        self.seg.lexicon.update(Entry(tuple(e["parts"]), e["pos"]) for e in saved)
        return self

    def to_disk(self, path: str | Path, **kwargs: Any) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / USER_WORDS).write_bytes(self.to_bytes())

    def from_disk(self, path: str | Path, **kwargs: Any) -> ChineseTokenizer:
        return self.from_bytes((Path(path) / USER_WORDS).read_bytes())


def create_tokenizer(model: str = DEFAULT_MODEL, standard: str | None = None, pos: bool = False,
                     user_words: Sequence[str] = ()) -> Callable[[Any], ChineseTokenizer]:
    """The registered function (`segmenter.ChineseTokenizer.v1`): the settings of `[nlp.tokenizer]`
    in, a tokenizer factory for spaCy out."""

    def factory(nlp: Any) -> ChineseTokenizer:
        return ChineseTokenizer(nlp.vocab, model=model, standard=standard, pos=pos, user_words=user_words)

    return factory
