"""Hugging Face doors (`pip install 'segmenter[hf]'`): a pre-tokenizer for `tokenizers` and a
batch function for `datasets.Dataset.map(batched=True)`.

- `pre_tokenizer(seg)`: a `tokenizers` pre-tokenizer that splits text into our words, with offsets
  into the original string (also after a normaliser). `tokenizers` cannot save a custom
  pre-tokenizer in `tokenizer.json`: set it again after `Tokenizer.from_file`.
- `SegmentBatch(model)`: adds the columns `words` and `offsets` (and `pos`) to every batch; it
  pickles as its settings, not its network, so `map(num_proc=N)` loads the model once per process
  and the `datasets` cache fingerprint stays the same between runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from segmenter.columns import analyse_column
from segmenter.lexicon import Entry
from segmenter.segmenter import DEFAULT_MODEL, Segmenter

__all__ = ["SegmentBatch", "WordSplitter", "pre_tokenizer"]


class WordSplitter:
    """The object `tokenizers.pre_tokenizers.PreTokenizer.custom` wraps: every split of the
    pre-tokenized string is cut into our words (whitespace dropped); the texts of all splits are
    analysed in one call."""

    def __init__(self, seg: Segmenter, *, standard: str | None = None,
                 user_words: Sequence[str | Entry] = ()) -> None:
        self.seg = seg
        self.standard = standard
        self.user_words = list(user_words)

    def spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """(start, end) of every word of every text."""
        return [list(zip(a.starts, a.ends)) for a in
                self.seg.analyse(texts, standard=self.standard, user_words=self.user_words)]

    def pre_tokenize(self, pretok: Any) -> None:
        texts = [text for text, _, tokens in pretok.get_splits() if not tokens]
        found = iter(zip(texts, self.spans(texts)))

        def split(_: int, normalized: Any) -> list[Any]:
            text = str(normalized)
            expected, spans = next(found, ("", []))
            if text != expected:  # not the split get_splits announced: analyse it alone
                spans = self.spans([text])[0]
            return [normalized[s:e] for s, e in spans]

        pretok.split(split)


def pre_tokenizer(seg: Segmenter, *, standard: str | None = None, user_words: Sequence[str | Entry] = ()) -> Any:
    """A `tokenizers` pre-tokenizer splitting text into the words of `seg` (in `standard`, with
    `user_words` on top of its dictionary): `tokenizer.pre_tokenizer = pre_tokenizer(seg)`."""
    from tokenizers.pre_tokenizers import PreTokenizer

    return PreTokenizer.custom(WordSplitter(seg, standard=standard, user_words=user_words))


class SegmentBatch:
    """A function for `datasets.Dataset.map(fn, batched=True)`: for the column `column` of a
    batch, the columns `words` (list of str), `offsets` (list of [start, end]) and, with
    `pos=True`, `pos` (a part of speech per word); None in each for a missing text.

    `model` is a name or a model directory (`Segmenter.load`), or a loaded `Segmenter`, which is
    then pickled as its model directory, standard and user dictionary."""

    def __init__(self, model: str | Path | Segmenter = DEFAULT_MODEL, *, column: str = "text", pos: bool = False,
                 standard: str | None = None, user_words: Sequence[str | Entry] = ()) -> None:
        if isinstance(model, Segmenter):
            if model.path is None:
                raise ValueError("SegmentBatch needs a segmenter loaded from a model directory (it reloads it "
                                 "in each worker process)")
            self._seg: Segmenter | None = model
            self.model: str | Path = model.path
            self.entries: list[str | Entry] = [*model.lexicon, *user_words]
            self.standard = standard if standard is not None else model.standard
        else:
            self._seg = None
            self.model = model
            self.entries = list(user_words)
            self.standard = standard
        self.column = column
        self.pos = pos
        self.seg.require_pos(pos)

    @property
    def seg(self) -> Segmenter:
        if self._seg is None:
            self._seg = Segmenter.load(self.model, user_words=self.entries, standard=self.standard, threads=1)
        return self._seg

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_seg"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._seg = None

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        words: list[Any] = []
        offsets: list[Any] = []
        pos: list[Any] = []
        for a in analyse_column(batch[self.column], self.seg):
            if a is None:
                words.append(None)
                offsets.append(None)
                pos.append(None)
                continue
            words.append(a.words())
            offsets.append([[s, e] for s, e in zip(a.starts, a.ends)])
            if self.pos:
                pos.append(a.word_pos())
        out = {"words": words, "offsets": offsets}
        if self.pos:
            out["pos"] = pos
        return out
