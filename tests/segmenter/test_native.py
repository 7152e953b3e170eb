"""`segmenter.native`: the int8 kernel. A row's scores depend on that row alone (the same in any
batch, and one text a call), every instruction set computes the same numbers, the scores stay
near the float network's, and bad arrays are errors, not crashes."""

import numpy as np
import pytest

from segmenter import Segmenter, native
from segmenter.artifact import Weights
from segmenter.config import ModelConfig
from segmenter.corpus import read_corpus
from segmenter.network import network
from segmenter.ort import OrtTagger
from segmenter.pipeline import Plan
from segmenter.tags import N_TAGS
from segmenter.text import to_units
from tests.segmenter.conftest import JOINT, N_BIGRAMS, N_CHARS, numpy_state, padded_batch, random_model, tiny


def test_the_test_install_has_the_kernel():
    # the suite runs where the package was built with a C compiler: the kernel must be there
    assert native.available() and native.isa() in {"avx512vnni", "avx2", "plain"}


def _batch(seg: Segmenter, texts: list[str], standard: int = 0):
    units = [to_units(t) for t in texts]
    enc = seg.vocab.encode_many(units, standard)
    plan = Plan.of(units, enc, seg.config.max_piece)
    chars, bigrams, lengths, at, inside = plan.gather(enc, slice(0, len(plan.size)))
    stds = np.full(len(lengths), standard, dtype=np.int64)
    return chars, bigrams, lengths, stds, plan.features(enc, at, inside)


@pytest.fixture(scope="module")
def default_batch(data_dir):
    seg = Segmenter.load(threads=1, runtime="onnxruntime", precision="fp32")
    texts = [g.text for g in read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:48]]
    return seg, native.NativeTagger(seg.config, seg.weights.state), _batch(seg, texts, standard=2)


def test_a_row_scores_the_same_alone_as_in_a_batch(default_batch):
    _, tagger, (chars, bigrams, lengths, stds, feats) = default_batch
    whole = tagger(chars, bigrams, lengths, stds, feats)
    for i in (0, 7, len(lengths) - 1):  # the longest row, one in between, the shortest
        n = int(lengths[i])
        alone = tagger(chars[i:i + 1, :n], bigrams[i:i + 1, :n + 1], lengths[i:i + 1], stds[i:i + 1],
                       feats[i:i + 1, :n])
        assert np.array_equal(alone[0], whole[i, :n])


def test_every_instruction_set_computes_the_same_numbers(default_batch):
    _, tagger, batch = default_batch
    best = native.isa()
    try:
        fast = tagger(*batch)
        assert native._native.set_isa(True) == "plain"
        plain = tagger(*batch)
    finally:
        native._native.set_isa(False)
    assert native.isa() == best
    lengths = batch[2]
    for i, n in enumerate(lengths):
        assert np.array_equal(fast[i, :n], plain[i, :n])


def test_the_scores_stay_near_the_float_networks(default_batch):
    seg, tagger, batch = default_batch
    lengths = batch[2]
    ref, got = seg._infer(*batch), tagger(*batch)
    inside = np.arange(ref.shape[1]) < lengths[:, None]
    assert np.abs(ref - got)[inside].mean() < 0.05 * np.abs(ref)[inside].mean()
    same = (ref[..., :4].argmax(-1) == got[..., :4].argmax(-1))[inside].mean()
    assert same >= 0.995  # BMES argmax: 99.94% on these rows (2026-12-06)


@pytest.mark.parametrize("options", [
    {"layers": 2},  # a second layer reads the first's int8 outputs
    {"layers": 1, "bigram_dim": 0},  # no bigram table
    {"layers": 1, "standards": ("a", "b"), "standard_dim": 3},
    {"layers": 3, "hidden": 21, "char_dim": 7, "bigram_dim": 5},  # widths that need padding
])
def test_networks_of_other_shapes_score_near_torch(options):
    config = tiny(**{"hidden": 16, **options})
    model = random_model(config, seed=3)
    chars, bigrams, lengths = padded_batch([9, 4, 1, 6], seed=2)
    stds = np.array([0, 1, 1, 0]) if config.standards else None
    tagger = native.NativeTagger(config, numpy_state(model))
    ref = OrtTagger(config, numpy_state(model))(chars, bigrams, lengths, stds)
    got = tagger(chars, bigrams, lengths, stds)
    inside = np.arange(chars.shape[1]) < lengths[:, None]
    err = np.abs(ref - got)[inside]
    assert err.max() < 0.1 * np.abs(ref)[inside].max() and err.mean() < 0.03 * np.abs(ref)[inside].mean() + 1e-3


