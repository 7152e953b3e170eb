"""The shipped default model: golden segmentations and an accuracy floor on the PKU test."""

from segmenter import Segmenter
from segmenter.corpus import read_corpus, read_word_list
from segmenter.metrics import score

# Measured 2026-11-22 with models/pku on the first 300 lines of pku_test_gold.utf8 (see
# the model card); the floor sits just under it so that a regression shows.
F1_FLOOR = 0.945
OOV_FLOOR = 0.74


def test_default_load_is_the_pku_model(pku_model):
    assert pku_model.name == "pku"
    assert Segmenter.load().name == "pku"


def test_accuracy_floor_on_the_first_300_lines_of_the_pku_test(pku_model, data_dir):
    gold = read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:300]
    words = read_word_list(data_dir / "pku" / "pku_training_words.utf8")
    s = score([g.words for g in gold], pku_model.cut_batch([g.text for g in gold]), words)
    assert s.f1 >= F1_FLOOR
    assert s.oov_recall >= OOV_FLOOR


GOLDEN = {
    "我爱北京天安门。": ["我", "爱", "北京", "天安门", "。"],
    "今天是2026年11月22日。": ["今天", "是", "2026年", "11月", "22日", "。"],
    "结婚的和尚未结婚的都来了": ["结婚", "的", "和", "尚未", "结婚", "的", "都", "来", "了"],
    "中共中央总书记、国家主席江泽民发表新年讲话": [
        "中共中央", "总书记", "、", "国家", "主席", "江", "泽民", "发表", "新年", "讲话"],
    "访问www.example.com的人增长了１２．５％": ["访问", "www.example.com", "的", "人", "增长", "了", "１２．５％"],
}


def test_golden_segmentations(pku_model):
    assert pku_model.cut_batch(list(GOLDEN)) == list(GOLDEN.values())
