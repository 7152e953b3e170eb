import itertools

import numpy as np
import pytest

from segmenter.decode import NEG, viterbi
from segmenter.tags import B, E, M, S, is_legal


def brute_force(scores, mask=None):
    n = scores.shape[0]
    best, best_seq = -np.inf, None
    for seq in itertools.product(range(4), repeat=n):
        if not is_legal(seq):
            continue
        total = sum(scores[i, t] for i, t in enumerate(seq))
        if mask is not None:
            total += sum(mask[i, t] for i, t in enumerate(seq))
        if total > best:
            best, best_seq = total, list(seq)
    return best_seq


def test_viterbi_equals_brute_force_on_random_scores():
    rng = np.random.default_rng(0)
    for n in range(1, 7):
        for _ in range(20):
            s = rng.normal(size=(n, 4)).astype(np.float32)
            got = viterbi(s[None], np.array([n]))[0].tolist()
            assert got == brute_force(s)


def test_viterbi_output_is_always_legal_even_when_the_best_tags_are_not():
    # greedy argmax here is B B M: illegal
    s = np.log(np.array([[0.9, 0.0, 0.0, 0.1], [0.8, 0.1, 0.05, 0.05], [0.1, 0.8, 0.05, 0.05]]) + 1e-9)
    out = viterbi(s[None].astype(np.float32), np.array([3]))[0].tolist()
    assert is_legal(out)


def test_batched_rows_of_different_lengths_decode_as_if_alone():
    rng = np.random.default_rng(1)
    lengths = [5, 1, 3, 4]
    rows = [rng.normal(size=(n, 4)).astype(np.float32) for n in lengths]
    batch = np.zeros((len(rows), 5, 4), dtype=np.float32)
    for r, x in enumerate(rows):
        batch[r, :len(x)] = x
        batch[r, len(x):] = rng.normal(size=(5 - len(x), 4))  # padding garbage must not matter
    out = viterbi(batch, np.array(lengths))
    for r, x in enumerate(rows):
        assert out[r, :lengths[r]].tolist() == viterbi(x[None], np.array([len(x)]))[0].tolist()


def test_mask_forces_a_boundary():
    # the model wants one word "ab", the mask forbids a word continuing from position 0
    s = np.log(np.array([[0.97, 0.01, 0.01, 0.01], [0.01, 0.01, 0.97, 0.01]], dtype=np.float32))
    assert viterbi(s[None], np.array([2]))[0].tolist() == [B, E]
    mask = np.zeros((1, 2, 4), dtype=np.float32)
    mask[0, 0, [B, M]] = NEG
    mask[0, 1, [M, E]] = NEG
    assert viterbi(s[None], np.array([2]), mask)[0].tolist() == [S, S]
    assert brute_force(s, mask[0]) == [S, S]


def joint_legal(labels, n_pos):
    """BMES-legal, and every word carries one part of speech."""
    bmes = [lab % 4 for lab in labels]
    if not is_legal(bmes):
        return False
    for a, la, lb in zip(bmes, labels, labels[1:]):
        if a in (B, M) and la // 4 != lb // 4:  # inside a word
            return False
    return all(0 <= lab < 4 * n_pos for lab in labels)


def test_joint_viterbi_equals_brute_force_over_consistent_sequences():
    rng = np.random.default_rng(5)
    n_pos = 3
    for n in range(1, 5):
        for _ in range(8):
            s = rng.normal(size=(n, 4 * n_pos)).astype(np.float32)
            best, best_seq = -np.inf, None
            for seq in itertools.product(range(4 * n_pos), repeat=n):
                if joint_legal(seq, n_pos):
                    total = sum(s[i, t] for i, t in enumerate(seq))
                    if total > best:
                        best, best_seq = total, list(seq)
            got = viterbi(s[None], np.array([n]))[0].tolist()
            assert joint_legal(got, n_pos)
            assert sum(s[i, t] for i, t in enumerate(got)) == pytest.approx(best, abs=1e-5), (got, best_seq)


