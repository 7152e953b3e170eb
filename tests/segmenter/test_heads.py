"""Output heads (`segmenter.heads`): each head's loss, decoding and probabilities against brute force
over every label sequence of short rows."""

import itertools

import numpy as np
import pytest
import torch

from segmenter import Segmenter
from segmenter.config import ModelConfig, TrainConfig
from segmenter.corpus import split_dev
from segmenter.decode import NEG, viterbi, viterbi_transitions
from segmenter.heads import CRF, FactoredSoftmax, JointSoftmax, crf_marginals, crf_nll, head_of, softmax_loss
from segmenter.model import BiRNNTagger
from segmenter.network import network
from segmenter.tags import B, E, M, S, is_legal
from segmenter.training.data import Corpus
from segmenter.training.loop import train
from tests.conftest import TINY_MODEL
from tests.segmenter.conftest import (
    CRF_CONFIG,
    STANDARD_TEXTS,
)
from tests.segmenter.test_decode import brute_force

JOINT = tuple(f"{b}-{p}" for p in ("n", "v") for b in "BMES")


def path_score(emit, trans, seq) -> float:
    return sum(emit[i, t] for i, t in enumerate(seq)) + sum(trans[a, b] for a, b in zip(seq, seq[1:]))


def logsumexp(xs) -> float:
    xs = np.array(list(xs), dtype=np.float64)
    return float(xs.max() + np.log(np.exp(xs - xs.max()).sum()))


def test_the_crf_loss_is_the_brute_force_negative_log_likelihood():
    rng = np.random.default_rng(0)
    lengths = [4, 2, 3]
    emit = rng.normal(size=(3, 4, 4))
    trans = rng.normal(size=(4, 4))
    tags = np.full((3, 4), -100)
    for r, n in enumerate(lengths):
        tags[r, :n] = rng.integers(0, 4, n)  # any sequence, legal or not: the loss spans every path
    want = 0.0
    for r, n in enumerate(lengths):
        log_z = logsumexp(path_score(emit[r], trans, seq) for seq in itertools.product(range(4), repeat=n))
        want += log_z - path_score(emit[r], trans, tags[r, :n].tolist())
    got = crf_nll(torch.tensor(emit), torch.tensor(tags), torch.tensor(trans))
    assert got.item() == pytest.approx(want / sum(lengths), rel=1e-9)


def test_the_crf_loss_trains_its_transitions_through_the_model():
    model = BiRNNTagger(CRF_CONFIG)
    assert dict(model.named_parameters())["crf.transitions"].shape == (4, 4)
    chars = torch.tensor([[1, 2, 3, 4]])
    scores = model(chars, torch.tensor([[1, 2, 3, 4, 5]]), torch.tensor([4]))
    loss = model.loss(scores, torch.tensor([[B, E, S, S]]), torch.tensor([False]))
    loss.backward()
    assert model.crf.transitions.grad is not None and model.crf.transitions.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="teacher"):
        model.loss(scores, torch.tensor([[B, E, S, S]]), torch.tensor([False]), scores.detach(), alpha=0.5)


def brute_force_crf(emit, trans, mask=None):
    """Best legal sequence under emissions + transitions (+ mask), and each label's marginal over legal paths."""
    n = len(emit)
    x = emit if mask is None else emit + mask
    paths = [(seq, path_score(x, trans, seq)) for seq in itertools.product(range(4), repeat=n) if is_legal(seq)]
    best = max(paths, key=lambda p: p[1])[0]
    log_z = logsumexp(s for _, s in paths)
    marg = np.zeros((n, 4))
    for seq, s in paths:
        for i, t in enumerate(seq):
            marg[i, t] += np.exp(s - log_z)
    return list(best), marg


