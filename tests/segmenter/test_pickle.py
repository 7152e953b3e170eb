"""A `Segmenter` pickles as its model's reference, options and user dictionary (`Segmenter.__reduce__`),
so that process pools, Spark UDFs and `datasets.map` can take one."""

import multiprocessing
import pickle
import shutil

import pytest

from segmenter import Segmenter
from segmenter.errors import ModelLoadError
from segmenter.lexicon import Entry

TEXTS = ["我爱北京天安门。", "中将军衔的人来了", "结婚的和尚未结婚的都来了"]


def test_a_named_model_round_trips_with_its_standard_options_and_user_dictionary():
    seg = Segmenter.load("multi-fast:ctb6", user_words=["北京天安", "中 将"], batch_size=32, threads=1)
    seg.add_word("尚未结婚", pos="v")
    back = pickle.loads(pickle.dumps(seg))
    assert (back.name, back.path, back.standard, back.batch_size, back.threads) == (
        "multi-fast", seg.path, "ctb6", 32, 1)
    assert list(back.lexicon) == list(seg.lexicon) == [
        Entry(("北京天安",)), Entry(("中", "将")), Entry(("尚未结婚",), "v")]
    assert back.tokenize_batch(TEXTS, pos=True) == seg.tokenize_batch(TEXTS, pos=True)
    assert back.cut("我爱北京天安门") == ["我", "爱", "北京天安", "门"]  # the user word came along
    assert pickle.dumps(back) == pickle.dumps(seg)  # stable bytes: a stable fingerprint for datasets.map


def test_a_model_given_by_path_round_trips_and_a_missing_one_is_a_model_load_error(tiny_model_dir, tmp_path):
    copy = tmp_path / "mine"
    shutil.copytree(tiny_model_dir, copy)
    seg = Segmenter.load(copy)
    data = pickle.dumps(seg)
    assert pickle.loads(data).cut_batch(TEXTS) == seg.cut_batch(TEXTS)
    shutil.rmtree(copy)
    with pytest.raises(ModelLoadError, match="mine"):
        pickle.loads(data)


def test_a_segmenter_without_a_model_directory_refuses_to_pickle(tiny_model_dir):
    loaded = Segmenter.load(tiny_model_dir)
    in_memory = Segmenter(loaded.weights, loaded.vocab)
    with pytest.raises(TypeError, match="Segmenter.load"):
        pickle.dumps(in_memory)


def test_a_spawn_process_pool_maps_cut():
    seg = Segmenter.load(threads=1, user_words=["北京天安"])
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        got = pool.map(seg.cut, TEXTS)
    assert got == [seg.cut(t) for t in TEXTS]
    assert "北京天安" in got[0]
