"""The training API under its older import path: `segmenter.training` holds it (its modules:
`segmenter/training/__init__.py`)."""

from __future__ import annotations

from segmenter.heads import softmax_loss as tag_loss  # the old name, kept for old imports
from segmenter.training.checkpoint import CHECKPOINT, average_runs, load_run, read_checkpoint, torch_state
from segmenter.training.data import (
    WORD_FOLDS,
    Batch,
    Corpus,
    Example,
    batches,
    epoch_order,
    epoch_quotas,
    make_examples,
    pos_tag_set,
    training_examples,
)
from segmenter.training.loop import train
from segmenter.training.options import INHERITED, ModelOptions
from segmenter.training.plan import RunPlan, plan_run
from segmenter.training.report import TRAIN_LOG, dev_meta, evaluate
from segmenter.training.start import load_pretrained, model_path
from segmenter.training.teacher import Teacher, load_teacher

__all__ = ["CHECKPOINT", "INHERITED", "TRAIN_LOG", "WORD_FOLDS", "Batch", "Corpus", "Example", "ModelOptions",
           "RunPlan", "Teacher", "average_runs", "batches", "dev_meta", "epoch_order", "epoch_quotas", "evaluate",
           "load_pretrained", "load_run", "load_teacher", "make_examples", "model_path", "plan_run", "pos_tag_set",
           "read_checkpoint", "tag_loss", "torch_state", "train", "training_examples"]
