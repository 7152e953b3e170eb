"""Columns of texts as dataframe code holds them: a pandas Series, a pyarrow Array or
ChunkedArray, a list or any iterable; and whole batches (a dict of columns, a pandas DataFrame or
a pyarrow Table) for Ray Data and Hugging Face `datasets`.

A missing value (None, NaN, `pandas.NA`) gives None, never the words of "nan". The result has the
column's kind: a Series keeps its index and name, an Arrow column gives an Arrow array (list of
strings, or list of structs), anything else a list. Texts are analysed in chunks of `CHUNK`, each
chunk one batched call of `Segmenter.analyse`. Importing this module imports neither pandas nor
pyarrow.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from segmenter.errors import InvalidInputError
from segmenter.lexicon import Entry

if TYPE_CHECKING:
    from segmenter.pipeline import Analysis
    from segmenter.segmenter import Segmenter

__all__ = ["CHUNK", "analyse_column", "cut_column", "tokenize_column", "tokens_for_batch"]

CHUNK = 4096  # texts per call of `Segmenter.analyse`: bounds the analyses held at once


def is_missing(value: object) -> bool:
    """None, a float NaN (numpy's too) or pandas' NA / NaT."""
    if value is None:
        return True
    if isinstance(value, numbers.Real):  # float, numpy's floats
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def _is_arrow(column: object) -> bool:
    return type(column).__module__.startswith("pyarrow") and hasattr(column, "to_pylist")


def _is_pandas(column: object) -> bool:
    return type(column).__module__.startswith("pandas") and hasattr(column, "index")


def _values(column: Any) -> list[Any]:
    if isinstance(column, str):
        raise InvalidInputError("a column must be a sequence of texts, not a single str")
    if _is_arrow(column):
        return list(column.to_pylist())
    try:
        return list(column)
    except TypeError:
        raise InvalidInputError(f"a column must be iterable, got {type(column).__name__}") from None


def analyse_column(column: Any, seg: Segmenter, *, standard: str | None = None,
                   user_words: Sequence[str | Entry] = (), probs: bool = False) -> Iterator[Analysis | None]:
    """The `Analysis` of every value of `column` in order, None for a missing one; any other value
    that is not a str is an `InvalidInputError` naming its row."""
    values = _values(column)
    for c in range(0, len(values), CHUNK):
        chunk = values[c:c + CHUNK]
        present = [i for i, v in enumerate(chunk) if not is_missing(v)]
        for i in present:
            if not isinstance(chunk[i], str):
                raise InvalidInputError(f"row {c + i} of the column is a {type(chunk[i]).__name__}, "
                                        "not a str or a missing value")
        found = iter(seg.analyse([chunk[i] for i in present], standard=standard, user_words=user_words,
                                 probs=probs))
        at = set(present)
        for i in range(len(chunk)):
            yield next(found) if i in at else None


def _render(column: Any, seg: Segmenter, render: Callable[[Analysis], Any], arrow_type: Callable[[Any], Any],
            standard: str | None, user_words: Sequence[str | Entry]) -> Any:
    rows = [None if a is None else render(a)
            for a in analyse_column(column, seg, standard=standard, user_words=user_words)]
    if _is_arrow(column):
        import pyarrow as pa

        return pa.array(rows, type=arrow_type(pa))
    if _is_pandas(column):
        import pandas as pd

        return pd.Series(rows, index=column.index, name=column.name, dtype=object)
    return rows


def cut_column(column: Any, seg: Segmenter, *, standard: str | None = None,
               user_words: Sequence[str | Entry] = ()) -> Any:
    """The words of every text of `column` (None for a missing value): a pandas Series of lists for
    a Series (same index and name), an Arrow `list<string>` array for an Arrow column, else a list.

    `df["words"] = cut_column(df["text"], seg)`."""
    return _render(column, seg, lambda a: a.words(), lambda pa: pa.list_(pa.string()), standard, user_words)


def tokenize_column(column: Any, seg: Segmenter, *, pos: bool = False, standard: str | None = None,
                    user_words: Sequence[str | Entry] = ()) -> Any:
    """The tokens of every text of `column` as `{"text", "start", "end"}` dicts (and `"pos"` with
    `pos=True`), None for a missing value; a Series, an Arrow `list<struct>` array or a list, as
    `cut_column`."""
    seg.require_pos(pos)

    def arrow_type(pa: Any) -> Any:
        fields = [("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())]
        return pa.list_(pa.struct([*fields, ("pos", pa.string())] if pos else fields))

    return _render(column, seg, lambda a: a.token_json(pos), arrow_type, standard, user_words)


def tokens_for_batch(batch: Any, seg: Segmenter, text_column: str = "text", *, pos: bool = False) -> Any:
    """`batch` (a dict of columns, a pandas DataFrame or a pyarrow Table) with a `tokens` column
    added: `tokenize_column` of its column `text_column`."""
    if _is_arrow(batch):  # pyarrow.Table
        return batch.append_column("tokens", tokenize_column(batch.column(text_column), seg, pos=pos))
    tokens = tokenize_column(list(batch[text_column]), seg, pos=pos)
    if _is_pandas(batch):  # pandas.DataFrame
        return batch.assign(tokens=tokens)
    out = dict(batch)
    out["tokens"] = tokens
    return out
