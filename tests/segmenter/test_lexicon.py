"""User dictionaries: parsing, matching, and the decoder constraint on a real model."""

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmenter import Segmenter
from segmenter.errors import CorpusError, InvalidInputError
from segmenter.lexicon import Lexicon, parse_entry, read_user_dict

TEXT = "研究生命起源的科学家在北京大学生物系工作"


@pytest.fixture(scope="module")
def fast():
    return Segmenter.load("pku-fast")


def spans(tokens):
    return [(t.start, t.end) for t in tokens]


@pytest.mark.parametrize("bad, reason", [("", "empty"), ("   ", "whitespace only"), ("\t\n", "whitespace only"),
                                         ("字" * 33, "limit is 32"), (None, "must be a str")])
def test_bad_entries_are_refused_with_the_reason(bad, reason):
    with pytest.raises(InvalidInputError, match=reason):
        parse_entry(bad)


def test_the_length_limit_is_configurable():
    assert parse_entry("字" * 40, max_chars=40).parts == ("字" * 40,)
    with pytest.raises(InvalidInputError, match="limit is 3"):
        Lexicon(["四个字儿"], max_chars=3)


def test_matching_is_leftmost_longest_and_never_overlaps():
    lex = Lexicon(["北京", "北京大学", "大学生", "生物"])
    found = [(i, e.key) for i, e in lex.matches("在北京大学生物系")]
    assert found == [(1, "北京大学"), (5, "生物")]  # 大学生 overlaps the earlier, longer match


def test_full_width_and_traditional_forms_match_the_same_entry():
    lex = Lexicon(["ＡＢＣ公司", "台湾大学"])
    assert [e.key for _, e in lex.matches("ABC公司")] == ["ＡＢＣ公司"]
    from segmenter.text import normalise
    assert [e.key for _, e in lex.matches(normalise("臺灣大學"))] == ["台湾大学"]


def test_user_dict_file_words_pos_splits_and_comments(tmp_path):
    f = tmp_path / "dict.txt"
    f.write_text("\ufeff# a comment\n生命起源\n北京大学 nt\n云计算\tn  # trailing comment\nC#\n\n中 将\n", "utf-8")
    entries = read_user_dict(f)
    assert [(e.parts, e.pos) for e in entries] == [
        (("生命起源",), None), (("北京大学",), "nt"), (("云计算",), "n"), (("C#",), None), (("中", "将"), None)]


def test_a_dictionary_that_is_not_utf8_names_file_and_line(tmp_path):
    f = tmp_path / "gbk.txt"
    f.write_bytes("生命\n".encode() + "起源\n".encode("gbk"))
    with pytest.raises(CorpusError, match=r"gbk\.txt:2: not valid UTF-8"):
        read_user_dict(f)


def test_a_bad_line_names_file_and_line(tmp_path):
    f = tmp_path / "long.txt"
    f.write_text("好\n" + "长" * 50 + "\n", "utf-8")
    with pytest.raises(CorpusError, match=r"long\.txt:2: .*limit is 32"):
        read_user_dict(f)


def test_a_user_word_comes_out_as_one_token(fast):
    assert "生命起源" not in fast.cut(TEXT)  # the model alone splits it
    seg = Segmenter.load("pku-fast", user_words=["生命起源", "生物系"])
    words = seg.cut(TEXT)
    assert "生命起源" in words and "生物系" in words
    assert "".join(words) == TEXT


def test_longest_user_word_wins_when_entries_overlap(fast):
    words = fast.cut("北京大学生物系", user_words=["北京", "北京大学", "大学生"])
    assert words[0] == "北京大学"


def test_force_split_splits(fast):
    text = "我们中将有人去"
    assert "中将" in fast.cut(text)
    assert fast.cut(text, user_words=["中 将"])[1:3] == ["中", "将"]


def test_add_and_remove_word_and_instances_are_independent(fast):
    before = fast.tokenize(TEXT)
    other = Segmenter.load("pku-fast")
    other.add_word("生命起源")
    assert "生命起源" in other.cut(TEXT)
    assert fast.tokenize(TEXT) == before  # the first instance is untouched
    assert "生命起源" in other.lexicon
    assert other.remove_word("生命起源") is True
    assert other.remove_word("生命起源") is False
    assert other.tokenize(TEXT) == before


def test_per_call_user_words_do_not_stay(fast):
    before = fast.cut(TEXT)
    assert "生命起源" in fast.cut(TEXT, user_words=["生命起源"])
    assert fast.cut(TEXT) == before
    with pytest.raises(InvalidInputError, match="not a single str"):
        fast.cut(TEXT, user_words="生命起源")


def test_a_user_word_inside_a_latin_or_number_unit_is_ignored_not_broken(fast):
    text = "iPhone15发布"
    assert fast.cut(text, user_words=["Phone"]) == fast.cut(text)


def test_load_reads_a_user_dict(tmp_path):
    f = tmp_path / "d.txt"
    f.write_text("生命起源\n", "utf-8")
    assert "生命起源" in Segmenter.load("pku-fast", user_dict=f).cut(TEXT)


def test_concurrent_add_word_and_segmentation(fast):
    seg = Segmenter.load("pku-fast")
    errors = []

    def reader():
        try:
            for _ in range(30):
                assert "".join(seg.cut(TEXT)) == TEXT
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(200):
        seg.add_word(f"词{i}")
    for t in threads:
        t.join()
    assert not errors
    assert len(seg.lexicon) == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_unit_aligned_substring_added_as_a_word_comes_out_whole(fast, data):
    text = "研究生命起源的科学家在北京大学生物系工作，他说：这是一个很好的开始。"
    start = data.draw(st.integers(0, len(text) - 2))
    end = data.draw(st.integers(start + 1, min(len(text), start + 8)))
    word = text[start:end]
    tokens = fast.tokenize(text, user_words=[word])
    assert "".join(t.text for t in tokens) == text
    first = text.find(word)  # leftmost occurrence is the one matched
    assert (first, first + len(word)) in spans(tokens)


TEXTS = st.text(alphabet=st.sampled_from("我爱北京天安门大学生。，！ 　\n1２.%abcＡＢ臺灣中将"), max_size=80)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXTS, st.lists(st.text(alphabet=st.sampled_from("我爱北京天安门大学生中将 ab１"), min_size=1, max_size=5),
                       max_size=6))
def test_user_words_never_change_drop_or_add_a_character(fast, text, entries):
    entries = [e for e in entries if e.strip()]
    tokens = fast.tokenize(text, user_words=entries)
    assert "".join(t.text for t in tokens) == "".join(ch for ch in text if not ch.isspace())
    assert all(t.text == text[t.start:t.end] and t.text for t in tokens)
