"""The output layer of a tagger network: a `Head` owns its weights' shapes, its training loss, its
decoding (scores -> labels, `segmenter.decode`) and the probability `Segmenter.tag` reports.

Every head reads the scores of one linear layer `out` over the last recurrent layer's states (what
the ONNX graph outputs); a head may have more weights, which the decoder reads (`decoder_weights`:
the CRF's transitions), not the graph. The loss runs on torch (training); decoding and
probabilities on NumPy (inference needs no torch). Heads: `JointSoftmax` (one score per label),
`FactoredSoftmax` (4 BMES scores and one per part of speech) and `CRF` (BMES scores and learned
BMES transitions). `ModelConfig.head` names one of `HEADS`; `head_of` makes it.

A new head is a subclass here and an entry of `HEADS` (`segmenter train --head` offers its name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from segmenter.decode import NEG, viterbi, viterbi_transitions
from segmenter.tags import ALLOWED, END_ALLOWED, N_TAGS, START_ALLOWED

if TYPE_CHECKING:
    import torch

    from segmenter.config import ModelConfig


class Head:
    """The output layer: `out` (a linear layer to `outputs` scores per unit) and what reads it."""

    name: ClassVar[str]
    # weights read by the decoder, not by the network's graph: name -> shape
    decoder_weights: ClassVar[dict[str, tuple[int, ...]]] = {}
    # whether the loss learns a teacher's label distributions (distillation, the standards a
    # fine-tuning run keeps) and the scores are such distributions, to teach another network
    distils: ClassVar[bool] = True

    def __init__(self, config: ModelConfig, weights: Mapping[str, np.ndarray] | None = None) -> None:
        self.config = config
        self.weights = dict(weights or {})

    @classmethod
    def check(cls, config: ModelConfig) -> None:
        """Raise `ValueError` when the head cannot serve a network of `config`."""

    @property
    def outputs(self) -> int:
        """Scores per unit out of the network."""
        return len(self.config.labels)

    def shapes(self, d_in: int) -> dict[str, tuple[int, ...]]:
        """The head's weights in the network's state dict, in order: the linear layer over `d_in`
        features, then the decoder's."""
        return {"out.weight": (self.outputs, d_in), "out.bias": (self.outputs,), **self.decoder_weights}

    def bind(self, weights: Mapping[str, np.ndarray]) -> Head:
        """The head with the decoder's weights taken from `weights` (a network's state)."""
        return type(self)(self.config, {k: np.asarray(weights[k], dtype=np.float64) for k in self.decoder_weights})

    def loss(self, scores: torch.Tensor, tags: torch.Tensor, joint: torch.Tensor,
             teacher: torch.Tensor | None = None, alpha: float = 0.0, temperature: float = 1.0,
             params: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
        """Mean training loss per labelled position: scores (batch, seq, outputs); tags (batch, seq)
        gold labels, -100 on padding; joint (batch,) False where a row's tags are BMES only;
        `teacher` scores to distil with weight `alpha` at `temperature`; `params` the decoder's
        weights (torch parameters) by name."""
        raise NotImplementedError

    def decode(self, scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None, pos: bool = True) -> np.ndarray:
        """(n, seq) int16 labels (`4 * part of speech + BMES`) of a batch's scores (n, seq, outputs)
        float32 under the additive BMES `mask` (n, seq, 4) or None. `pos` False: the parts of speech
        are not wanted (a head that finds them apart from the segmentation may leave them 0)."""
        raise NotImplementedError

    def probs(self, scores: np.ndarray, best: np.ndarray, lengths: np.ndarray,
              mask: np.ndarray | None) -> np.ndarray:
        """(n, seq) the probability of each chosen BMES label `best` (what `decode` returned)."""
        raise NotImplementedError


class JointSoftmax(Head):
    """One score per label (BMES, or joint BMES-POS), a softmax over them; Viterbi over legal labels."""

    name = "softmax"

    def loss(self, scores: torch.Tensor, tags: torch.Tensor, joint: torch.Tensor,
             teacher: torch.Tensor | None = None, alpha: float = 0.0, temperature: float = 1.0,
             params: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
        return softmax_loss(scores, tags, joint, teacher, alpha, temperature, factored=False)

    def decode(self, scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None, pos: bool = True) -> np.ndarray:
        # Viterbi reads raw scores: log-softmax only subtracts one constant per position.
        return viterbi(np.ascontiguousarray(scores), lengths, mask)

    def probs(self, scores: np.ndarray, best: np.ndarray, lengths: np.ndarray,
              mask: np.ndarray | None) -> np.ndarray:
        return chosen_probs(scores, best)


class FactoredSoftmax(Head):
    """4 BMES scores then one per part of speech, a softmax over each: segmentation decodes on the
    BMES scores alone (the fast BMES Viterbi) and a word takes the best part of speech of its last unit."""

    name = "softmax"

    @property
    def outputs(self) -> int:
        return N_TAGS + len(self.config.labels) // N_TAGS

    def loss(self, scores: torch.Tensor, tags: torch.Tensor, joint: torch.Tensor,
             teacher: torch.Tensor | None = None, alpha: float = 0.0, temperature: float = 1.0,
             params: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
        return softmax_loss(scores, tags, joint, teacher, alpha, temperature, factored=True)

    def decode(self, scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None, pos: bool = True) -> np.ndarray:
        best = viterbi(np.ascontiguousarray(scores[..., :N_TAGS]), lengths, mask)
        if not pos:
            return best
        return best + N_TAGS * scores[..., N_TAGS:].argmax(-1).astype(np.int16)  # type: ignore[no-any-return]

    def probs(self, scores: np.ndarray, best: np.ndarray, lengths: np.ndarray,
              mask: np.ndarray | None) -> np.ndarray:
        return chosen_probs(scores[..., :N_TAGS], best)


class CRF(Head):
    """A linear-chain CRF over BMES labels: the network's 4 scores per unit are emissions, and a
    learned `crf.transitions` (4 x 4, from label i to label j) scores each step. Trained by the
    negative log-likelihood of the gold sequence (the forward algorithm over every path: the model
    learns from the data that illegal steps are unlikely); decoded by Viterbi under the transitions
    restricted to legal BMES steps, with the dictionary and whitespace masks
    (`decode.viterbi_transitions`). Its probability of a unit's label is the CRF marginal over the
    legal paths (forward-backward), under the same masks."""

    name = "crf"
    decoder_weights = {"crf.transitions": (N_TAGS, N_TAGS)}
    distils = False  # its scores are emissions: the label distributions are the CRF's, over whole paths

    @classmethod
    def check(cls, config: ModelConfig) -> None:
        if len(config.labels) != N_TAGS or config.factored:
            raise ValueError("the crf head tags BMES labels only (no parts of speech)")

    def loss(self, scores: torch.Tensor, tags: torch.Tensor, joint: torch.Tensor,
             teacher: torch.Tensor | None = None, alpha: float = 0.0, temperature: float = 1.0,
             params: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
        if teacher is not None and alpha > 0:
            raise ValueError("the crf head does not learn from a teacher's distributions (distillation)")
        assert params is not None
        return crf_nll(scores, tags, params["crf.transitions"])

    def decode(self, scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None, pos: bool = True) -> np.ndarray:
        return viterbi_transitions(scores, lengths, mask, self.weights["crf.transitions"])

    def probs(self, scores: np.ndarray, best: np.ndarray, lengths: np.ndarray,
              mask: np.ndarray | None) -> np.ndarray:
        marginals = crf_marginals(scores, lengths, mask, self.weights["crf.transitions"])
        return np.take_along_axis(marginals, best[..., None].astype(np.int64), axis=-1)[..., 0].astype(np.float32)


HEADS: dict[str, type[Head]] = {"softmax": JointSoftmax, "crf": CRF}


def head_of(config: ModelConfig, weights: Mapping[str, np.ndarray] | None = None) -> Head:
    """The head of a network of `config`; with `weights` (its state), bound to its decoder's weights."""
    cls = FactoredSoftmax if config.factored and config.head == "softmax" else HEADS[config.head]
    head = cls(config)
    return head.bind(weights) if weights is not None and cls.decoder_weights else head


# ------------------------------------------------------------------ the softmax losses
def softmax_loss(scores: torch.Tensor, tags: torch.Tensor, joint: torch.Tensor,
                 teacher: torch.Tensor | None = None, alpha: float = 0.0, temperature: float = 1.0,
                 factored: bool = False) -> torch.Tensor:
    """Mean loss per labelled position.

    scores (batch, seq, outputs) raw scores; tags (batch, seq) gold labels, -100 on padding; joint
    (batch,) False where a row's tags are BMES only. A joint label model on such a row is scored by
    the BMES tag's probability summed over every part of speech; a `factored` model (4 BMES scores,
    then one per part of speech) adds the part-of-speech loss only on rows that have one. With
    `teacher` (batch, seq, labels or outputs) scores of a teacher, the loss is (1 - alpha) * gold +
    alpha * T^2 * KL(teacher_T || student_T), both distributions softened by temperature T (Hinton
    et al. 2015); a factored student learns the teacher's BMES and part-of-speech marginals."""
    valid = tags >= 0
    t = tags.clamp(min=0).unsqueeze(-1)  # (batch, seq, 1)
    if factored:
        gold = _nll(scores[..., :N_TAGS], t % N_TAGS)[valid].mean()
        with_pos = valid & joint.unsqueeze(1)
        if bool(with_pos.any()):
            gold = gold + _nll(scores[..., N_TAGS:], t // N_TAGS)[with_pos].mean()
    else:
        logp = scores.log_softmax(-1)  # (batch, seq, labels)
        nll = -logp.gather(-1, t).squeeze(-1)  # (batch, seq)
        n_labels = scores.shape[-1]
        if n_labels != N_TAGS and not bool(joint.all()):
            seg = logp.reshape(*logp.shape[:2], n_labels // N_TAGS, N_TAGS).logsumexp(2)  # (batch, seq, 4)
            nll = nll.where(joint.unsqueeze(1), -seg.gather(-1, t % N_TAGS).squeeze(-1))
        gold = nll[valid].mean()
    if teacher is None or alpha == 0.0:
        return gold
    if factored:
        if teacher.shape[-1] != scores.shape[-1]:  # a joint-label teacher: its BMES and POS marginals
            p = (teacher / temperature).softmax(-1).reshape(*teacher.shape[:2], -1, N_TAGS)  # (batch, seq, pos, 4)
            kl = _kl(p.sum(2), scores[..., :N_TAGS], temperature) + _kl(p.sum(3), scores[..., N_TAGS:], temperature)
        else:
            kl = (_kl((teacher[..., :N_TAGS] / temperature).softmax(-1), scores[..., :N_TAGS], temperature)
                  + _kl((teacher[..., N_TAGS:] / temperature).softmax(-1), scores[..., N_TAGS:], temperature))
    else:
        kl = _kl((teacher / temperature).softmax(-1), scores, temperature)
    return (1 - alpha) * gold + alpha * temperature ** 2 * kl[valid].mean()


def _nll(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(batch, seq) negative log-probability of `target` (batch, seq, 1) under softmax(scores)."""
    return -scores.log_softmax(-1).gather(-1, target).squeeze(-1)


def _kl(p_teacher: torch.Tensor, student: torch.Tensor, temperature: float) -> torch.Tensor:
    """(batch, seq) KL(p_teacher || softmax(student / T))."""
    logp_s = (student / temperature).log_softmax(-1)
    return (p_teacher * (p_teacher.clamp_min(1e-12).log() - logp_s)).sum(-1)


def crf_nll(scores: torch.Tensor, tags: torch.Tensor, transitions: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of the gold label sequences, summed over the rows and divided by the
    labelled positions: scores (batch, seq, 4) emissions, tags (batch, seq) gold labels then -100
    (padding), transitions (4, 4). log Z by the forward algorithm over every label sequence."""
    import torch

    valid = tags >= 0  # (batch, seq): a prefix of every row
    t = tags.clamp(min=0)
    gold = scores.gather(-1, t.unsqueeze(-1)).squeeze(-1).masked_fill(~valid, 0).sum(1)
    gold = gold + transitions[t[:, :-1], t[:, 1:]].masked_fill(~valid[:, 1:], 0).sum(1)
    alpha = scores[:, 0]  # (batch, 4): log-sum of the paths ending in each label
    for i in range(1, scores.shape[1]):
        step = (alpha.unsqueeze(2) + transitions).logsumexp(1) + scores[:, i]
        alpha = torch.where(valid[:, i:i + 1], step, alpha)
    nll = (alpha.logsumexp(-1) - gold).masked_fill(~valid[:, 0], 0)
    return nll.sum() / valid.sum().clamp(min=1)


def crf_marginals(scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None,
                  transitions: np.ndarray) -> np.ndarray:
    """(batch, seq, 4) the probability of each BMES label at each position under a CRF restricted to
    legal sequences (as `decode.viterbi_transitions` decodes), by forward-backward in float64."""
    batch, seq, n = scores.shape
    sc = scores.astype(np.float64) if mask is None else scores.astype(np.float64) + mask
    trans = np.where(np.array(ALLOWED), transitions.astype(np.float64), NEG)
    start = np.where(START_ALLOWED, 0.0, NEG)
    end = np.where(END_ALLOWED, 0.0, NEG)
    fwd = np.empty((batch, seq, n))
    fwd[:, 0] = sc[:, 0] + start
    for t in range(1, seq):
        fwd[:, t] = _logsumexp(fwd[:, t - 1, :, None] + trans, axis=1) + sc[:, t]
    bwd = np.empty((batch, seq, n))
    last = (lengths - 1)[:, None]
    for t in range(seq - 1, -1, -1):
        after = _logsumexp(trans + (sc[:, t + 1] + bwd[:, t + 1])[:, None, :], axis=2) if t + 1 < seq else 0.0
        bwd[:, t] = np.where(t == last, end, np.where(t < last, after, 0.0))
    log_z = _logsumexp(fwd[np.arange(batch), np.maximum(lengths - 1, 0)] + end, axis=1)  # (batch,)
    return np.exp(fwd + bwd - log_z[:, None, None])  # type: ignore[no-any-return]


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = x.max(axis=axis, keepdims=True)
    return np.log(np.exp(x - top).sum(axis=axis)) + np.squeeze(top, axis=axis)  # type: ignore[no-any-return]


def chosen_probs(scores: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Probability of each chosen BMES label (softmax; for joint labels summed over the parts of speech)."""
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    prob = e / e.sum(axis=-1, keepdims=True)  # (n, seq, labels)
    if prob.shape[-1] != N_TAGS:
        prob = prob.reshape(*prob.shape[:2], -1, N_TAGS).sum(axis=2)
    return np.take_along_axis(prob, (best % N_TAGS)[..., None].astype(np.int64), axis=-1)[..., 0]  # type: ignore[no-any-return]

