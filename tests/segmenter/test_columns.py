"""The column helpers: pandas Series, Arrow arrays and lists in, missing values (None, NaN,
pandas.NA) out as None, every other row segmented as `Segmenter.cut` / `tokenize` would."""

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import segmenter
from segmenter import InvalidInputError, Segmenter, cut_column, tokenize_column, tokens_for_batch

ROWS = ["我爱北京天安门。", None, "今天天气很好", float("nan"), pd.NA, "", "他在2026年用iPhone访问了www.example.com。"]


@pytest.fixture(scope="module")
def seg():
    return Segmenter.load()


def expected_words(seg, rows):
    return [None if not isinstance(r, str) else seg.cut(r) for r in rows]


def test_exported_from_the_package():
    assert {"cut_column", "tokenize_column", "tokens_for_batch"} <= set(segmenter.__all__)


def test_a_series_with_missing_values_keeps_its_index_and_name(seg):
    s = pd.Series(ROWS, index=[10, 11, 12, 13, 14, 15, 16], name="body")
    out = cut_column(s, seg)
    assert isinstance(out, pd.Series) and list(out.index) == list(s.index) and out.name == "body"
    assert list(out) == expected_words(seg, ROWS)
    assert out[11] is None and out[13] is None and out[14] is None and out[15] == []


def test_series_map_would_fail_where_the_helper_does_not(seg):
    s = pd.Series(["中文分词", np.nan])
    with pytest.raises(InvalidInputError):
        s.map(seg.cut)  # the failure the helper exists for
    assert list(cut_column(s, seg)) == [seg.cut("中文分词"), None]


def test_a_dataframe_column_assignment(seg):
    df = pd.DataFrame({"text": ROWS})
    df["words"] = cut_column(df["text"], seg)
    df["tokens"] = tokenize_column(df["text"], seg, pos=True)
    assert list(df["words"]) == expected_words(seg, ROWS)
    for row, toks in zip(ROWS, df["tokens"]):
        if isinstance(row, str):
            assert toks == [t.to_json() for t in seg.tokenize(row, pos=True)]
            assert all(row[t["start"]:t["end"]] == t["text"] for t in toks)
        else:
            assert toks is None


def test_an_arrow_column_gives_an_arrow_array_with_nulls(seg):
    texts = [r if isinstance(r, str) else None for r in ROWS]
    for column in (pa.array(texts), pa.chunked_array([texts[:3], texts[3:]])):
        words = cut_column(column, seg)
        assert words.type == pa.list_(pa.string())
        assert words.to_pylist() == expected_words(seg, texts) and words.null_count == 3
        tokens = tokenize_column(column, seg)
        assert tokens.to_pylist() == [None if t is None else [x.to_json() for x in seg.tokenize(t)] for t in texts]


def test_a_list_gives_a_list_and_a_float_nan_is_missing(seg):
    out = cut_column(["中文", math.nan, np.float32("nan")], seg)
    assert out == [seg.cut("中文"), None, None]


def test_rows_that_are_not_text_are_refused_by_their_row(seg):
    with pytest.raises(InvalidInputError, match="row 1 .* int"):
        cut_column(["中文", 3], seg)
    with pytest.raises(InvalidInputError, match="not a single str"):
        cut_column("中文", seg)


def test_more_rows_than_one_chunk_stay_in_order(seg, monkeypatch):
    monkeypatch.setattr(segmenter.columns, "CHUNK", 3)
    rows = [f"第{i}行文字" if i % 4 else None for i in range(11)]
    assert cut_column(rows, seg) == expected_words(seg, rows)


def test_tokens_for_batch_gives_none_for_a_missing_text(seg):
    out = tokens_for_batch({"text": ["中文分词", None]}, seg)
    assert out["tokens"] == [[t.to_json() for t in seg.tokenize("中文分词")], None]
    table = tokens_for_batch(pa.table({"text": ["中文分词", None]}), seg)
    assert table.column("tokens").to_pylist() == out["tokens"]
