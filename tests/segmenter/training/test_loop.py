import json

import pytest
import torch
from safetensors.torch import load_file

from segmenter import Segmenter
from segmenter.config import TrainConfig
from segmenter.corpus import split_dev
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
