"""The ONNX Runtime graph built from the weights scores like the torch `BiRNNTagger`, on tiny random
networks of every shape the config allows; and the rule that picks it."""

import sys

import numpy as np
import pytest
import torch

from segmenter import Runtime, Segmenter, ort
from segmenter.artifact import Weights
from segmenter.config import ModelConfig
from segmenter.model import BiRNNTagger
from segmenter.onnx_graph import build
from segmenter.ort import AUTO_MAX_HIDDEN, OrtTagger, prefers_ort
from segmenter.text import to_units
from segmenter.vocab import Vocab

N_CHARS, N_BIGRAMS = 30, 40
JOINT = tuple(f"{b}-{p}" for p in ("n", "v", "p") for b in "BMES")  # 12 joint labels, 3 parts of speech
LENGTHS = [7, 3, 1, 5, 7]  # rows of different lengths: most of the batch is padding somewhere


def tiny(cell: str = "lstm", layers: int = 1, **options) -> ModelConfig:
    return ModelConfig(n_units=N_CHARS, n_bigrams=N_BIGRAMS, **{
        "char_dim": 6, "bigram_dim": 4, "hidden": 5, "cell": cell, "layers": layers, **options})


def random_model(config: ModelConfig, seed: int = 0) -> BiRNNTagger:
    torch.manual_seed(seed)
    model = BiRNNTagger(config).eval()
    with torch.no_grad():  # larger than the default init, so that the scores differ clearly between inputs
        for p in model.parameters():
            p.mul_(2.0)
    return model


def numpy_state(model: BiRNNTagger) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def padded_batch(lengths: list[int], seed: int = 1, width: int | None = None):
    """Random ids for rows of `lengths`, padded with 0 up to `width` (default: the longest row)."""
    rng = np.random.default_rng(seed)
    width = width or max(lengths)
    chars = np.zeros((len(lengths), width), dtype=np.int64)
    bigrams = np.zeros((len(lengths), width + 1), dtype=np.int64)
    for i, n in enumerate(lengths):
        chars[i, :n] = rng.integers(1, N_CHARS, n)
        bigrams[i, :n + 1] = rng.integers(1, N_BIGRAMS, n + 1)
    return chars, bigrams, np.array(lengths, dtype=np.int64)


def torch_scores(model: BiRNNTagger, chars, bigrams, lengths, standards=None) -> np.ndarray:
    with torch.inference_mode():
        std = None if standards is None else torch.from_numpy(standards)
        return model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths), std).numpy()


def assert_real_positions_close(a: np.ndarray, b: np.ndarray, lengths) -> None:
    """Equal where a row has units; what a runtime leaves in the padding is nobody's business."""
    assert a.shape == b.shape
    for i, n in enumerate(lengths):
        np.testing.assert_allclose(a[i, :n], b[i, :n], atol=2e-5, rtol=1e-4)


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


# ------------------------------------------------------------------ which runtime "auto" picks


@pytest.mark.parametrize("layers, hidden, torch_installed, want", [
    (1, AUTO_MAX_HIDDEN, True, True),  # small and shallow: ONNX Runtime
    (1, 8, True, True),
    (1, AUTO_MAX_HIDDEN + 1, True, False),  # wider: torch
    (2, 8, True, False),  # deeper: torch
    (2, AUTO_MAX_HIDDEN + 1, False, True),  # without torch everything runs on ONNX Runtime
    (1, 8, False, True),
])
def test_prefers_ort_for_small_one_layer_networks_or_when_torch_is_missing(layers, hidden, torch_installed, want):
    assert prefers_ort(tiny(layers=layers, hidden=hidden), torch_installed) is want


