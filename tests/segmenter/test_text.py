import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter.text import ENG, NUM, URL, normalise, split_pieces, to_units, traditional_to_simplified
from tests.segmenter.conftest import PAIRS


def spans(text):
    u = to_units(text)
    return [(text[s:e], k) for k, s, e in zip(u.keys, u.starts, u.ends)]


def test_normalise_keeps_length_and_folds_fullwidth():
    assert normalise("１２．５％ＡＢｃ　") == "12.5%ABc "
    assert normalise("中文，。") == "中文,。"


def test_chinese_characters_are_single_units():
    assert spans("我爱北京") == [("我", "我"), ("爱", "爱"), ("北", "北"), ("京", "京")]


def test_numbers_ascii_and_fullwidth_with_decimal_and_percent():
    assert spans("增长12.5%") == [("增", "增"), ("长", "长"), ("12.5%", NUM)]
    assert spans("１９９８年") == [("１９９８", NUM), ("年", "年")]
    assert spans("３．５％") == [("３．５％", NUM)]


def test_latin_runs_with_digits_stay_together():
    assert spans("ISO9001认证") == [("ISO9001", ENG), ("认", "认"), ("证", "证")]
    assert spans("ＧＤＰ") == [("ＧＤＰ", ENG)]
    assert spans("3G手机") == [("3G", ENG), ("手", "手"), ("机", "机")]


def test_urls_and_emails_are_one_unit_without_trailing_punctuation():
    assert spans("见https://example.com/a?b=1。") == [("见", "见"), ("https://example.com/a?b=1", URL), ("。", "。")]
    assert spans("www.people.com.cn，") == [("www.people.com.cn", URL), ("，", ",")]
    assert spans("写信到foo.bar@example.org吧") == [
        ("写", "写"), ("信", "信"), ("到", "到"), ("foo.bar@example.org", URL), ("吧", "吧")]


def test_whitespace_is_never_a_unit_but_marks_a_gap():
    u = to_units("  我 爱\t北京\u3000 ")
    assert u.keys == ["我", "爱", "北", "京"]
    assert u.starts == [2, 4, 6, 7]
    assert u.gap_before == [False, True, True, False]


def test_empty_and_whitespace_only():
    assert len(to_units("")) == 0
    assert len(to_units(" \n\t")) == 0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_units_cover_every_non_whitespace_character_in_order(text):
    u = to_units(text)
    covered = "".join(text[s:e] for s, e in zip(u.starts, u.ends))
    assert covered == "".join(ch for ch in text if not normalise(ch).isspace())
    assert all(s < e for s, e in zip(u.starts, u.ends))
    assert all(a <= b for a, b in zip(u.ends, u.starts[1:]))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="我爱北京。！，、 abc12", max_size=400), st.integers(min_value=8, max_value=50))
def test_pieces_cover_all_units_and_respect_the_bound(text, max_len):
    u = to_units(text)
    pieces = split_pieces(u, max_len)
    flat = [i for s, e in pieces for i in range(s, e)]
    assert flat == list(range(len(u)))
    assert all(0 < e - s <= max_len for s, e in pieces)


def test_pieces_end_after_sentence_punctuation_and_closing_quotes():
    u = to_units("他说：“好。”我们走吧！走")
    pieces = split_pieces(u, 100)
    texts = ["".join(u.keys[s:e]) for s, e in pieces]
    assert texts == ["他说:“好。”", "我们走吧!", "走"]


def test_the_table_maps_one_character_to_one_character():
    table = traditional_to_simplified()
    assert len(table) > 2500
    assert all(isinstance(k, int) and isinstance(v, int) and k != v for k, v in table.items())
    assert table[ord("們")] == ord("们") and table[ord("臺")] == ord("台")
    assert ord("们") not in table  # Simplified text passes through


@pytest.mark.parametrize("trad, simp", PAIRS)
def test_normalise_gives_the_simplified_form_with_the_same_length(trad, simp):
    assert len(trad) == len(simp)
    assert normalise(trad) == simp


def test_mixed_scripts_and_units_keep_offsets():
    text = "臺灣iPhone銷量增長30%"
    u = to_units(text)
    assert [text[s:e] for s, e in zip(u.starts, u.ends)][:3] == ["臺", "灣", "iPhone"]
    assert u.keys[:2] == ["台", "湾"]
