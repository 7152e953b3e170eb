"""Traditional Chinese input: mapped to Simplified character by character for the model, the
original characters and offsets come back."""

import pytest

from segmenter import Segmenter
from segmenter.text import normalise, to_units, traditional_to_simplified

# Hand-made Traditional sentences and their Simplified forms (same length, character by character).
PAIRS = [
    ("我們在臺灣大學讀書。", "我们在台湾大学读书。"),
    ("這個問題應該由政府來解決", "这个问题应该由政府来解决"),
    ("他說電腦網絡發展得很快", "他说电脑网络发展得很快"),
    ("經濟學家認為今年的經濟會繼續增長", "经济学家认为今年的经济会继续增长"),
    ("香港特別行政區成立於一九九七年", "香港特别行政区成立于一九九七年"),
]


@pytest.fixture(scope="module")
def seg():
    return Segmenter.load("pku-fast")


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


@pytest.mark.parametrize("trad, simp", PAIRS)
def test_traditional_segments_as_its_simplified_form_with_original_characters(seg, trad, simp):
    t_tokens = seg.tokenize(trad)
    s_tokens = seg.tokenize(simp)
    assert [(t.start, t.end) for t in t_tokens] == [(t.start, t.end) for t in s_tokens]
    assert all(t.text == trad[t.start:t.end] for t in t_tokens)
    assert "".join(t.text for t in t_tokens) == trad


def test_expected_traditional_words(seg):
    words = seg.cut("我們在臺灣大學讀書。")
    assert words[0] == "我們" and "讀書" in words


def test_mixed_scripts_and_units_keep_offsets():
    text = "臺灣iPhone銷量增長30%"
    u = to_units(text)
    assert [text[s:e] for s, e in zip(u.starts, u.ends)][:3] == ["臺", "灣", "iPhone"]
    assert u.keys[:2] == ["台", "湾"]