def test_the_stored_int8_bigrams_are_what_quantising_gives():
    seg = Segmenter.load(threads=1)
    assert seg.runtime.value == "native"
    from segmenter import artifact

    art = artifact.load(seg.path)
    q, s = art.int8_rows["bigram_emb.weight"]
    q2, s2 = native.quantise_rows(art.state["bigram_emb.weight"])
    assert np.array_equal(q, q2) and np.array_equal(s, s2)


def test_a_gru_is_not_the_kernels():
    config = ModelConfig(n_units=N_CHARS, n_bigrams=N_BIGRAMS, cell="gru")
    assert not native.supports(config)
    with pytest.raises(ValueError, match="LSTM"):
        native.NativeTagger(config, numpy_state(random_model(config)))


def test_bad_arrays_are_errors_not_crashes(default_batch):
    _, tagger, (chars, bigrams, lengths, stds, feats) = default_batch
    out = np.empty((len(lengths), chars.shape[1], tagger.outputs), dtype=np.float32)
    good = (tagger.model, chars, bigrams, lengths, stds, feats, out, len(lengths), chars.shape[1], tagger.outputs)
    native._native.forward(*good)  # the arguments as NativeTagger gives them
    cases = {
        "wrong size": (tagger.model, chars[:, :-1].copy(), *good[2:]),
        "unit id": (tagger.model, np.full_like(chars, 10 ** 9), *good[2:]),
        "bigram id": (tagger.model, chars, np.full_like(bigrams, -1), *good[3:]),
        "length": (tagger.model, chars, bigrams, lengths + chars.shape[1], *good[4:]),
        "standard": (tagger.model, chars, bigrams, lengths, stds + 100, *good[5:]),
    }
    cases["outputs"] = (*good[:-1], 7)  # neither all the outputs nor the 4 BMES scores
    for why, args in cases.items():
        with pytest.raises(ValueError):
            native._native.forward(*args)
        assert why
    with pytest.raises(TypeError):
        native._native.forward(tagger.model, chars.tolist(), *good[2:])


def test_a_segmenter_from_weights_alone_runs_native():
    texts = ["甲乙丙丁", "乙丙", "甲"]
    from segmenter.vocab import Vocab

    vocab = Vocab.build((list(t) for t in texts), min_char=1, min_bigram=1)
    config = ModelConfig(n_units=len(vocab.chars), n_bigrams=len(vocab.bigrams), char_dim=6, bigram_dim=4, hidden=8)
    weights = Weights(config, numpy_state(random_model(config, seed=5)))
    seg = Segmenter(weights, vocab, threads=1, precision="int8")
    assert seg.runtime.value == "native"
    assert ["".join(w) for w in seg.cut_batch(texts)] == texts
    assert seg.cut_batch(texts) == [seg.cut(t) for t in texts]


def test_the_c_viterbi_labels_every_row_as_the_python_and_numpy_ones(monkeypatch):
    from segmenter import decode

    rng = np.random.default_rng(4)
    lengths = np.array([9, 9, 5, 1, 0, 3] * 3, dtype=np.int64)  # sorted and not, empty rows too
    scores = rng.normal(size=(len(lengths), 9, 4)).astype(np.float32)
    scores[::3, ::2] = np.round(scores[::3, ::2])  # ties, broken the same way
    scores[1, :, :] = 0.5  # a row of ties only
    mask = np.where(rng.random((len(lengths), 9, 4)) < 0.2, decode.NEG, np.float32(0))
    for m in (None, mask):
        c = decode.viterbi(scores, lengths, m)
        monkeypatch.setattr(decode, "_native", None)
        monkeypatch.setattr(decode, "SCALAR_MAX_ROWS", len(lengths))
        rows = decode.viterbi(scores, lengths, m)  # Python scalars, row by row
        monkeypatch.setattr(decode, "SCALAR_MAX_ROWS", 0)
        order = np.argsort(-lengths, kind="stable")
        sorted_ = decode.viterbi(scores[order], lengths[order], None if m is None else m[order])  # NumPy
        monkeypatch.undo()
        for r, n in enumerate(lengths):
            assert np.array_equal(c[r, :n], rows[r, :n])
        for i, r in enumerate(order):
            assert np.array_equal(c[r, :lengths[r]], sorted_[i, :lengths[r]])


def test_the_c_dictionary_features_are_the_numpy_ones(monkeypatch):
    from segmenter import vocab as vocab_module

    seg = Segmenter.load(threads=1)
    texts = ["中华人民共和国成立了", "研究生命的起源 北京 大学", "", "我们在北京大学读书，研究生命科学。"]
    units = [to_units(t) for t in texts]
    for standard in (0, 2):
        enc = seg.vocab.encode_many(units, standard)
        monkeypatch.setattr(vocab_module, "_native", None)
        ref = seg.vocab.encode_many(units, standard)
        monkeypatch.undo()
        assert enc.features.any() and np.array_equal(enc.features, ref.features)
    rng = np.random.default_rng(0)  # runs of dictionary words with whitespace among them
    text = "".join(rng.choice(list("中华人民共和国北京大学研究生命科学的起源")) for _ in range(3000))
    u = to_units(" ".join(text[i:i + 11] for i in range(0, len(text), 11)))
    enc = seg.vocab.encode_many([u], 0)
    monkeypatch.setattr(vocab_module, "_native", None)
    ref = seg.vocab.encode_many([u], 0)
    monkeypatch.undo()
    assert enc.features.sum() > 100 and np.array_equal(enc.features, ref.features)


