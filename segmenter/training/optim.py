"""The optimisers of a run: Adam for the dense parameters, SparseAdam for the bigram table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from segmenter.config import TrainConfig
from segmenter.model import BiRNNTagger


@dataclass
class Optimisers:
    """Adam for the dense parameters (their gradients clipped) and SparseAdam for the bigram
    table, each with its learning-rate decay per epoch."""

    dense: list[nn.Parameter]
    optimizers: list[torch.optim.Optimizer]
    schedulers: list[torch.optim.lr_scheduler.ExponentialLR]

    @classmethod
    def for_model(cls, model: BiRNNTagger, cfg: TrainConfig) -> Optimisers:
        dense = [p for n, p in model.named_parameters() if not n.startswith("bigram_emb") and p.requires_grad]
        opts: list[torch.optim.Optimizer] = [torch.optim.Adam(dense, lr=cfg.lr)]
        if model.bigram_emb is not None and model.bigram_emb.weight.requires_grad:
            opts.append(torch.optim.SparseAdam(list(model.bigram_emb.parameters()), lr=cfg.lr))
        return cls(dense, opts, [torch.optim.lr_scheduler.ExponentialLR(o, gamma=cfg.lr_decay) for o in opts])

    @property
    def lr(self) -> Any:
        """The dense parameters' current learning rate."""
        return self.optimizers[0].param_groups[0]["lr"]

    def zero_grad(self) -> None:
        for o in self.optimizers:
            o.zero_grad(set_to_none=True)

    def step(self, clip: float) -> None:
        nn.utils.clip_grad_norm_(self.dense, clip)
        for o in self.optimizers:
            o.step()

    def decay(self) -> None:
        for s in self.schedulers:
            s.step()

    def state_dict(self) -> dict[str, Any]:
        """The checkpoint's "optimizers" and "schedulers" entries."""
        return {"optimizers": [o.state_dict() for o in self.optimizers],
                "schedulers": [s.state_dict() for s in self.schedulers]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for o, s in zip(self.optimizers, state["optimizers"]):
            o.load_state_dict(s)
        for sch, s in zip(self.schedulers, state["schedulers"]):
            sch.load_state_dict(s)
