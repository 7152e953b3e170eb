"""`segmenter.training.checkpoint`: the resumable state, and runs read or averaged as artefacts
(what `bench/combine.py` uses)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from segmenter import artifact
from segmenter.config import TrainConfig
from segmenter.corpus import Sentence
from segmenter.training.checkpoint import (
    CHECKPOINT,
    Record,
    average_runs,
    load_run,
    read_checkpoint,
    restore,
    torch_state,
    write_checkpoint,
)
from segmenter.training.data import Corpus
from segmenter.training.loop import prepare
from segmenter.training.plan import plan_run
from tests.conftest import TINY_MODEL


def test_a_checkpoint_written_is_read_back_with_where_the_run_stood(tmp_path):
    sents = [Sentence(["我", "爱", "北京"]), Sentence(["今天", "天气", "好"])]
    cfg = TrainConfig(min_char_count=1, mixed_share=0.0)
    run, _ = prepare(plan_run([Corpus("", sents, sents)], tmp_path, TINY_MODEL, cfg))
    write_checkpoint(tmp_path / CHECKPOINT, run.model, run.opt, Record(3, 0.5, 2, 1, 9.5), cfg, run.plan.vocab,
                     run.plan.config)
    found = read_checkpoint(tmp_path / CHECKPOINT)
    assert found is not None and found.config == run.plan.config and found.vocab == run.plan.vocab
    assert found.mixed == (0.0, False)
    other, _ = prepare(plan_run([Corpus("", sents, sents)], tmp_path / "o", TINY_MODEL, cfg))
    assert restore(found, other.model, other.opt) == Record(3, 0.5, 2, 1, 9.5)
    assert all(torch.equal(a, b) for a, b in zip(other.model.state_dict().values(), run.model.state_dict().values()))
    assert set(found.artifact().state) == set(run.model.state_dict())
    assert read_checkpoint(tmp_path / "none.pt") is None


def test_a_run_is_a_model_directory_or_a_checkpoint(tmp_path, tiny_model_dir):
    art = load_run(tiny_model_dir)
    assert art.config == artifact.load(tiny_model_dir).config
    with pytest.raises(ValueError, match="neither a model directory nor a training checkpoint"):
        load_run(tmp_path / "missing.pt")


def test_averaging_a_run_with_itself_gives_its_weights(tiny_model_dir):
    soup = average_runs([tiny_model_dir, tiny_model_dir])
    state = torch_state(artifact.load(tiny_model_dir))
    assert all(np.allclose(soup.state[k], state[k].float().numpy()) for k in state)