def test_crf_decoding_and_marginals_equal_brute_force_on_a_padded_batch():
    rng = np.random.default_rng(1)
    lengths = np.array([5, 1, 3, 4])
    emit = rng.normal(size=(4, 5, 4)).astype(np.float32)  # beyond a row's length: garbage that must not count
    trans = rng.normal(size=(4, 4)) * 2
    mask = np.zeros((4, 5, 4), dtype=np.float32)
    mask[0, 1, [B, M]] = NEG  # a boundary after the second unit of row 0
    mask[0, 2, [M, E]] = NEG
    best = viterbi_transitions(emit, lengths, mask, trans)
    marg = crf_marginals(emit, lengths, mask, trans)
    head = CRF(CRF_CONFIG, {"crf.transitions": trans})
    assert (head.decode(emit, lengths, mask) == best).all()
    for r, n in enumerate(lengths):
        want_best, want_marg = brute_force_crf(emit[r, :n].astype(np.float64), trans, mask[r, :n])
        assert best[r, :n].tolist() == want_best
        np.testing.assert_allclose(marg[r, :n], want_marg, rtol=1e-6, atol=1e-9)
        chosen = head.probs(emit, best, lengths, mask)[r, :n]
        np.testing.assert_allclose(chosen, want_marg[np.arange(n), want_best], rtol=1e-5)
    assert best[0, 1] in (E, S) and best[0, 2] in (B, S)


def test_with_zero_transitions_the_crf_decodes_as_the_softmax_head():
    rng = np.random.default_rng(2)
    for n in range(1, 7):
        s = rng.normal(size=(1, n, 4)).astype(np.float32)
        got = viterbi_transitions(s, np.array([n]), None, np.zeros((4, 4)))[0].tolist()
        assert got == brute_force(s[0]) == viterbi(s, np.array([n]))[0].tolist()


