"""`segmenter.training.loop`: training runs end to end: learning, the same weights from the same
seed, resuming from a checkpoint, starting from a model, the mixed standard."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from segmenter import Segmenter
from segmenter.config import ModelConfig, TrainConfig
from segmenter.corpus import Sentence, split_dev
from segmenter.model import BiRNNTagger
from segmenter.scoring import score
from segmenter.training.checkpoint import CHECKPOINT
from segmenter.training.data import Corpus
from segmenter.training.loop import train
from segmenter.training.report import TRAIN_LOG
from tests.conftest import TINY_MODEL


def test_tiny_training_run_learns_something(tiny_model_dir, tiny_corpus):
    log = [json.loads(line) for line in (tiny_model_dir / TRAIN_LOG).read_text().splitlines()]
    assert [r["epoch"] for r in log] == list(range(1, len(log) + 1))
    assert log[-1]["loss"] < log[0]["loss"]
    seg = Segmenter.load(tiny_model_dir)
    _, dev = split_dev(tiny_corpus)
    s = score([d.words for d in dev], seg.cut_batch([d.text for d in dev]))
    assert s.f1 > 0.6  # an untrained model (or one that splits every character) scores far less here
    every_char = score([d.words for d in dev], [list(d.text) for d in dev])
    assert s.f1 > every_char.f1 + 0.05
    meta = json.loads((tiny_model_dir / "meta.json").read_text())
    assert abs(meta["dev"]["f1"] - max(r["dev_f1"] for r in log)) < 1e-4


def _run(out, corpus, epochs, resume=False, seed=7):
    train_set, dev_set = split_dev(corpus[:150])
    return train([Corpus("pku", train_set, dev_set)], out, dict(TINY_MODEL, dropout=0.0),
                 TrainConfig(epochs=epochs, seed=seed, patience=10, lr_decay=1.0), resume=resume, progress=False)


def test_same_seed_gives_the_same_weights(tmp_path, tiny_corpus):
    _run(tmp_path / "a", tiny_corpus, 1)
    _run(tmp_path / "b", tiny_corpus, 1)
    a = load_file(str(tmp_path / "a" / "model.safetensors"))
    b = load_file(str(tmp_path / "b" / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resume_continues_from_the_checkpoint(tmp_path, tiny_corpus, monkeypatch):
    import segmenter.training.report as t  # the loop calls report.evaluate

    out = tmp_path / "r"
    real_evaluate = t.evaluate
    calls = []

    def interrupted_in_epoch_3(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C during epoch 3
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(t, "evaluate", interrupted_in_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        _run(out, tiny_corpus, 3)
    monkeypatch.setattr(t, "evaluate", real_evaluate)
    assert (out / CHECKPOINT).exists()
    summary = _run(out, tiny_corpus, 3, resume=True)
    log = [json.loads(line) for line in (out / TRAIN_LOG).read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2, 3]
    assert summary["epochs_run"] == 3
    assert not (out / CHECKPOINT).exists()
    # resuming gives the same result as one uninterrupted run
    _run(tmp_path / "straight", tiny_corpus, 3)
    straight = [json.loads(line) for line in (tmp_path / "straight" / TRAIN_LOG).read_text().splitlines()]
    assert [r["loss"] for r in straight] == [r["loss"] for r in log]
    assert [r["dev_f1"] for r in straight] == [r["dev_f1"] for r in log]


def test_init_starts_from_a_model_s_weights_and_refuses_another_network(tmp_path, tiny_corpus):
    _run(tmp_path / "base", tiny_corpus, 2)
    train_set, dev_set = split_dev(tiny_corpus[:150])
    corpus = [Corpus("pku", train_set, dev_set)]
    options = dict(TINY_MODEL, dropout=0.0)
    tiny_lr = TrainConfig(epochs=1, seed=7, lr=1e-9, min_char_count=2)
    train(corpus, tmp_path / "tuned", options, tiny_lr, init=tmp_path / "base", progress=False)
    train(corpus, tmp_path / "fresh", options, tiny_lr, progress=False)
    base = load_file(str(tmp_path / "base" / "model.safetensors"))
    tuned = load_file(str(tmp_path / "tuned" / "model.safetensors"))
    fresh = load_file(str(tmp_path / "fresh" / "model.safetensors"))
    assert all(torch.allclose(base[k].float(), tuned[k].float(), atol=1e-4) for k in base)
    assert not all(torch.allclose(base[k].float(), fresh[k].float(), atol=1e-4) for k in base)
    with pytest.raises(ValueError, match="--init"):
        train(corpus, tmp_path / "other", dict(options, hidden=TINY_MODEL["hidden"] + 1), tiny_lr,
              init=tmp_path / "base", progress=False)


def test_a_mixed_standard_starts_from_the_mean_and_learns_what_the_standards_share(tiny_multi_models_dir,
                                                                                 tmp_path, data_dir):
    """`mixed_share` adds a standard `mixed` read by that share of the pieces (with their own
    labels). Started from a model without it (`init`), it begins as the mean of the other
    standards' embeddings and every other weight is the model's; trained on, it segments between
    the two tiny standards that disagree on purpose (PFR words and single characters), and each
    dev set's score in it is logged and recorded."""
    from segmenter import artifact
    from segmenter.config import MIXED, TrainConfig
    from segmenter.corpus import read_corpus, split_dev
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train
    from segmenter.training.start import load_init

    base = tiny_multi_models_dir / "multi"
    art = artifact.load(base)
    cfg = ModelConfig(**{**art.config.to_json(), "standards": (*art.config.standards, MIXED)})
    model = BiRNNTagger(cfg)
    load_init(model, art.vocab, art, str(base))
    table = model.std_emb.weight.detach().numpy()
    assert table[:2] == pytest.approx(art.state["std_emb.weight"])
    assert table[2] == pytest.approx(art.state["std_emb.weight"].mean(0))
    assert model.out.weight.detach().numpy() == pytest.approx(art.state["out.weight"])

    sents = read_corpus(data_dir / "pku" / "pfr199801_pos.utf8")[:500]
    pku_train, pku_dev = split_dev(sents[:250])
    chars_train, chars_dev = split_dev([Sentence(list(s.text)) for s in sents[250:]])
    out = tmp_path / "mixed"
    train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], out,
          dict(TINY_MODEL, labels=art.config.labels, standard_dim=4),
          TrainConfig(epochs=3, lr=1e-2, seed=3, min_char_count=1, mixed_share=0.5), progress=False, init=base)
    seg = Segmenter.load(out)
    assert seg.standards == ("pku", "chars", MIXED) and seg.standard == "pku"
    texts = [s.text for s in pku_dev]
    n_words = {std: sum(len(seg.cut(t, standard=std)) for t in texts) for std in seg.standards}
    assert n_words["pku"] < n_words[MIXED] < n_words["chars"], n_words
    table = artifact.load(out).state["std_emb.weight"]
    assert table[2] != pytest.approx(table[:2].mean(0), abs=1e-3)  # the pieces that read it moved it
    meta = artifact.read_meta(out)
    assert set(meta["dev_mixed_by_standard"]) == {"pku", "chars"}
    rows = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert all(0 < r["dev_f1_mixed_mean"] < 1 for r in rows)
    with pytest.raises(ValueError, match="no corpus may be named"):
        train([Corpus(MIXED, pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], tmp_path / "x",
              dict(TINY_MODEL), TrainConfig(epochs=1), progress=False)

    # fine-tuned without training it, a model keeps its mixed standard, as the mean of the others
    kept = tmp_path / "kept"
    train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], kept,
          dict(TINY_MODEL, labels=art.config.labels, standard_dim=4),
          TrainConfig(epochs=1, lr=1e-2, seed=3, min_char_count=1), progress=False, init=out)
    table = artifact.load(kept).state["std_emb.weight"]
    assert Segmenter.load(kept).standards == ("pku", "chars", MIXED)
    assert table[2] == pytest.approx(table[:2].mean(0), abs=1e-3)

    # mixed_only: the mixed row alone learns, so the other standards segment exactly as before
    only = tmp_path / "only"
    train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], only,
          dict(TINY_MODEL, labels=art.config.labels, standard_dim=4),
          TrainConfig(epochs=2, lr=1e-2, seed=3, min_char_count=1, mixed_only=True), progress=False, init=base)
    trained = artifact.load(only).state
    for name, weights in art.state.items():
        if name == "std_emb.weight":
            assert np.array_equal(trained[name][:2], weights)
            assert trained[name][2] != pytest.approx(weights.mean(0), abs=1e-3)
        else:
            assert np.array_equal(trained[name], weights), name
    assert artifact.read_meta(only)["dev_mixed_by_standard"]
    with pytest.raises(ValueError, match="init"):
        train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], tmp_path / "y",
              dict(TINY_MODEL), TrainConfig(epochs=1, mixed_only=True), progress=False)


def test_the_old_import_path_keeps_the_training_api():
    import segmenter.train as old  # the shim: nothing in the tree imports it any more, old scripts do
    from segmenter.training import data

    assert old.train is train and old.Corpus is data.Corpus and all(hasattr(old, name) for name in old.__all__)
