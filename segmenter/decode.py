"""Viterbi decoding restricted to legal BMES sequences, batched over pieces with NumPy."""

from __future__ import annotations

import numpy as np

from segmenter.tags import ALLOWED, END_ALLOWED, N_TAGS, START_ALLOWED

NEG = np.float32(-1e9)
_TRANS = np.where(np.array(ALLOWED), 0.0, NEG).astype(np.float32)  # (prev, next)
_START = np.where(np.array(START_ALLOWED), 0.0, NEG).astype(np.float32)
_END = np.where(np.array(END_ALLOWED), 0.0, NEG).astype(np.float32)
_IDENTITY = np.arange(N_TAGS, dtype=np.int8)


def viterbi(scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Best legal tag sequence of every row.

    scores (batch, seq, tags) log-probabilities; lengths (batch,); mask (batch, seq, tags)
    additive constraint (0 allowed, `NEG` forbidden) or None. Returns (batch, seq) int8 tags,
    valid up to each row's length.
    """
    batch, seq, n = scores.shape
    assert n == N_TAGS
    if mask is not None:
        scores = scores + mask
    score = scores[:, 0] + _START  # (batch, tags)
    back = np.empty((batch, seq, n), dtype=np.int8)
    back[:, 0] = _IDENTITY
    for t in range(1, seq):
        cand = score[:, :, None] + _TRANS  # (batch, prev, next)
        prev = cand.argmax(axis=1)  # (batch, next)
        best = np.take_along_axis(cand, prev[:, None, :], axis=1)[:, 0]  # (batch, next)
        active = (t < lengths)[:, None]  # (batch, 1)
        score = np.where(active, best + scores[:, t], score)
        back[:, t] = np.where(active, prev, _IDENTITY)
    cur = (score + _END).argmax(axis=1)  # (batch,)
    out = np.empty((batch, seq), dtype=np.int8)
    rows = np.arange(batch)
    for t in range(seq - 1, -1, -1):
        out[:, t] = cur
        cur = back[rows, t, cur]
    return out
