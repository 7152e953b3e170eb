"""`segmenter.training.options`: the network a run asks for (`ModelOptions`), and what a fine-tuning
run inherits from the model it starts from; a contradicting option is an error naming it."""

import dataclasses

import pytest

from segmenter import Segmenter
from segmenter.cli import main
from segmenter.config import ModelConfig, TrainConfig
from segmenter.corpus import Sentence
from segmenter.training.data import Corpus
from segmenter.training.loop import train
from segmenter.training.options import ModelOptions
from tests.conftest import TINY_MODEL
from tests.segmenter.conftest import CRF_CONFIG


def test_fine_tuning_keeps_the_features_of_the_init_model_and_its_kind_of_labels(tmp_path):
    sents = [Sentence(["北京", "天安门"]), Sentence(["我", "爱", "北京"])] * 10
    corpora = [Corpus("a", sents, sents[:2]), Corpus("b", sents, sents[:2])]
    train(corpora, tmp_path / "wf", dict(TINY_MODEL, word_features=3), TrainConfig(epochs=1), progress=False)
    train(corpora, tmp_path / "tuned", dict(TINY_MODEL), TrainConfig(epochs=1), init=tmp_path / "wf", progress=False)
    assert Segmenter.load(tmp_path / "tuned").config.word_features == 3  # not asked again: kept
    with pytest.raises(ValueError, match="dictionary features"):
        train(corpora, tmp_path / "mixed", dict(TINY_MODEL), TrainConfig(epochs=1, mixed_only=True),
              init=tmp_path / "wf", progress=False)
    with pytest.raises(ValueError, match="--pos"):
        train(corpora, tmp_path / "pos", dict(TINY_MODEL, labels=tuple(f"{t}-{p}" for p in "nv" for t in "BMES")),
              TrainConfig(epochs=1), init=tmp_path / "wf", progress=False)


def test_fine_tuning_keeps_the_head_of_the_model_it_starts_from():
    from segmenter.training.options import ModelOptions, inherited

    assert inherited(CRF_CONFIG, ModelOptions(), "base").head == "crf"
    with pytest.raises(ValueError, match="--head contradicts it"):
        inherited(CRF_CONFIG, ModelOptions(head="softmax"), "base")


def test_a_contradicting_network_flag_is_an_error_naming_it(tiny_multi_models_dir, tiny_model_dir, novel, tmp_path,
                                                            monkeypatch, capsys):
    monkeypatch.setenv("SEGMENTER_MODELS_DIR", str(tiny_multi_models_dir))
    out = str(tmp_path / "out")
    for flags, named in ((["--hidden", "999"], "--hidden"), (["--word-features", "0", "--cell", "gru"], "--cell")):
        assert main(["train", "--init", "multi", "--train", f"mydomain={novel}", "--out", out, *flags]) == 2
        err = capsys.readouterr().err
        assert named in err and err.count("\n") == 1
    # the same value as the model's is no contradiction
    assert main(["train", "--init", "multi", "--train", f"mydomain={novel}", "--out", out, "--hidden", "16",
                 "--epochs", "1", "--quiet"]) == 0
    # a model without parts of speech: --pos contradicts it
    assert main(["train", "--init", str(tiny_model_dir), "--train", str(novel), "--out", out, "--pos"]) == 2
    assert "--pos" in capsys.readouterr().err
    # a multi-standard model needs the corpus's standard named; an unknown model name is one line too
    assert main(["train", "--init", "multi", "--train", str(novel), "--out", out]) == 2
    assert "NAME=PATH" in capsys.readouterr().err
    assert main(["train", "--init", "no-such-model", "--train", f"x={novel}", "--out", out]) == 2
    assert "no-such-model" in capsys.readouterr().err


def test_model_options_are_the_model_configs_fields_but_the_vocabulary_sizes():
    config = {f.name for f in dataclasses.fields(ModelConfig)} - {"n_units", "n_bigrams"}
    assert {f.name for f in dataclasses.fields(ModelOptions)} == config | {"pos"}
    assert ModelOptions.of({"hidden": 8, "labels": ["B", "M", "E", "S"]}).given() == {
        "hidden": 8, "labels": ("B", "M", "E", "S")}
    with pytest.raises(ValueError, match=r"unknown model options \['hiden'\]"):
        ModelOptions.of({"hiden": 8})
