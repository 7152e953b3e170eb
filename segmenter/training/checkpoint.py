"""A run's resumable state between epochs (`checkpoint.pt`), a model directory's weights as a
torch state, and runs (model directories or checkpoints) read or averaged as artefacts."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from segmenter import artifact
from segmenter.config import ModelConfig, TrainConfig
from segmenter.model import BiRNNTagger
from segmenter.training.optim import Optimisers
from segmenter.vocab import Vocab

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pt"  # training state between epochs; removed when training ends


@dataclass
class Record:
    """Where a run stands: the checkpoint's entries besides the weights and optimiser states."""

    epoch: int = 0  # the last epoch finished
    best_f1: float = -1.0  # mean dev F1 over the standards
    best_epoch: int = 0
    bad: int = 0  # epochs since the last dev gain
    seconds: float = 0.0  # training and evaluation so far


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read: its torch state (weights, optimisers, record), vocabulary and model
    configuration."""

    state: dict[str, Any]
    vocab: Vocab
    config: ModelConfig

    @property
    def mixed(self) -> tuple[float, bool]:
        """The run's (mixed_share, mixed_only); checkpoints before the mixed standard: neither."""
        saved = tuple(self.state.get("mixed", (0.0, False)))
        return float(saved[0]), bool(saved[1])

    def artifact(self) -> artifact.Artifact:
        """Its configuration, vocabulary and float32 weights, as a model directory's."""
        return artifact.Artifact(self.config, self.vocab,
                                 {k: v.float().numpy() for k, v in self.state["model"].items()}, {})


def torch_state(art: artifact.Artifact) -> dict[str, torch.Tensor]:
    """A model directory's weights as a torch state dict."""
    return {k: torch.from_numpy(v) for k, v in art.state.items()}


def read_checkpoint(path: str | Path) -> Checkpoint | None:
    """The training state saved after the last finished epoch, with its vocabulary and model
    configuration; None without a checkpoint."""
    path = Path(path)
    if not path.is_file():
        return None
    state = torch.load(path, weights_only=True)
    vocab = Vocab.from_json(json.loads(state["vocab"]))
    mcfg = ModelConfig.from_json(json.loads(state["model_config"]))
    log.info("resuming from %s after epoch %d", path, state["epoch"])
    return Checkpoint(state, vocab, mcfg)


def write_checkpoint(path: str | Path, model: BiRNNTagger, opt: Optimisers, record: Record, cfg: TrainConfig,
                     vocab: Vocab, mcfg: ModelConfig) -> None:
    """Save the state after epoch `record.epoch`: weights, optimisers, record, torch's random state."""
    torch.save({"epoch": record.epoch, "model": model.state_dict(), **opt.state_dict(),
                "best_f1": record.best_f1, "best_epoch": record.best_epoch, "bad": record.bad,
                "seconds": record.seconds, "torch_rng": torch.get_rng_state(),
                "mixed": (cfg.mixed_share, cfg.mixed_only),
                "vocab": json.dumps(vocab.to_json()), "model_config": json.dumps(mcfg.to_json())},
               path)


def restore(checkpoint: Checkpoint, model: BiRNNTagger, opt: Optimisers) -> Record:
    """Weights, optimiser states and torch's random state from a checkpoint; where the run stood."""
    state = checkpoint.state
    model.load_state_dict(state["model"])
    opt.load_state_dict(state)
    torch.set_rng_state(state["torch_rng"])
    return Record(state["epoch"], state["best_f1"], state["best_epoch"], state["bad"], state["seconds"])


def load_run(path: str | Path) -> artifact.Artifact:
    """A run's configuration, vocabulary and float32 weights: a model directory's, or a training
    checkpoint's (read as a resumed run reads it). A `ValueError` when it is neither."""
    path = Path(path)
    if path.is_dir():
        return artifact.load(path)
    found = read_checkpoint(path)
    if found is None:
        raise ValueError(f"{path} is neither a model directory nor a training checkpoint")
    return found.artifact()


def average_runs(paths: Sequence[str | Path]) -> artifact.Artifact:
    """The weights of several runs (model directories or checkpoints of one vocabulary and
    configuration) averaged (`artifact.average`)."""
    return artifact.average([load_run(p) for p in paths], [str(p) for p in paths])