def test_the_c_word_bounds_are_the_numpy_ones(monkeypatch):
    from segmenter import tags

    rng = np.random.default_rng(7)
    for lengths in ([5, 0, 3, 1, 9], [0], [], [12]):
        t = rng.integers(0, 4, sum(lengths)).astype(np.int16)  # illegal sequences too: the repair reading
        got = tags.word_bounds(t, np.array(lengths))
        monkeypatch.setattr(tags, "_native", None)
        want = tags.word_bounds(t, np.array(lengths))
        monkeypatch.undo()
        for a, b in zip(got, want):
            assert np.array_equal(a, b)
    with pytest.raises(ValueError):  # lengths that do not add up to the tags
        native._native.word_bounds(np.zeros(3, np.int16), np.array([2]), *(np.empty(3, np.int64),) * 2,
                                   np.empty(1, np.int64))


def test_the_c_bigram_lookup_is_the_numpy_one(monkeypatch):
    from segmenter import vocab as vocab_module

    seg = Segmenter.load(threads=1)
    table = seg.vocab._bigram_ids
    rng = np.random.default_rng(3)
    known = table._keys[table._keys >= 0]
    keys = np.concatenate([rng.choice(known, 5000), rng.integers(0, 2**42, 5000), known[:300]])  # hits and misses
    for part in (keys, keys[:40], keys[:0]):  # a batch, a sentence, nothing
        got = table.get(part)
        monkeypatch.setattr(vocab_module, "_native", None)
        want = table.get(part)
        monkeypatch.undo()
        assert np.array_equal(got, want)
    assert (table.get(keys[-300:]) > 1).all() and (table.get(keys[5000:5100]) == 1).mean() > 0.99


def test_the_bmes_scores_alone_are_the_first_four_of_all(default_batch):
    seg, tagger, batch = default_batch
    lengths = batch[2]
    full, bmes = tagger(*batch), tagger.segmentation_scorer()(*batch)
    assert bmes.shape == (*full.shape[:2], 4)
    for i, n in enumerate(lengths):
        assert np.array_equal(bmes[i, :n], full[i, :n, :4])
    default = Segmenter.load(threads=1)  # cut (no parts of speech) runs on the BMES scorer, tokenize(pos=True) on all
    text = "研究生命的起源，北京大学的学生在2026年访问了www.example.com。"
    assert default.cut(text) == [t.text for t in default.tokenize(text, pos=True)]


@pytest.mark.parametrize("options", [
    {"layers": 2, "hidden": 21},  # padded widths in a second layer
    {"bigram_dim": 0, "word_features": 4, "hidden": 16},  # features, no bigram table
    {"hidden": 32, "labels": JOINT, "factored": True, "standards": ("a", "b"), "standard_dim": 3, "word_features": 5},
    {"hidden": 3, "bigram_dim": 1, "labels": JOINT},  # 12 outputs: not a multiple of 16
])
def test_other_shapes_score_the_same_alone_and_on_every_instruction_set(options):
    config = tiny(**options)
    tagger = native.NativeTagger(config, numpy_state(random_model(config, seed=3)))
    chars, bigrams, lengths = padded_batch([9, 4, 1, 6, 0, 7], seed=2, width=11)  # odd lengths: a single last position
    stds = np.array([0, 1, 1, 0, 1, 0]) if config.standards else None
    width = network(config).features
    feats = (np.random.default_rng(0).random((6, 11, width)) < 0.3).astype(np.float32) if width else None
    for outputs in ([None, N_TAGS] if config.factored else [None]):
        fast = tagger(chars, bigrams, lengths, stds, feats, outputs=outputs)
        try:
            native._native.set_isa(True)
            plain = tagger(chars, bigrams, lengths, stds, feats, outputs=outputs)
        finally:
            native._native.set_isa(False)
        for i, n in enumerate(lengths):
            alone = tagger(chars[i:i + 1, :n], bigrams[i:i + 1, :n + 1], lengths[i:i + 1],
                           None if stds is None else stds[i:i + 1], None if feats is None else feats[i:i + 1, :n],
                           outputs=outputs)
            assert np.array_equal(fast[i, :n], plain[i, :n]) and np.array_equal(alone[0], fast[i, :n])


