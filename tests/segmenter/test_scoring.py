import pytest

from segmenter.scoring import score, score_tagged


def test_perfect_segmentation():
    gold = [["我", "爱", "北京"], ["天安门"]]
    s = score(gold, gold, train_words={"我", "爱"})
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
    assert s.oov_recall == 1.0 and s.iv_recall == 1.0
    assert s.oov_words == 2  # 北京, 天安门
    assert s.chars == 7


def test_hand_worked_case():
    # line 1 gold: 我 | 爱 | 北京 | 天安门   pred: 我爱 | 北京 | 天安 | 门
    #   correct: 北京 -> 1 of 4 predicted, 1 of 4 gold
    # line 2 gold: 今天 | 好             pred: 今天 | 好
    #   correct: 2 of 2 predicted, 2 of 2 gold
    # P = 3/6, R = 3/6, F1 = 0.5
    gold = [["我", "爱", "北京", "天安门"], ["今天", "好"]]
    pred = [["我爱", "北京", "天安", "门"], ["今天", "好"]]
    s = score(gold, pred, train_words={"我", "爱", "北京", "今天"})
    assert s.precision == pytest.approx(3 / 6)
    assert s.recall == pytest.approx(3 / 6)
    assert s.f1 == pytest.approx(0.5)
    # OOV gold words: 天安门 (missed), 好 (found) -> 1/2; IV: 我 爱 北京 今天 -> 北京, 今天 found -> 2/4
    assert s.oov_words == 2
    assert s.oov_recall == pytest.approx(0.5)
    assert s.iv_recall == pytest.approx(0.5)


def test_precision_and_recall_differ():
    # gold: 中华人民共和国 (1 word); pred: 中华 人民 共和国 (3 words), none correct
    # gold: 成立 ; pred: 成立 -> correct
    gold = [["中华人民共和国", "成立"]]
    pred = [["中华", "人民", "共和国", "成立"]]
    s = score(gold, pred)
    assert s.precision == pytest.approx(1 / 4)
    assert s.recall == pytest.approx(1 / 2)
    assert s.f1 == pytest.approx(2 * 0.25 * 0.5 / 0.75)
    assert s.oov_recall is None


def test_same_word_in_the_wrong_place_is_not_correct():
    gold = [["ab", "a", "b"]]  # spans (0,2) (2,3) (3,4) of "abab"
    pred = [["a", "b", "ab"]]  # spans (0,1) (1,2) (2,4): "ab" is predicted, but over other characters
    assert score(gold, pred).correct == 0
    with pytest.raises(ValueError, match="line 1: predicted characters differ"):
        score([["ab"]], [["ba"]])


def test_line_count_mismatch():
    with pytest.raises(ValueError, match="2 gold lines but 1"):
        score([["a"], ["b"]], [["a"]])


def test_score_tagged_needs_span_and_tag():
    gold = [[("我们", "r"), ("爱", "v"), ("北京", "ns")]]
    pred = [[("我们", "r"), ("爱", "n"), ("北", "ns"), ("京", "ns")]]
    s = score_tagged(gold, pred)
    assert (s.correct, s.gold_words, s.pred_words) == (1, 3, 4)
    assert s.f1 == pytest.approx(2 / 7)
