"""Viterbi decoding restricted to legal BMES sequences, batched over pieces with NumPy.

Labels are BMES positions, optionally joined with a part of speech: label `4 * p + bmes` (see
`segmenter.tags.joint_labels`); a plain segmentation model has one "part of speech", p = 0.
Legal sequences: B and M of a word are followed by M or E *of the same part of speech*; E and S
are followed by B or S of any; a sequence starts with B or S and ends with E or S. The
recursion uses that structure, so a step costs O(labels), not O(labels^2):
- B-p and S-p continue the best closed state (E-q or S-q, any q);
- M-p and E-p continue the better of B-p and M-p.

Plain BMES scores (a factored model's segmentation head) are decoded in float64, by one of two
implementations of the same recursion with the same tie rules, chosen by the number of rows only:
a NumPy one for batches (`_viterbi_bmes_sorted`, one set of array operations per step for all
rows) and a scalar one for a few rows (`_viterbi_bmes_rows`, Python floats: a 50-character
sentence in about 30 µs, where a step of array operations costs more than a row's whole step).
Both add the same float64 numbers in the same order, so a text gets the same labels whichever
path decodes it (`tests/segmenter/test_decode.py`). Where the package's C kernel is built
(`segmenter.native`), its `viterbi_bmes` decodes every plain BMES batch instead, with the same
numbers in the same order (`tests/segmenter/test_native.py`): the same recursion, without an
interpreter step per position.
"""

from __future__ import annotations

import numpy as np

from segmenter.compiled import KERNEL as _native  # None without the compiled extension
from segmenter.tags import ALLOWED, N_TAGS, B, E, M, S

NEG = np.float32(-1e9)
# Up to this many rows, plain BMES rows are decoded one by one in Python scalars
# (`_viterbi_bmes_rows`); above it, with NumPy over the batch (`bench/decode.py` measures both).
SCALAR_MAX_ROWS = 8


