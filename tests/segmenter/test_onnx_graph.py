"""`segmenter.onnx_graph`: the ONNX graph built from the weights scores like the torch
`BiRNNTagger`, on tiny random networks of every shape the config allows, dictionary features too."""

import numpy as np
import pytest
import torch

from segmenter import Segmenter
from segmenter.config import TrainConfig
from segmenter.corpus import split_dev
from segmenter.model import BiRNNTagger
from segmenter.onnx_graph import build
from segmenter.ort import OrtTagger
from segmenter.training.data import Corpus
from segmenter.training.loop import train
from tests.conftest import TINY_MODEL
from tests.segmenter.conftest import (
    JOINT,
    LENGTHS,
    N_CHARS,
    assert_real_positions_close,
    numpy_state,
    padded_batch,
    random_model,
    tiny,
)


def torch_scores(model: BiRNNTagger, chars, bigrams, lengths, standards=None) -> np.ndarray:
    with torch.inference_mode():
        std = None if standards is None else torch.from_numpy(standards)
        return model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths), std).numpy()


VARIANTS = {
    "plain": {},
    "factored": {"labels": JOINT, "factored": True},
    "multi": {"standards": ("pku", "ctb6", "msr"), "standard_dim": 3},
    "multi-factored": {"labels": JOINT, "factored": True, "standards": ("pku", "msr"), "standard_dim": 2},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_scores_equal_torch_on_a_padded_batch(cell, layers, variant):
    config = tiny(cell, layers, **VARIANTS[variant])
    model = random_model(config, seed=layers)
    chars, bigrams, lengths = padded_batch(LENGTHS)
    standards = np.array([i % len(config.standards) for i in range(len(LENGTHS))]) if config.standards else None
    got = OrtTagger(config, numpy_state(model))(chars, bigrams, lengths, standards)
    assert got.dtype == np.float32
    assert got.shape == (len(LENGTHS), max(LENGTHS), config.n_outputs)
    assert config.n_outputs == (4 + 3 if config.factored else len(config.labels))
    assert_real_positions_close(got, torch_scores(model, chars, bigrams, lengths, standards), LENGTHS)


@pytest.mark.parametrize("options", [{"cell": "rnn"}, {"bigram_dim": 0}, {"bigram_dim": 0, "layers": 3, "cell": "gru"}],
                         ids=["rnn", "no-bigrams", "no-bigrams-3-gru"])
def test_scores_equal_torch_for_the_other_shapes(options):
    config = tiny(**options)
    model = random_model(config, seed=7)
    chars, bigrams, lengths = padded_batch(LENGTHS, seed=2)
    assert_real_positions_close(OrtTagger(config, numpy_state(model))(chars, bigrams, lengths),
                                torch_scores(model, chars, bigrams, lengths), LENGTHS)


@pytest.mark.parametrize("cell, layers", [("lstm", 1), ("gru", 2)])
def test_a_row_scores_the_same_alone_and_in_any_padded_batch(cell, layers):
    config = tiny(cell, layers)
    tagger = OrtTagger(config, numpy_state(random_model(config)))
    chars, bigrams, lengths = padded_batch(LENGTHS, seed=3)
    batched = tagger(chars, bigrams, lengths)
    wide = tagger(*padded_batch(LENGTHS, seed=3, width=12))  # the same rows, five more columns of padding
    assert wide.shape == (len(LENGTHS), 12, 4)
    assert_real_positions_close(wide[:, :max(LENGTHS)], batched, LENGTHS)
    for i, n in enumerate(LENGTHS):
        alone = tagger(chars[i:i + 1, :n], bigrams[i:i + 1, :n + 1], lengths[i:i + 1])
        np.testing.assert_allclose(batched[i, :n], alone[0], atol=2e-5, rtol=1e-4)
    reordered = tagger(chars[::-1].copy(), bigrams[::-1].copy(), lengths[::-1].copy())
    assert_real_positions_close(reordered[::-1], batched, LENGTHS)


def test_the_backward_direction_reads_each_row_within_its_own_length():
    """Changing a row's last unit changes its first score (the backward RNN starts there), and
    changing what lies in the padding after it changes nothing."""
    config = tiny()
    tagger = OrtTagger(config, numpy_state(random_model(config)))
    chars, bigrams, lengths = padded_batch([3, 6], seed=4)
    base = tagger(chars, bigrams, lengths)
    last = chars.copy()
    last[0, 2] = last[0, 2] % (N_CHARS - 1) + 1  # another unit id, never 0
    assert not np.allclose(tagger(last, bigrams, lengths)[0, 0], base[0, 0])
    junk_chars, junk_bigrams = chars.copy(), bigrams.copy()
    junk_chars[0, 3:] = 9
    junk_bigrams[0, 4:] = 9
    assert_real_positions_close(tagger(junk_chars, junk_bigrams, lengths), base, [3, 6])


def test_a_multi_standard_graph_reads_the_standard_of_each_row():
    config = tiny(**VARIANTS["multi"])
    model = random_model(config)
    tagger = OrtTagger(config, numpy_state(model))
    chars, bigrams, lengths = padded_batch([4, 4], seed=5)
    chars[1], bigrams[1] = chars[0], bigrams[0]  # one text twice, in two standards
    standards = np.array([0, 2], dtype=np.int64)
    got = tagger(chars, bigrams, lengths, standards)
    assert not np.allclose(got[0], got[1])
    np.testing.assert_allclose(got, torch_scores(model, chars, bigrams, lengths, standards), atol=2e-5, rtol=1e-4)
    swapped = tagger(chars, bigrams, lengths, standards[::-1].copy())
    np.testing.assert_allclose(swapped[::-1], got, atol=1e-6)


def test_weights_in_half_precision_are_computed_in_float32():
    config = tiny("gru")
    model = random_model(config)
    half = {k: v.astype(np.float16) for k, v in numpy_state(model).items()}
    rounded = {k: torch.from_numpy(v.astype(np.float32)) for k, v in half.items()}
    model.load_state_dict(rounded)  # torch on the same (rounded) weights
    chars, bigrams, lengths = padded_batch(LENGTHS, seed=6)
    got = OrtTagger(config, half)(chars, bigrams, lengths)
    assert got.dtype == np.float32
    assert_real_positions_close(got, torch_scores(model, chars, bigrams, lengths), LENGTHS)


def test_the_graph_declares_its_inputs_and_output():
    import onnx

    single = onnx.load_from_string(build(tiny(), numpy_state(random_model(tiny())))[0])
    onnx.checker.check_model(single, full_check=True)  # the bytes `onnx_proto` wrote are a valid model
    assert [i.name for i in single.graph.input] == ["chars", "bigrams", "lengths"]
    assert [o.name for o in single.graph.output] == ["scores"]
    multi = tiny(**VARIANTS["multi"])
    assert [i.name for i in onnx.load_from_string(build(multi, numpy_state(random_model(multi)))[0]).graph.input] == [
        "chars", "bigrams", "lengths", "standards"]


def test_a_self_contained_graph_of_a_multi_standard_model_passes_the_onnx_checker():
    import onnx

    multi = tiny(**VARIANTS["multi"])
    graph, external = build(multi, numpy_state(random_model(multi)), external_bytes=None)
    assert external == {}
    onnx.checker.check_model(onnx.load_from_string(graph), full_check=True)


@pytest.mark.parametrize("options", [{}, {"layers": 2, "standards": ("pku", "ctb6"), "standard_dim": 3}],
                         ids=["plain", "multi-2-layers"])
def test_both_runtimes_read_the_features_alike(options):
    config = tiny(word_features=4, **options)
    model = random_model(config, seed=5)
    chars, bigrams, lengths = padded_batch(LENGTHS, seed=4)
    feats = (np.random.default_rng(0).random((len(LENGTHS), max(LENGTHS), config.feature_dim)) < 0.3).astype(np.float32)
    std = np.array([i % 2 for i in range(len(LENGTHS))]) if config.standards else None
    with torch.inference_mode():
        ref = model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths),
                    None if std is None else torch.from_numpy(std), torch.from_numpy(feats)).numpy()
        zero = model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths),
                     None if std is None else torch.from_numpy(std), torch.zeros_like(torch.from_numpy(feats))).numpy()
    assert not np.allclose(ref, zero)  # the features reach the scores
    got = OrtTagger(config, numpy_state(model))(chars, bigrams, lengths, std, feats)
    assert_real_positions_close(got, ref, LENGTHS)
    with pytest.raises(ValueError, match="dictionary features"):
        model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths),
              None if std is None else torch.from_numpy(std))


def test_a_trained_model_with_features_segments_the_same_on_both_runtimes(tmp_path, tiny_corpus):
    train_set, dev_set = split_dev(tiny_corpus)
    out = tmp_path / "wf"
    train([Corpus("pku", train_set, dev_set)], out, dict(TINY_MODEL, word_features=4),
          TrainConfig(epochs=3, lr=1e-2, seed=3, min_char_count=1), progress=False)
    texts = [s.text for s in dev_set]
    ref = Segmenter.load(out, runtime="torch").cut_batch(texts)
    assert Segmenter.load(out, runtime="onnxruntime").cut_batch(texts) == ref
    assert all("".join(w) == t for w, t in zip(ref, texts))
    seg = Segmenter.load(out, runtime="torch")
    assert seg.vocab.words is not None and "中国" in seg.vocab.words.words[0].split(" ")
