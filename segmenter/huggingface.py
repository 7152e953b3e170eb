"""Hugging Face doors (`pip install 'segmenter-cws[hf]'`): a pre-tokenizer for `tokenizers` and a
batch function for `datasets.Dataset.map(batched=True)`.

- `pre_tokenizer(seg)`: a `tokenizers` pre-tokenizer that splits text into our words, with offsets
  into the original string (also after a normaliser). `tokenizers` cannot save a custom
  pre-tokenizer in `tokenizer.json`: set it again after `Tokenizer.from_file`.
- `SegmentBatch(model)`: adds the columns `words` and `offsets` (and `pos`) to every batch; it
  pickles as its `Segmenter` does (not the network), so `map(num_proc=N)` loads the model once per
  process and the `datasets` cache fingerprint stays the same between runs.
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

    `model`: a loaded `Segmenter`, or a name or model directory to load (`Segmenter.load`, with
    `standard` and `user_words`). It pickles as its segmenter does (model reference, standard, user
    dictionary: not the network), so `map(num_proc=N)` workers load the model themselves and the
    `datasets` cache fingerprint is the same in the next run."""

    def __init__(self, model: str | Path | Segmenter = DEFAULT_MODEL, *, column: str = "text", pos: bool = False,
                 standard: str | None = None, user_words: Sequence[str | Entry] = ()) -> None:
        self.seg = model if isinstance(model, Segmenter) else Segmenter.load(model, standard=standard,
                                                                            user_words=user_words)
        self.column = column
        self.pos = pos
        self.seg.require_pos(pos)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        words: list[Any] = []
        offsets: list[Any] = []
        pos: list[Any] = []
        for a in analyse_column(batch[self.column], self.seg):
            words.append(None if a is None else a.words())
            offsets.append(None if a is None else [[s, e] for s, e in zip(a.starts, a.ends)])
            if self.pos:
                pos.append(None if a is None else a.word_pos())
        return {"words": words, "offsets": offsets, "pos": pos} if self.pos else {"words": words, "offsets": offsets}
