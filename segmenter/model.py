"""`BiRNNTagger`: unit ids in, BMES tag scores out. Tensors only; its parameters are those of
`network.network(config)`, its loss its head's."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from segmenter.config import ModelConfig
from segmenter.network import CELLS, network


def reverse_index(lengths: torch.Tensor, seq_len: int) -> torch.Tensor:
    """Index that reverses each row within its own length and leaves the padding in place.

    It is its own inverse: gathering twice gives the original order back.
    """
    t = torch.arange(seq_len, device=lengths.device).unsqueeze(0)  # (1, seq)
    last = (lengths - 1).unsqueeze(1)  # (batch, 1)
    return torch.where(t <= last, last - t, t)  # (batch, seq)


class BiRNNTagger(nn.Module):
    """Unit and unit-bigram embeddings, a stacked bidirectional RNN, a linear tag layer.

    Each direction runs as a one-directional RNN over the padded batch; the backward one
    reads every row reversed within its length. This gives the same result as packed
    sequences (padding never reaches a real position) and runs on the fast oneDNN path.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        net = network(config)  # every parameter, in order (the order draws the initial values)
        self.head = net.head
        self.char_emb: nn.Embedding
        self.bigram_emb: nn.Embedding | None = None
        self.std_emb: nn.Embedding | None = None
        for emb in net.embeddings:
            setattr(self, emb.name, nn.Embedding(emb.rows, emb.dim, padding_idx=0 if emb.padding else None,
                                                 sparse=emb.sparse))
        self.dropout = nn.Dropout(config.dropout)
        self.fwd = nn.ModuleList()
        self.bwd = nn.ModuleList()
        for layer in net.layers:
            rnn = getattr(nn, CELLS[layer.cell].torch)
            for side in layer.sides:
                getattr(self, side).append(rnn(layer.d_in, layer.hidden, batch_first=True))
        self.out = nn.Linear(net.d_out, net.head.outputs)
        for name, shape in net.head.decoder_weights.items():  # zero at first, e.g. the CRF's transitions
            module, _, param = name.rpartition(".")
            if not hasattr(self, module):
                self.add_module(module, nn.Module())
            getattr(self, module).register_parameter(param, nn.Parameter(torch.zeros(shape)))

    def loss(self, scores: torch.Tensor, tags: torch.Tensor, joint: torch.Tensor,
             teacher: torch.Tensor | None = None, alpha: float = 0.0, temperature: float = 1.0) -> torch.Tensor:
        """The head's training loss of `scores` (`forward`'s), see `heads.Head.loss`."""
        return self.head.loss(scores, tags, joint, teacher, alpha, temperature,
                              {k: self.get_parameter(k) for k in self.head.decoder_weights})

    def forward(self, chars: torch.Tensor, bigrams: torch.Tensor, lengths: torch.Tensor,
                standards: torch.Tensor | None = None, features: torch.Tensor | None = None) -> torch.Tensor:
        """chars (batch, seq) unit ids; bigrams (batch, seq+1) bigram ids (unit i has left
        bigram i and right bigram i+1); lengths (batch,); standards (batch,) standard ids, for a
        multi-standard model only; features (batch, seq, feature_dim) dictionary flags, for a model
        with dictionary features only. Returns (batch, seq, config.n_outputs) scores: one per label, or
        for a factored model 4 BMES scores then one per part of speech."""
        std: torch.Tensor | None = None
        if self.std_emb is not None:
            if standards is None:
                raise ValueError("a multi-standard model needs the standard of every row")
            std = self.std_emb(standards)  # (batch, standard_dim)
        if (features is None) != (self.config.feature_dim == 0):
            raise ValueError("dictionary features are given exactly to a model that has them")
        x = self._embed(chars, bigrams[:, :-1], bigrams[:, 1:], std, features)  # (batch, seq, in_dim)
        rev = reverse_index(lengths, chars.shape[1])  # (batch, seq)
        # The backward input is embedded from reversed ids: reversing ids is cheaper than
        # reversing embedded vectors.
        x_r = self._embed(chars.gather(1, rev), bigrams[:, :-1].gather(1, rev), bigrams[:, 1:].gather(1, rev), std,
                          None if features is None else _regather(features, rev))
        last = self.config.layers - 1
        for layer in range(last):
            h_f = _run(self.fwd[layer], x)  # (batch, seq, hidden)
            h_r = _run(self.bwd[layer], x_r)  # (batch, seq, hidden), reversed order
            x = self.dropout(torch.cat([h_f, _regather(h_r, rev)], dim=-1))  # (batch, seq, 2*hidden)
            x_r = _regather(x, rev)
        h_f = _run(self.fwd[last], x)
        h_r = _run(self.bwd[last], x_r)
        # The tag layer applied to each direction apart (its weight split in halves), so that only
        # (batch, seq, n_tags) backward scores are put back in order, not the hidden states.
        w_f, w_b = self.out.weight.split(self.config.hidden, dim=1)
        scores_r = F.linear(self.dropout(h_r), w_b)  # (batch, seq, n_tags), reversed order
        return F.linear(self.dropout(h_f), w_f, self.out.bias) + _regather(scores_r, rev)

    def _embed(self, chars: torch.Tensor, left: torch.Tensor, right: torch.Tensor,
               std: torch.Tensor | None, features: torch.Tensor | None = None) -> torch.Tensor:
        """Unit embedding, the left and right bigram embeddings, with dropout; then the standard's
        embedding (batch, standard_dim), the same at every position, and the dictionary features
        (batch, seq, feature_dim), both without dropout."""
        parts = [self.char_emb(chars)]
        if self.bigram_emb is not None:
            parts += [self.bigram_emb(left), self.bigram_emb(right)]
        x = self.dropout(torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0])
        if std is not None:
            x = torch.cat([x, std.unsqueeze(1).expand(-1, x.shape[1], -1).to(x.dtype)], dim=-1)
        if features is not None:
            x = torch.cat([x, features.to(x.dtype)], dim=-1)
        return x


def _run(rnn: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Outputs of a one-directional RNN over x (batch, seq, d)."""
    return rnn(x)[0]  # type: ignore[no-any-return]


def _regather(x: torch.Tensor, rev: torch.Tensor) -> torch.Tensor:
    """x (batch, seq, d) with every row reversed within its length (or back): `rev` from `reverse_index`."""
    return x.gather(1, rev.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