def test_a_nan_feature_scores_the_same_on_every_instruction_set():
    # tanh's clamp in C and in AVX-512 treat a NaN the same way (max/min give the clamp)
    config = tiny(hidden=16, word_features=3)
    tagger = native.NativeTagger(config, numpy_state(random_model(config, seed=1)))
    chars, bigrams, lengths = padded_batch([5], seed=2)
    feats = np.zeros((1, 5, 4), np.float32)
    feats[0, 1, 0] = np.nan
    fast = tagger(chars, bigrams, lengths, None, feats)
    try:
        native._native.set_isa(True)
        plain = tagger(chars, bigrams, lengths, None, feats)
    finally:
        native._native.set_isa(False)
    assert np.array_equal(fast, plain, equal_nan=True)


def test_a_model_whose_matrices_disagree_with_its_dimensions_is_not_built():
    # forward sizes its work space from the dimensions: a wider matrix would write past it
    config = tiny(hidden=8, layers=2)
    args = native.prepare(config, numpy_state(random_model(config)))
    native._native.build(*args)
    H = 8
    wide = native.qmat(np.ones((4 * H + 200, H)), 1 / 127)
    long = native.qmat(np.ones((4 * H, H + 40)), 1 / 127)
    bad = {
        "wh": (*args[:8], [args[8][0][:2] + (wide, args[8][0][3]) + args[8][0][4:], args[8][1]], *args[9:]),
        "wh inputs": (*args[:8], [args[8][0][:2] + (long, args[8][0][3]) + args[8][0][4:], args[8][1]], *args[9:]),
        "wx": (*args[:8], [args[8][0], (wide,) + args[8][1][1:]], *args[9:]),
        "left": (*args[:6], wide, *args[7:]),
        "out": (*args[:9], native.qmat(np.ones((3, 2 * H)), 1 / 127), *args[10:]),
        "hidden": ((args[0][0], 1 << 29, *args[0][2:]), *args[1:]),
        "features": ((*args[0][:4], -1, *args[0][5:]), *args[1:]),
    }
    for why, a in bad.items():
        with pytest.raises(ValueError):
            native._native.build(*a)
        assert why


def test_sizes_that_would_wrap_around_are_errors():
    z = np.zeros(4, np.int64)
    with pytest.raises(ValueError):  # lengths whose sum wraps around to the number of tags
        native._native.word_bounds(np.zeros(4, np.int16), np.array([2**63 - 1, 2**63 - 1, 6]), z, z.copy(),
                                   z[:3].copy())
    with pytest.raises(ValueError):
        native._native.viterbi_bmes(np.zeros(0, np.float32), z[:0], np.zeros(0, np.int16), 2**30 + 23170, 2**31 - 46339)
    with pytest.raises(ValueError):
        native._native.word_features(z, 2**30 + 1, np.zeros(1 << 20, np.uint8), np.full((16, 2), -1), 60, None,
                                     np.zeros(0, np.uint8))
    out = np.empty((3, 0), np.int16)  # rows of no positions: nothing read, nothing written
    native._native.viterbi_bmes(np.empty((3, 0, 4), np.float32), np.zeros(3, np.int64), out, 3, 0)


def test_float64_scores_are_decoded_without_rounding_them(monkeypatch):
    from segmenter import decode

    scores = np.array([[[1, 0, 0, 1], [0, 0, 1, 1 + 1e-12]]])  # S S in float64; a tie (E) in float32
    got = decode.viterbi(scores, np.array([2]))
    monkeypatch.setattr(decode, "_native", None)
    assert np.array_equal(got, decode.viterbi(scores, np.array([2]))) and got.tolist() == [[3, 3]]


def test_the_c_ids_are_the_numpy_ones(monkeypatch, data_dir):
    from segmenter import vocab as vocab_module

    seg = Segmenter.load(threads=1)
    texts = [g.text for g in read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:200]]
    texts += ["", "他在2026年用iPhone访问了www.example.com。", "𠀀𠀁 unknown 𪚥", "\u3000ＡＢＣ１２３"]
    for batch in (texts, texts[:1], texts[-4:]):
        units = [to_units(t) for t in batch]
        got = seg.vocab.encode_many(units, 0)
        monkeypatch.setattr(vocab_module, "_native", None)
        want = seg.vocab.encode_many(units, 0)
        monkeypatch.undo()
        assert np.array_equal(got.chars, want.chars) and np.array_equal(got.bigrams, want.bigrams)
        assert (got.bigrams > 1).any() and (got.bigrams == 1).any() or len(batch) < 4
    with pytest.raises(ValueError):  # a code past the table
        table = seg.vocab._bigram_ids
        native._native.encode_ids(np.array([2**40]), seg.vocab._char_ids, seg.vocab._char_ids.itemsize, table._pairs,
                                  int(table._shift), np.empty(1, np.int64), np.empty(1, np.int64))
