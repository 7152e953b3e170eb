import itertools

import pytest

from segmenter.tags import (
    B,
    E,
    M,
    S,
    is_legal,
    joint_labels,
    pos_of_labels,
    repair,
    tags_to_spans,
    tags_to_words,
    unit_tags,
    word_tags,
    words_to_spans,
    words_to_tags,
)


def test_words_to_tags_and_back():
    words = ["我", "爱", "北京", "天安门", "人民大会堂"]
    tags = words_to_tags(words)
    assert tags == [S, S, B, E, B, M, E, B, M, M, M, E]
    assert tags_to_words("".join(words), tags) == words


def test_empty_word_is_rejected():
    with pytest.raises(ValueError):
        words_to_tags(["a", ""])


def test_word_tags_lengths():
    assert word_tags(1) == [S]
    assert word_tags(2) == [B, E]
    assert word_tags(4) == [B, M, M, E]


@pytest.mark.parametrize("seq,legal", [
    ([], True), ([S], True), ([B, E], True), ([B, M, E, S], True),
    ([B], False), ([M, E], False), ([E], False), ([B, S], False), ([S, M], False), ([B, M], False),
])
def test_is_legal(seq, legal):
    assert is_legal(seq) is legal


def test_repair_is_legal_and_idempotent_on_every_short_sequence():
    for n in range(1, 6):
        for seq in itertools.product([B, M, E, S], repeat=n):
            fixed = repair(seq)
            assert is_legal(fixed), (seq, fixed)
            assert len(fixed) == n
            if is_legal(seq):
                assert fixed == list(seq)


def test_repair_rule():
    # an M or E with no open word starts one; a B or S while a word is open closes it
    assert repair([M, E]) == [B, E]
    assert repair([E, E]) == [S, S]
    assert repair([B, B, E]) == [S, B, E]
    assert repair([B, M]) == [B, E]


def test_spans_cover_every_position_once_even_for_illegal_tags():
    for seq in itertools.product([B, M, E, S], repeat=4):
        spans = tags_to_spans(seq)
        covered = [i for s, e in spans for i in range(s, e)]
        assert covered == [0, 1, 2, 3]


def test_words_to_spans():
    assert words_to_spans(["ab", "c", "def"]) == [(0, 2), (2, 3), (3, 6)]


def test_unit_tags_projection():
    # characters: 1 9 9 8 年 | 新 年 ; units: [1998] [年] [新] [年]
    char_tags = words_to_tags(["1998年", "新年"])
    starts, ends = [0, 4, 5, 6], [4, 5, 6, 7]
    assert unit_tags(char_tags, starts, ends) == [B, E, B, E]
    # a unit that is a whole word, and one that a gold boundary cuts
    assert unit_tags(words_to_tags(["1998", "年"]), [0, 4], [4, 5]) == [S, S]
    assert unit_tags(words_to_tags(["19", "98"]), [0], [4]) == [S]


def test_joint_labels_round_trip():
    labels = joint_labels(["n", "v"])
    assert labels == ("B-n", "M-n", "E-n", "S-n", "B-v", "M-v", "E-v", "S-v")
    assert pos_of_labels(labels) == ("n", "v")
    assert pos_of_labels(("B", "M", "E", "S")) is None
    with pytest.raises(ValueError):
        pos_of_labels(("B-n", "M-n", "E-v", "S-n"))
