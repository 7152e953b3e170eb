"""`BiRNNTagger`: unit ids in, BMES tag scores out. Tensors only."""

from __future__ import annotations

import os
from collections.abc import Callable

import torch
from torch import nn

from segmenter.config import Cell, ModelConfig

_CELLS: dict[Cell, Callable[..., nn.RNNBase]] = {Cell.LSTM: nn.LSTM, Cell.GRU: nn.GRU, Cell.RNN: nn.RNN}


ONEDNN_CACHE = "ONEDNN_PRIMITIVE_CACHE_CAPACITY"


def bound_backend_caches(capacity: int = 16) -> None:
    """Keep at most `capacity` compiled oneDNN primitives in this process (unless the variable
    is already set). Must run before the first inference; the CLI and the service call it.

    torch's CPU LSTM builds a oneDNN primitive, with its own workspace, for every input shape and
    caches up to 1024 of them: a server that sees every batch size and length grew from 360 to
    800 MiB over 100k requests. Measured: 16 bounds the growth for a few percent of speed
    (`bench/backend_cache.py`, BENCHMARKS.md).
    """
    os.environ.setdefault(ONEDNN_CACHE, str(capacity))


def reverse_index(lengths: torch.Tensor, seq_len: int) -> torch.Tensor:
    """Index that reverses each row within its own length and leaves the padding in place.

    It is its own inverse: gathering twice gives the original order back.
    """
    t = torch.arange(seq_len, device=lengths.device).unsqueeze(0)  # (1, seq)
    last = (lengths - 1).unsqueeze(1)  # (batch, 1)
    return torch.where(t <= last, last - t, t)  # (batch, seq)


class BiRNNTagger(nn.Module):
    """Unit and unit-bigram embeddings, a stacked (bi)directional RNN, a linear tag layer.

    Each direction runs as a one-directional RNN over the padded batch; the backward one
    reads every row reversed within its length. This gives the same result as packed
    sequences (padding never reaches a real position) and runs on the fast oneDNN path.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.char_emb = nn.Embedding(config.n_chars, config.char_dim, padding_idx=0)
        self.bigram_emb = (
            nn.Embedding(config.n_bigrams, config.bigram_dim, padding_idx=0, sparse=True)
            if config.bigram_dim > 0
            else None
        )
        self.dropout = nn.Dropout(config.dropout)
        rnn = _CELLS[config.cell]
        dirs = 2 if config.bidirectional else 1
        in_dim = config.char_dim + 2 * config.bigram_dim
        self.fwd = nn.ModuleList()
        self.bwd = nn.ModuleList()
        for layer in range(config.layers):
            d = in_dim if layer == 0 else config.hidden * dirs
            self.fwd.append(rnn(d, config.hidden, batch_first=True))
            if config.bidirectional:
                self.bwd.append(rnn(d, config.hidden, batch_first=True))
        self.out = nn.Linear(config.hidden * dirs, len(config.tags))

    def forward(self, chars: torch.Tensor, bigrams: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """chars (batch, seq) unit ids; bigrams (batch, seq+1) bigram ids (unit i has left
        bigram i and right bigram i+1); lengths (batch,). Returns (batch, seq, n_tags) scores."""
        x = self.char_emb(chars)  # (batch, seq, char_dim)
        if self.bigram_emb is not None:
            bg = self.bigram_emb(bigrams)  # (batch, seq+1, bigram_dim)
            x = torch.cat([x, bg[:, :-1], bg[:, 1:]], dim=-1)  # (batch, seq, in_dim)
        x = self.dropout(x)
        rev = None
        if self.config.bidirectional:
            rev = reverse_index(lengths, chars.shape[1]).unsqueeze(-1)  # (batch, seq, 1)
        for layer in range(self.config.layers):
            h_f, _ = self.fwd[layer](x)  # (batch, seq, hidden)
            if rev is not None:
                x_r = x.gather(1, rev.expand(-1, -1, x.shape[-1]))
                h_r, _ = self.bwd[layer](x_r)  # (batch, seq, hidden), reversed order
                h_b = h_r.gather(1, rev.expand(-1, -1, h_r.shape[-1]))
                h_f = torch.cat([h_f, h_b], dim=-1)  # (batch, seq, 2*hidden)
            x = self.dropout(h_f)
        return self.out(x)  # (batch, seq, n_tags)