def test_never_prefers_ort_when_it_is_not_installed(monkeypatch):
    assert ort.available()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` now fails
    assert not ort.available()
    assert prefers_ort(tiny(), torch_available=False) is False
    assert prefers_ort(tiny(), torch_available=True) is False


def test_a_segmenter_runs_auto_on_the_runtime_prefers_ort_picks_and_both_runtimes_agree():
    texts = ["甲乙丙丁", "乙丙", "甲", "丁丙乙甲甲乙"]
    vocab = Vocab.build((list(t) for t in texts), min_char=1, min_bigram=1)
    for layers, want in [(1, Runtime.ONNXRUNTIME), (2, Runtime.TORCH)]:
        config = ModelConfig(n_units=len(vocab.chars), n_bigrams=len(vocab.bigrams), char_dim=6, bigram_dim=4,
                             hidden=5, layers=layers)
        weights = Weights(config, numpy_state(random_model(config, seed=layers)))
        auto = Segmenter(weights, vocab, threads=1)
        assert auto.runtime is want
        other = Runtime.TORCH if want is Runtime.ONNXRUNTIME else Runtime.ONNXRUNTIME
        forced = Segmenter(weights, vocab, threads=1, runtime=other)
        assert forced.runtime is other
        assert forced.cut_batch(texts) == auto.cut_batch(texts)
        probs = [[t.prob for t in s.tag(texts[-1])] for s in (auto, forced)]
        np.testing.assert_allclose(probs[0], probs[1], atol=1e-5)
        assert len(to_units(texts[-1])) == len(probs[0])
        if layers == 1:  # ONNX Runtime runs float32 only: bfloat16 stays on torch
            assert Segmenter(weights, vocab, threads=1, precision="bf16").runtime is Runtime.TORCH


def test_the_session_keeps_its_own_copy_of_the_weights_given_as_external_initializers():
    config = tiny(char_dim=64, bigram_dim=32)  # tables large enough to be external initializers
    state = numpy_state(random_model(config))
    graph, external = build(config, state)
    assert external and all(a.nbytes >= 4096 for a in external.values())
    assert len(graph) < sum(a.nbytes for a in external.values())  # the graph only names them
    tagger = OrtTagger(config, state)
    chars, bigrams, lengths = padded_batch([7, 3])
    before = tagger(chars, bigrams, lengths)
    for a in state.values():  # OrtTagger lets go of the arrays: nothing it runs may depend on them
        a[...] = 0
    assert np.array_equal(tagger(chars, bigrams, lengths), before)


def test_onnx_proto_writes_what_onnx_reads():
    """Every field `onnx_proto` writes, read back by the `onnx` package itself."""
    import onnx
    from onnx import helper, numpy_helper

    from segmenter import onnx_proto as proto

    attrs = {"i": -3, "f": 0.25, "s": "Tanh", "ints": [1, -1, 2**40], "strings": ["Sigmoid", "Tanh"]}
    n = onnx.NodeProto.FromString(proto.node("LSTM", ["x", "", "w"], ["y"], domain="com.example", **attrs))
    assert (n.op_type, list(n.input), list(n.output), n.domain) == ("LSTM", ["x", "", "w"], ["y"], "com.example")
    got = {a.name: helper.get_attribute_value(a) for a in n.attribute}
    assert got == {**attrs, "s": b"Tanh", "strings": [b"Sigmoid", b"Tanh"]}
    for value in (np.arange(-3, 3, dtype=np.int64).reshape(2, 3), np.float32([[1.5, -2]]), np.int8([-128, 127]),
                  np.float16([0.1, 3]), np.array(7, dtype=np.int64)):
        t = onnx.TensorProto.FromString(proto.tensor("t", value))
        np.testing.assert_array_equal(numpy_helper.to_array(t), value)
        assert numpy_helper.to_array(t).dtype == value.dtype
    ext = onnx.TensorProto.FromString(proto.external_tensor("big", np.float32, (3, 4)))
    assert (list(ext.dims), ext.data_location, ext.external_data[0].value) == ([3, 4], onnx.TensorProto.EXTERNAL, "big")
    v = onnx.ValueInfoProto.FromString(proto.value_info("x", proto.FLOAT, ["b", 5]))
    dims = v.type.tensor_type.shape.dim
    assert (v.type.tensor_type.elem_type, dims[0].dim_param, dims[1].dim_value) == (onnx.TensorProto.FLOAT, "b", 5)


def test_a_self_contained_graph_of_a_multi_standard_model_passes_the_onnx_checker():
    import onnx

    multi = tiny(**VARIANTS["multi"])
    graph, external = build(multi, numpy_state(random_model(multi)), external_bytes=None)
    assert external == {}
    onnx.checker.check_model(onnx.load_from_string(graph), full_check=True)
