"""Joint segmentation + part-of-speech models: labels, training, decoding, outputs."""

import pytest

from segmenter import Segmenter
from segmenter.corpus import Sentence
from segmenter.errors import InvalidInputError
from segmenter.scoring import score_tagged
from segmenter.tags import joint_labels, pos_of_labels
from segmenter.training.data import make_examples, pos_tag_set
from segmenter.vocab import Vocab


def test_joint_labels_round_trip():
    labels = joint_labels(["n", "v"])
    assert labels == ("B-n", "M-n", "E-n", "S-n", "B-v", "M-v", "E-v", "S-v")
    assert pos_of_labels(labels) == ("n", "v")
    assert pos_of_labels(("B", "M", "E", "S")) is None
    with pytest.raises(ValueError):
        pos_of_labels(("B-n", "M-n", "E-v", "S-n"))


def test_examples_carry_the_part_of_speech_of_each_word():
    s = Sentence(["我们", "爱", "北京"], ["r", "v", "ns"])
    vocab = Vocab.build([list(s.text)], 1, 1)
    index = {"r": 0, "v": 1, "ns": 2}
    (ex,) = make_examples([s], vocab, 64, index)
    assert ex.tags == [0 * 4 + 0, 0 * 4 + 2, 1 * 4 + 3, 2 * 4 + 0, 2 * 4 + 2]  # B-r E-r S-v B-ns E-ns
    (seg_only,) = make_examples([Sentence(["我们", "爱"])], vocab, 64, index)
    assert seg_only.tags == [0, 2, 3] and not seg_only.joint  # BMES only: trains the segmentation side
    assert ex.joint


def test_pos_tag_set_is_most_frequent_first():
    sents = [Sentence(["a", "b", "c"], ["n", "v", "n"])]
    assert pos_tag_set(sents) == ["n", "v"]
    with pytest.raises(ValueError):
        pos_tag_set([Sentence(["a"])])


def test_score_tagged_needs_span_and_tag():
    gold = [[("我们", "r"), ("爱", "v"), ("北京", "ns")]]
    pred = [[("我们", "r"), ("爱", "n"), ("北", "ns"), ("京", "ns")]]
    s = score_tagged(gold, pred)
    assert (s.correct, s.gold_words, s.pred_words) == (1, 3, 4)
    assert s.f1 == pytest.approx(2 / 7)


def test_a_joint_model_tags_every_word_with_one_of_its_tags(tiny_pos_model_dir):
    seg = Segmenter.load(tiny_pos_model_dir)
    assert seg.pos_tags is not None and "n" in seg.pos_tags
    text = "中国人民银行今天宣布降低利率。"
    plain = seg.tokenize(text)
    tagged = seg.tokenize(text, pos=True)
    assert [(t.text, t.start, t.end) for t in tagged] == [(t.text, t.start, t.end) for t in plain]
    assert all(t.pos is None for t in plain)
    assert all(t.pos in seg.pos_tags for t in tagged)
    assert tagged[-1].pos == "w"  # the full stop is punctuation
    chars = seg.tag(text, pos=True)
    by_offset = {c.offset: c.pos for c in chars}
    for t in tagged:
        assert {by_offset[i] for i in range(t.start, t.end)} == {t.pos}


def test_a_user_word_with_a_pos_keeps_it(tiny_pos_model_dir):
    seg = Segmenter.load(tiny_pos_model_dir)
    seg.add_word("利率调整", "vn")
    toks = seg.tokenize("今天宣布利率调整。", pos=True)
    assert ("利率调整", "vn") in [(t.text, t.pos) for t in toks]


def test_pos_on_a_segmentation_only_model_is_a_clear_error():
    seg = Segmenter.load("pku-fast")
    with pytest.raises(InvalidInputError, match="no part-of-speech tagger"):
        seg.tokenize("你好", pos=True)