def test_joint_viterbi_applies_the_bmes_mask_to_every_part_of_speech():
    rng = np.random.default_rng(6)
    s = rng.normal(size=(1, 4, 8)).astype(np.float32)
    mask = np.zeros((1, 4, 4), dtype=np.float32)
    mask[0, :, [B, M, E]] = NEG  # force every unit to be a single-unit word
    out = viterbi(s, np.array([4]), mask)[0].tolist()
    assert [lab % 4 for lab in out] == [S] * 4
    assert out == [4 * int(np.argmax(s[0, i, S::4])) + S for i in range(4)]


def test_viterbi_rejects_a_label_count_that_is_not_bmes_times_pos():
    with pytest.raises(ValueError, match="multiple of 4"):
        viterbi(np.zeros((1, 2, 6), dtype=np.float32), np.array([2]))


def test_sorted_bmes_path_equals_the_general_recursion():
    """`viterbi` takes a shortcut for plain BMES rows sorted longest first (how `Segmenter`
    batches them); it must pick exactly the general recursion's labels, ties included."""
    from segmenter.decode import _viterbi_bmes_sorted, _viterbi_general

    rng = np.random.default_rng(0)
    for trial in range(2000):
        b, seq = int(rng.integers(1, 9)), int(rng.integers(1, 12))
        lengths = np.sort(rng.integers(1, seq + 1, size=b))[::-1].copy()
        lengths[0] = seq
        sc = rng.normal(size=(b, seq, 4)).astype(np.float32)
        if trial % 3 == 0:
            sc = np.round(sc)  # many ties
        mask = None
        if trial % 2:  # random constraints that leave one random legal sequence open, as real ones do
            mask = np.where(rng.random((b, seq, 4)) < 0.3, NEG, 0).astype(np.float32)
            for r in range(b):
                for t, tag in enumerate(_random_legal(rng, int(lengths[r]))):
                    mask[r, t, tag] = 0
        fast = _viterbi_bmes_sorted(sc if mask is None else sc + mask, lengths)
        ref = _viterbi_general(sc, lengths, mask)
        for r in range(b):
            assert fast[r, :lengths[r]].tolist() == ref[r, :lengths[r]].tolist()


def _random_legal(rng, n):
    tags = []
    while len(tags) < n:
        w = min(int(rng.integers(1, 5)), n - len(tags))
        tags += [S] if w == 1 else [B] + [M] * (w - 2) + [E]
    return tags


@pytest.mark.parametrize("kind", ["random", "ties"])
def test_the_scalar_and_the_batched_bmes_decoders_agree_label_for_label(monkeypatch, kind):
    """One recursion, two implementations (`decode` module docstring): whichever the row count
    picks, a text gets the same labels, ties included (scores of few distinct values tie often)."""
    from segmenter import decode

    rng = np.random.default_rng(7)
    lengths = np.array(sorted(rng.integers(1, 40, size=30).tolist(), reverse=True))
    if kind == "ties":
        scores = rng.integers(-2, 2, size=(30, 40, 4)).astype(np.float32)
    else:
        scores = rng.normal(size=(30, 40, 4)).astype(np.float32)
    mask = np.where(rng.random((30, 40, 4)) < 0.1, NEG, np.float32(0)).astype(np.float32)
    for m in (None, mask):
        monkeypatch.setattr(decode, "SCALAR_MAX_ROWS", 0)
        batched = viterbi(scores, lengths, m)
        monkeypatch.setattr(decode, "SCALAR_MAX_ROWS", 10**6)
        scalar = viterbi(scores, lengths, m)
        for r, n in enumerate(lengths.tolist()):
            assert scalar[r, :n].tolist() == batched[r, :n].tolist()
            assert m is not None or is_legal(scalar[r, :n].tolist())  # random masks may forbid every legal path


def test_the_scalar_decoder_equals_brute_force():
    from segmenter import decode

    rng = np.random.default_rng(3)
    for n in range(1, 7):
        for _ in range(10):
            s = rng.normal(size=(n, 4)).astype(np.float32)
            assert decode._viterbi_bmes_rows(s[None], np.array([n]))[0].tolist() == brute_force(s)