def test_softmax_heads_decode_with_the_bmes_viterbi_and_report_softmax_probabilities():
    rng = np.random.default_rng(3)
    lengths = np.array([3, 2])
    joint = head_of(ModelConfig(n_units=5, n_bigrams=5, labels=JOINT))
    factored = head_of(ModelConfig(n_units=5, n_bigrams=5, labels=JOINT, factored=True))
    assert isinstance(joint, JointSoftmax) and isinstance(factored, FactoredSoftmax)
    assert (joint.outputs, factored.outputs) == (8, 6)
    scores = rng.normal(size=(2, 3, 8)).astype(np.float32)
    best = joint.decode(scores, lengths, None)
    assert (best == viterbi(scores, lengths)).all()
    p = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
    p_bmes = p[..., :4] + p[..., 4:]  # summed over the parts of speech
    np.testing.assert_allclose(joint.probs(scores, best, lengths, None),
                               np.take_along_axis(p_bmes, (best % 4)[..., None].astype(int), -1)[..., 0], rtol=1e-5)
    f_scores = rng.normal(size=(2, 3, 6)).astype(np.float32)
    f_best = factored.decode(f_scores, lengths, None)
    assert (f_best % 4 == viterbi(np.ascontiguousarray(f_scores[..., :4]), lengths)).all()
    assert (f_best // 4 == f_scores[..., 4:].argmax(-1)).all()


def test_the_crf_head_is_in_the_spec_and_only_for_bmes_labels():
    shapes = network(CRF_CONFIG).shapes()
    assert list(shapes)[-3:] == ["out.weight", "out.bias", "crf.transitions"]
    assert shapes["crf.transitions"] == (4, 4) and shapes["out.weight"] == (4, 6)
    assert CRF_CONFIG.to_json()["head"] == "crf"
    with pytest.raises(ValueError, match="BMES labels only"):
        ModelConfig(n_units=5, n_bigrams=5, labels=JOINT, head="crf")


def test_a_trained_crf_model_segments_alike_on_both_runtimes(tmp_path, tiny_corpus):
    from segmenter import Segmenter
    from segmenter.artifact import load
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train

    train_set, dev_set = split_dev(tiny_corpus[:200])
    train([Corpus("pku", train_set, dev_set)], tmp_path / "crf", dict(TINY_MODEL, head="crf"),
          TrainConfig(epochs=2, lr=1e-2, seed=3, min_char_count=1), progress=False)
    art = load(tmp_path / "crf")
    assert art.config.head == "crf" and np.abs(art.state["crf.transitions"]).max() > 0.01  # learned
    texts = [s.text for s in dev_set]
    ort, torch_seg = (Segmenter.load(str(tmp_path / "crf"), runtime=r) for r in ("onnxruntime", "torch"))
    assert ort.cut_batch(texts) == torch_seg.cut_batch(texts)
    tags = ort.tag(texts[0])
    assert all(0 < t.prob <= 1 for t in tags)
    assert [t.prob for t in tags] == pytest.approx([t.prob for t in torch_seg.tag(texts[0])], rel=1e-4)


def test_loss_of_a_row_without_parts_of_speech_sums_over_them():
    scores = torch.randn(1, 3, 8)  # 2 parts of speech x BMES
    tags = torch.tensor([[0, 2, 3]])  # B E S
    joint = torch.tensor([False])
    logp = scores.log_softmax(-1).reshape(1, 3, 2, 4).logsumexp(2)
    expected = -(logp[0, 0, 0] + logp[0, 1, 2] + logp[0, 2, 3]) / 3
    assert softmax_loss(scores, tags, joint).item() == pytest.approx(expected.item(), rel=1e-5)
    as_joint = softmax_loss(scores, tags, torch.tensor([True]))  # the same ids read as joint labels differ
    assert as_joint.item() != pytest.approx(expected.item(), rel=1e-3)


def test_distillation_loss_is_zero_gap_when_student_equals_teacher():
    scores = torch.randn(2, 5, 4)
    tags = torch.randint(0, 4, (2, 5))
    joint = torch.tensor([True, True])
    gold = softmax_loss(scores, tags, joint)
    same = softmax_loss(scores, tags, joint, scores.clone(), alpha=1.0, temperature=2.0)
    assert same.item() == pytest.approx(0, abs=1e-5)
    other = torch.randn(2, 5, 4)
    mixed = softmax_loss(scores, tags, joint, other, alpha=0.5, temperature=2.0)
    assert mixed.item() > 0.5 * gold.item()


def test_factored_loss_adds_the_part_of_speech_only_where_known():
    scores = torch.randn(2, 3, 4 + 3)  # BMES, then 3 parts of speech
    tags = torch.tensor([[4 * 2 + 0, 4 * 2 + 2, 4 * 1 + 3], [0, 2, 3]])  # B-p2 E-p2 S-p1; BMES only
    joint = torch.tensor([True, False])
    seg = scores[..., :4].log_softmax(-1)
    pos = scores[0, :, 4:].log_softmax(-1)
    want = -(seg[0, 0, 0] + seg[0, 1, 2] + seg[0, 2, 3] + seg[1, 0, 0] + seg[1, 1, 2] + seg[1, 2, 3]) / 6
    want = want - (pos[0, 2] + pos[1, 2] + pos[2, 1]) / 3
    assert softmax_loss(scores, tags, joint, factored=True).item() == pytest.approx(want.item(), rel=1e-5)
    # a joint-label teacher (3 POS x 4) distils into the factored heads through its marginals
    teacher = torch.randn(2, 3, 12)
    p = teacher.softmax(-1).reshape(2, 3, 3, 4)
    student = torch.cat([p.sum(2).log(), p.sum(3).log()], dim=-1)  # exactly the teacher's marginals
    only_kl = softmax_loss(student, tags, joint, teacher, alpha=1.0, temperature=1.0, factored=True)
    assert only_kl.item() == pytest.approx(0.0, abs=1e-5)


def test_a_factored_model_decodes_words_and_parts_of_speech(tmp_path):
    from segmenter.corpus import read_corpus
    from segmenter.tags import joint_labels
    from segmenter.training.data import pos_tag_set
    from tests.conftest import DATA, TINY_MODEL

    sents = read_corpus(DATA / "pku" / "pfr199801_pos.utf8")[:300]
    tr, dev = split_dev(sents)
    options = dict(TINY_MODEL, labels=joint_labels(pos_tag_set(tr)), factored=True)
    train([Corpus("pku", tr, dev)], tmp_path / "f", options, TrainConfig(epochs=3, lr=1e-2, seed=3, min_char_count=1),
          progress=False)
    seg = Segmenter.load(tmp_path / "f")
    assert seg.model.out.out_features == 4 + len(seg.pos_tags)
    toks = seg.tokenize(STANDARD_TEXTS[0], pos=True)
    assert "".join(t.text for t in toks) == STANDARD_TEXTS[0]
    assert all(t.pos in seg.pos_tags for t in toks)
    assert [t.text for t in toks] == seg.cut(STANDARD_TEXTS[0])  # the same words with and without parts of speech
    assert {c.label for c in seg.tag(STANDARD_TEXTS[0])} <= {"B", "M", "E", "S"}
