"""The training loss: gold labels, and a teacher's distributions (distillation). Pure functions
of tensors."""

from __future__ import annotations

import torch

from segmenter.tags import N_TAGS


def tag_loss(scores: torch.Tensor, tags: torch.Tensor, joint: torch.Tensor,
             teacher: torch.Tensor | None = None, alpha: float = 0.0, temperature: float = 1.0,
             factored: bool = False) -> torch.Tensor:
    """Mean loss per labelled position.

    scores (batch, seq, outputs) raw scores (`ModelConfig.n_outputs`); tags (batch, seq) gold labels,
    -100 on padding; joint (batch,) False where a row's tags are BMES only. A joint label model on
    such a row is scored by the BMES tag's probability summed over every part of speech; a
    `factored` model (4 BMES scores, then one per part of speech) adds the part-of-speech loss only
    on rows that have one. With `teacher` (batch, seq, labels or outputs) scores of a teacher, the
    loss is (1 - alpha) * gold + alpha * T^2 * KL(teacher_T || student_T), both distributions
    softened by temperature T (Hinton et al. 2015); a factored student learns the teacher's BMES
    and part-of-speech marginals."""
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
            nll = torch.where(joint.unsqueeze(1), nll, -seg.gather(-1, t % N_TAGS).squeeze(-1))
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
