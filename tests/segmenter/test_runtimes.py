"""`segmenter.runtimes`: which runtime runs a model in a precision, the errors that say why not, and
the runtimes and precisions agreeing: bf16 keeps the float32 F1 on the whole PKU test, as the
README and BENCHMARKS.md promise (same F1 within 0.1, nearly every line identical)."""

import numpy as np
import pytest

from segmenter import Runtime, Segmenter, runtimes
from segmenter.artifact import Weights
from segmenter.config import ModelConfig, Precision
from segmenter.corpus import read_corpus
from segmenter.errors import InvalidInputError
from segmenter.scoring import score
from segmenter.text import to_units
from segmenter.vocab import Vocab
from tests.segmenter.conftest import numpy_state, random_model


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


def test_the_runtime_choice(tiny_multi_models_dir):
    config = Segmenter.load("multi", models_dir=tiny_multi_models_dir).config
    assert runtimes.choose("auto", Precision.INT8, config, has_torch=True) is Runtime.NATIVE
    assert runtimes.choose("onnxruntime", Precision.INT8, config, has_torch=True) is Runtime.ONNXRUNTIME
    assert runtimes.choose("native", Precision.INT8, config, has_torch=False) is Runtime.NATIVE
    assert runtimes.choose("auto", Precision.BF16, config, has_torch=True) is Runtime.TORCH
    assert runtimes.choose("auto", Precision.FP32, config, has_torch=False) is Runtime.ONNXRUNTIME
    assert runtimes.choose("torch", Precision.FP32, config, has_torch=True) is Runtime.TORCH
    for runtime, precision, has_torch, why in (("gpu", Precision.FP32, True, "unknown runtime 'gpu'"),
                                               ("torch", Precision.INT8, True, "onnxruntime runtime only"),
                                               ("torch", Precision.FP32, False, "need torch"),
                                               ("onnxruntime", Precision.BF16, True, "bf16 needs runtime='torch'"),
                                               ("native", Precision.FP32, True, "runs precision 'int8', not 'fp32'")):
        with pytest.raises(InvalidInputError, match=why):
            runtimes.choose(runtime, precision, config, has_torch)
    assert runtimes.torch_available()  # the tests run with torch, the reference
    gru = ModelConfig(n_units=5, n_bigrams=5, cell="gru")
    with pytest.raises(InvalidInputError, match="runs LSTM networks, not gru"):
        runtimes.choose("native", Precision.INT8, gru, has_torch=True)
    assert runtimes.choose("auto", Precision.INT8, gru, has_torch=True) is Runtime.ONNXRUNTIME


def test_the_shipped_models_default_precisions():
    """`multi`, the most accurate model, keeps fp32 (its meta.json's "precision"); the others run
    int8 on the native kernel."""
    got = {n: Segmenter.load(n, runtime="auto").precision for n in Segmenter.available()}
    assert got == {"multi": Precision.FP32, "multi-fast": Precision.INT8, "pku-fast": Precision.INT8}


def test_precision_auto_is_int8_where_the_native_runtime_runs_the_model(tiny_multi_models_dir):
    config = Segmenter.load("multi", models_dir=tiny_multi_models_dir).config
    gru = ModelConfig(n_units=5, n_bigrams=5, cell="gru")
    assert runtimes.resolve_precision("auto", "auto", config) is Precision.INT8
    assert runtimes.resolve_precision("auto", Runtime.NATIVE, config) is Precision.INT8
    assert runtimes.resolve_precision("auto", "onnxruntime", config) is Precision.FP32
    assert runtimes.resolve_precision("auto", "torch", config) is Precision.FP32
    assert runtimes.resolve_precision("auto", "auto", gru) is Precision.FP32
    assert runtimes.resolve_precision("fp32", "auto", config) is Precision.FP32
    with pytest.raises(InvalidInputError, match="unknown precision 'fp64'"):
        runtimes.resolve_precision("fp64", "auto", config)
    assert runtimes.resolve_precision("auto", "auto", config, model_default="fp32") is Precision.FP32
    assert runtimes.resolve_precision("int8", "auto", config, model_default="fp32") is Precision.INT8
    assert runtimes.resolve_precision("auto", "auto", config, model_default="auto") is Precision.INT8
    seg = Segmenter.load("multi", models_dir=tiny_multi_models_dir)
    assert (seg.runtime, seg.precision) == (Runtime.NATIVE, Precision.INT8)
    seg = Segmenter.load("multi", models_dir=tiny_multi_models_dir, runtime="onnxruntime")
    assert (seg.runtime, seg.precision) == (Runtime.ONNXRUNTIME, Precision.FP32)


@pytest.mark.parametrize("name", ["pku-fast"])
def test_bf16_keeps_the_f1_of_fp32_on_the_pku_test(name, data_dir):
    gold = read_corpus(data_dir / "pku" / "pku_test_gold.utf8")
    texts = [g.text for g in gold]
    ref = Segmenter.load(name, precision="fp32").cut_batch(texts)
    fast = Segmenter.load(name, precision="bf16").cut_batch(texts)
    same = sum(a == b for a, b in zip(ref, fast)) / len(ref)
    f1_ref = score([g.words for g in gold], ref).f1
    f1_fast = score([g.words for g in gold], fast).f1
    assert abs(f1_fast - f1_ref) <= 0.001
    assert same >= 0.985  # measured 98.9% for pku-fast (bench/runtimes.py, BENCHMARKS.md)
    assert all("".join(a) == "".join(b) for a, b in zip(ref, fast))