def viterbi(scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Best legal label sequence of every row.

    scores (batch, seq, labels) log-probabilities, labels a multiple of 4; lengths (batch,); mask
    (batch, seq, 4) additive BMES constraint (0 allowed, `NEG` forbidden), applied to every part
    of speech, or None. Returns (batch, seq) int16 labels, valid up to each row's length.
    """
    batch, seq, n = scores.shape
    if n % N_TAGS:
        raise ValueError(f"{n} labels is not a multiple of {N_TAGS}")
    if n == N_TAGS and batch:
        plain = scores if mask is None else scores + mask
        if _native is not None and plain.dtype == np.float32:  # (float64 scores: rounding them could change labels)
            out = np.empty((batch, seq), dtype=np.int16)
            _native.viterbi_bmes(np.ascontiguousarray(plain, dtype=np.float32),
                                 np.ascontiguousarray(lengths, dtype=np.int64), out, batch, seq)
            return out
        if batch <= SCALAR_MAX_ROWS:
            return _viterbi_bmes_rows(plain, lengths)
        if (np.diff(lengths) <= 0).all():
            return _viterbi_bmes_sorted(plain, lengths)
    return _viterbi_general(scores, lengths, mask)


def _viterbi_general(scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    batch, seq, n = scores.shape
    n_pos = n // N_TAGS
    sc = scores.reshape(batch, seq, n_pos, N_TAGS)
    if mask is not None:
        sc = sc + mask[:, :, None, :]
    score = sc[:, 0].copy()  # (batch, pos, 4)
    score[:, :, [M, E]] = NEG  # a sequence starts with B or S
    back = np.empty((batch, seq, n_pos, N_TAGS), dtype=np.int16)
    identity = np.arange(n, dtype=np.int16).reshape(n_pos, N_TAGS)
    back[:, 0] = identity
    rows = np.arange(batch)
    pos_idx = np.arange(n_pos, dtype=np.int16) * N_TAGS  # flat label of (p, B)
    for t in range(1, seq):
        closed = score[:, :, [E, S]].reshape(batch, -1)  # (batch, pos*2): E-0, S-0, E-1, ...
        c_arg = closed.argmax(axis=1)  # first best: E before S, lower part of speech first
        c_best = closed[rows, c_arg]  # (batch,)
        c_label = (c_arg // 2 * N_TAGS + np.where(c_arg % 2 == 0, E, S)).astype(np.int16)
        open_m = score[:, :, M] > score[:, :, B]  # (batch, pos): ties go to B
        o_best = np.where(open_m, score[:, :, M], score[:, :, B])
        o_label = pos_idx + np.where(open_m, M, B).astype(np.int16)  # (batch, pos)
        new = np.empty_like(score)
        new[:, :, B] = c_best[:, None] + sc[:, t, :, B]
        new[:, :, S] = c_best[:, None] + sc[:, t, :, S]
        new[:, :, M] = o_best + sc[:, t, :, M]
        new[:, :, E] = o_best + sc[:, t, :, E]
        step = np.empty((batch, n_pos, N_TAGS), dtype=np.int16)
        step[:, :, B] = c_label[:, None]
        step[:, :, S] = c_label[:, None]
        step[:, :, M] = o_label
        step[:, :, E] = o_label
        active = (t < lengths)[:, None, None]
        score = np.where(active, new, score)
        back[:, t] = np.where(active, step, identity)
    final = score.copy()
    final[:, :, [B, M]] = NEG  # a sequence ends with E or S
    return _backtrack(back.reshape(batch, seq, n), final.reshape(batch, -1).argmax(axis=1))


def _backtrack(back: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """(batch, seq) int16 labels from the back pointers `back` (batch, seq, labels): the label
    before each one (itself past a row's end), and `cur` (batch,) the best last label."""
    batch, seq, _ = back.shape
    rows = np.arange(batch)
    out = np.empty((batch, seq), dtype=np.int16)
    for t in range(seq - 1, -1, -1):
        out[:, t] = cur
        cur = back[rows, t, cur]
    return out


def _viterbi_bmes_sorted(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`viterbi` for plain BMES labels and rows sorted longest first (as `Segmenter` batches
    them): the rows still running at step t are a prefix, so each step works on slices in
    place, with two comparisons and four additions. Same result as the general recursion."""
    batch, seq, _ = scores.shape
    sc = np.ascontiguousarray(scores.transpose(1, 2, 0), dtype=np.float64)  # (seq, 4, batch): steps contiguous
    score = sc[0].copy()  # (4, batch)
    score[[M, E]] = NEG  # a sequence starts with B or S
    from_s = np.zeros((seq, batch), dtype=bool)  # B/S at t came from S (else E) at t-1
    from_m = np.zeros((seq, batch), dtype=bool)  # M/E at t came from M (else B) at t-1
    active = np.searchsorted(-lengths, -np.arange(seq), side="left")  # rows with length > t
    closed = np.empty(batch, dtype=score.dtype)
    opened = np.empty(batch, dtype=score.dtype)
    for t in range(1, seq):
        k = int(active[t])
        sb, sm, se, ss = score[B, :k], score[M, :k], score[E, :k], score[S, :k]
        np.greater(ss, se, out=from_s[t, :k])  # ties go to E
        np.greater(sm, sb, out=from_m[t, :k])  # ties go to B
        np.maximum(se, ss, out=closed[:k])
        np.maximum(sb, sm, out=opened[:k])
        x = sc[t, :, :k]
        np.add(closed[:k], x[B], out=sb)
        np.add(closed[:k], x[S], out=ss)
        np.add(opened[:k], x[M], out=sm)
        np.add(opened[:k], x[E], out=se)
    cur = np.where(score[S] > score[E], S, E).astype(np.int16)  # a sequence ends with E or S
    out = np.zeros((batch, seq), dtype=np.int16)  # past a row's length: 0, never read
    for t in range(seq - 1, -1, -1):
        k = int(active[t])
        out[:k, t] = cur[:k]
        if t:
            cur[:k] = np.where((cur[:k] == B) | (cur[:k] == S), np.where(from_s[t, :k], S, E),
                               np.where(from_m[t, :k], M, B))
    return out


def _viterbi_bmes_rows(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`_viterbi_bmes_sorted` row by row in Python floats (float64, as it computes): for a call of
    one or a few texts, where NumPy's per-step call overhead is the whole cost."""
    batch, seq, _ = scores.shape
    out = np.zeros((batch, seq), dtype=np.int16)
    rows = scores.astype(np.float64).tolist()
    for r, n in enumerate(lengths.tolist()):
        out[r, :n] = _bmes_row(rows[r], n)
    return out


def _bmes_row(x: list[list[float]], n: int) -> list[int]:
    """Best legal BMES labels of one row's first `n` score rows [B, M, E, S]. The state is two
    numbers: the best path ending in a closed word (E or S) and in an open one (B or M); ties go
    to E and to B, as in `_viterbi_bmes_sorted`."""
    b, _, _, s = x[0]
    m = e = float(NEG)
    from_s = [False] * n  # B/S at t came from S (else E) at t - 1
    from_m = [False] * n  # M/E at t came from M (else B) at t - 1
    for t in range(1, n):
        xb, xm, xe, xs = x[t]
        if s > e:
            from_s[t] = True
            closed = s
        else:
            closed = e
        if m > b:
            from_m[t] = True
            opened = m
        else:
            opened = b
        b, s, m, e = closed + xb, closed + xs, opened + xm, opened + xe
    cur = S if s > e else E
    tags = [0] * n
    for t in range(n - 1, -1, -1):
        tags[t] = cur
        if cur == B or cur == S:
            cur = S if from_s[t] else E
        else:
            cur = M if from_m[t] else B
    return tags


def viterbi_transitions(scores: np.ndarray, lengths: np.ndarray, mask: np.ndarray | None,
                        transitions: np.ndarray) -> np.ndarray:
    """Best legal BMES sequence of every row under emission `scores` (batch, seq, 4) plus
    `transitions[i, j]`, the score of label j after label i (a CRF's), with the `mask` of `viterbi`.
    Legal as in `viterbi`; ties go to the lower label. Returns (batch, seq) int16 labels."""
    batch, seq, n = scores.shape
    if n != N_TAGS or transitions.shape != (N_TAGS, N_TAGS):
        raise ValueError(f"a transition decoder reads {N_TAGS} BMES scores and {N_TAGS}x{N_TAGS} transitions")
    sc = scores.astype(np.float64) if mask is None else scores.astype(np.float64) + mask
    trans = np.where(np.array(ALLOWED), transitions.astype(np.float64), NEG)  # (from, to)
    score = sc[:, 0].copy()  # (batch, 4)
    score[:, [M, E]] = NEG  # a sequence starts with B or S
    identity = np.arange(n, dtype=np.int16)
    back = np.empty((batch, seq, n), dtype=np.int16)
    back[:, 0] = identity
    for t in range(1, seq):
        cand = score[:, :, None] + trans  # (batch, from, to)
        arg = cand.argmax(axis=1)  # (batch, to): the first best
        new = np.take_along_axis(cand, arg[:, None, :], axis=1)[:, 0] + sc[:, t]
        active = (t < lengths)[:, None]
        score = np.where(active, new, score)
        back[:, t] = np.where(active, arg, identity)
    score[:, [B, M]] = NEG  # a sequence ends with E or S
    return _backtrack(back, score.argmax(axis=1))
