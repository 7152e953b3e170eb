"""`segmenter.training.optim`: Adam for the dense parameters, SparseAdam for the bigram table, the
learning rate decayed once per epoch."""

import pytest
import torch

from segmenter.config import ModelConfig, TrainConfig
from segmenter.model import BiRNNTagger
from segmenter.training.optim import Optimisers


def test_the_bigram_table_has_its_own_sparse_optimiser_and_both_decay_each_epoch():
    model = BiRNNTagger(ModelConfig(n_units=10, n_bigrams=12, char_dim=4, bigram_dim=2, hidden=3))
    opt = Optimisers.for_model(model, TrainConfig(lr=0.01, lr_decay=0.5))
    dense, sparse = opt.optimizers
    assert isinstance(dense, torch.optim.Adam) and isinstance(sparse, torch.optim.SparseAdam)
    assert sparse.param_groups[0]["params"] == [model.bigram_emb.weight]
    assert not any(p is model.bigram_emb.weight for p in opt.dense)
    assert len(opt.dense) == len(list(model.parameters())) - 1
    before = model.bigram_emb.weight.detach().clone()
    model(torch.tensor([[1, 2, 3]]), torch.tensor([[1, 2, 3, 4]]), torch.tensor([3])).sum().backward()
    opt.step(clip=5.0)  # the sparse gradient of the bigram table: only the rows read move
    moved = (model.bigram_emb.weight.detach() != before).any(1)
    assert moved[1:5].all() and not moved[5:].any()
    opt.decay()
    assert opt.lr == pytest.approx(0.005) and sparse.param_groups[0]["lr"] == pytest.approx(0.005)
    without = BiRNNTagger(ModelConfig(n_units=10, n_bigrams=12, char_dim=4, bigram_dim=0, hidden=3))
    assert len(Optimisers.for_model(without, TrainConfig()).optimizers) == 1  # no bigram table
