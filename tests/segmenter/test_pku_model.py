"""The shipped models: golden segmentations and an accuracy floor on the PKU test."""

import pytest

from segmenter import Segmenter
from segmenter.corpus import read_corpus, read_word_list
from segmenter.metrics import score

# Measured with each model on the first 300 lines of pku_test_gold.utf8 (see the model cards:
# pku 2026-11-22, pku-fast 2026-11-23); each floor sits just under its measurement so that a
# regression shows.
FLOORS = {"pku": (0.945, 0.74), "pku-fast": (0.940, 0.72)}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def model(request):
    return Segmenter.load(request.param)


def test_default_load_is_the_pku_model():
    assert Segmenter.load().name == "pku"
    assert set(FLOORS) <= set(Segmenter.available())


def test_accuracy_floor_on_the_first_300_lines_of_the_pku_test(model, data_dir):
    gold = read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:300]
    words = read_word_list(data_dir / "pku" / "pku_training_words.utf8")
    s = score([g.words for g in gold], model.cut_batch([g.text for g in gold]), words)
    f1_floor, oov_floor = FLOORS[model.name]
    assert s.f1 >= f1_floor
    assert s.oov_recall >= oov_floor


GOLDEN = {
    "我爱北京天安门。": ["我", "爱", "北京", "天安门", "。"],
    "今天是2026年11月22日。": ["今天", "是", "2026年", "11月", "22日", "。"],
    "结婚的和尚未结婚的都来了": ["结婚", "的", "和", "尚未", "结婚", "的", "都", "来", "了"],
    "中共中央总书记、国家主席江泽民发表新年讲话": [
        "中共中央", "总书记", "、", "国家", "主席", "江", "泽民", "发表", "新年", "讲话"],
    "访问www.example.com的人增长了１２．５％": ["访问", "www.example.com", "的", "人", "增长", "了", "１２．５％"],
}


def test_golden_segmentations(model):
    assert model.cut_batch(list(GOLDEN)) == list(GOLDEN.values())
