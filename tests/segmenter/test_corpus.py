import pytest

from segmenter.corpus import Sentence, read_corpus, read_word_list, split_dev, training_sentences
from segmenter.errors import CorpusError, InvalidInputError
from tests.conftest import RESOURCES


def test_segmented_format_spaces_ideographic_space_crlf_blank_lines():
    sents = read_corpus(RESOURCES / "tiny_seg.txt")
    assert [s.words for s in sents] == [["我", "爱", "北京", "天安门", "。"], ["今天", "天气", "很", "好"],
                                       ["hello", "world"]]


def test_pfr_format_ids_tags_and_brackets():
    sents = read_corpus(RESOURCES / "tiny_pfr.txt")
    assert sents[0].words == ["迈向", "充满", "希望", "的", "新", "世纪"]
    assert sents[0].pos == ["v", "v", "n", "u", "a", "n"]
    assert sents[1].words == ["中央", "人民", "广播", "电台", "报道", "１２月"]
    assert sents[1].pos == ["n", "n", "vn", "n", "v", "t"]


def test_pfr_token_without_tag_names_file_and_line(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("19980101-01-001-001/m  好/a  坏\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"x\.txt:1: token '坏'"):
        read_corpus(p)


def test_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        read_corpus(tmp_path / "nope.txt")


def test_undecodable_line_names_the_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes("好  的\n".encode() + b"\xff\xfe bad\n")
    with pytest.raises(CorpusError, match=r"bad\.txt:2: not valid UTF-8"):
        read_corpus(p)


def test_empty_corpus_is_an_error(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("\n \n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no sentences"):
        read_corpus(p)


def test_dev_split_is_the_last_tenth_in_order():
    sents = [Sentence([str(i)]) for i in range(100)]
    train, dev = split_dev(sents)
    assert [s.words[0] for s in dev] == [str(i) for i in range(90, 100)]
    assert len(train) == 90


def test_word_list(tmp_path):
    p = tmp_path / "w.txt"
    p.write_text("北京\r\n天安门 3\n\n", encoding="utf-8")
    assert read_word_list(p) == {"北京", "天安门"}


def test_reads_the_real_corpora(data_dir):
    pfr = read_corpus(data_dir / "pku" / "pfr199801_pos.utf8")
    seg = read_corpus(data_dir / "pku" / "pfr199801_seg.utf8")
    assert len(pfr) == len(seg) == 19484
    assert all(a.words == b.words for a, b in zip(pfr, seg))
    gold = read_corpus(data_dir / "pku" / "pku_test_gold.utf8")
    assert len(gold) == 1944


def test_training_sentences_leave_out_the_dev_part_of_held_out_files_only(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("".join(f"甲{i} 乙\n" for i in range(20)), encoding="utf-8")
    b.write_text("丙 丁\n戊\n", encoding="utf-8")
    both = training_sentences([a, b])
    assert len(both) == 22
    held = training_sentences([a, b], hold_out=[str(a)])
    assert held == split_dev(read_corpus(a))[0] + read_corpus(b)
    assert [s.text for s in held[-4:]] == ["甲16乙", "甲17乙", "丙丁", "戊"]
    assert training_sentences([tmp_path / "." / "a.txt"], hold_out=[str(a)]) == held[:-2]  # paths compared resolved
    with pytest.raises(InvalidInputError, match="not read"):
        training_sentences([a], hold_out=[tmp_path / "typo.txt"])
