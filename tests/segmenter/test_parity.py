"""Parity of the fast inference path with a plain torch reference (issue 6). Cross-cutting: both
runtimes of the product against a reference, not one module.

`Segmenter` batches pieces sorted by length, reads ids from one flat array, embeds the backward
input from reversed ids, applies the tag layer to each direction apart, decodes raw scores with
a sorted-rows Viterbi and may run batches on several threads. The reference here does none of
that: one piece at a time (no padding), PyTorch's own bidirectional `nn.LSTM`/`nn.GRU` with the
model's weights copied in (their names and layers read from `network.network`, the one description
of the network), the head's linear layer over the concatenated states, log-softmax, the general
Viterbi. On a fixed slice of the PKU test (its first `SLICE` lines) the two must agree on all lines
but one at most and within 0.1 F1, for every shipped model on the runtime without torch (ONNX
Runtime, graph built from the weights) and on the default runtime; `bench/parity.py` runs the
whole test (≥ 99.9% identical lines).
"""

import numpy as np
import pytest
import torch
from torch import nn

from segmenter import Segmenter
from segmenter.corpus import read_corpus
from segmenter.decode import _viterbi_general
from segmenter.network import CELLS, network
from segmenter.pipeline import constraints
from segmenter.scoring import score
from segmenter.tags import N_TAGS, tags_to_spans
from segmenter.text import split_pieces, to_units


def reference_cut(seg: Segmenter, texts: list[str]) -> list[list[str]]:
    """Every text cut one piece at a time by a plain torch network with the model's weights, its
    layers and weight names read from the spec (`network.network`): the embeddings, torch's own
    multi-layer bidirectional RNN, the head's linear layer, log-softmax, the general Viterbi."""
    cfg, net, state = seg.config, network(seg.config), seg.weights.state
    layers = net.layers
    rnn = getattr(nn, CELLS[cfg.cell].torch)(layers[0].d_in, layers[0].hidden, num_layers=len(layers),
                                             bidirectional=len(layers[0].sides) == 2, batch_first=True)
    rnn.load_state_dict({name.replace("_l0", f"_l{layer.index}") + ("_reverse" if p.startswith("bwd") else ""):
                         torch.from_numpy(state[f"{p}.{name}"])
                         for layer in layers for p in layer.prefixes
                         for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")})
    rnn.eval()
    out_w, out_b = torch.from_numpy(state["out.weight"]), torch.from_numpy(state["out.bias"])
    out = []
    with torch.inference_mode():
        for text in texts:
            units = to_units(text)
            chars, bigrams = seg.vocab.encode(units)
            std_index = cfg.standards.index(seg.standard) if cfg.standards else 0
            feats = seg.vocab.encode_many([units], std_index).features  # dictionary features, if the model has them
            mask, _ = constraints(units, seg.lexicon)
            labels = np.zeros(len(units), dtype=np.int64)
            for s, e in split_pieces(units, cfg.max_piece):
                parts = []
                for emb in net.embeddings:
                    table = state[emb.weight]
                    if emb.reads == "chars":
                        parts.append(table[chars[s:e]])
                    elif emb.reads == "bigrams":
                        parts += [table[bigrams[s:e]], table[bigrams[s + 1:e + 1]]]
                    else:
                        parts.append(np.repeat(table[std_index][None], e - s, axis=0))
                if net.features:
                    parts.append(feats[1 + s:1 + e])
                x = torch.from_numpy(np.concatenate(parts, axis=-1, dtype=np.float32)[None])
                h, _ = rnn(x)
                scores = h @ out_w.T + out_b
                if cfg.factored:  # the BMES head
                    scores = scores[..., :N_TAGS]
                logp = torch.log_softmax(scores, dim=-1).numpy()
                piece_mask = None if mask is None else mask[None, s:e]
                labels[s:e] = _viterbi_general(logp, np.array([e - s]), piece_mask)[0]
            spans = tags_to_spans((labels % N_TAGS).tolist())
            out.append([text[units.starts[a]:units.ends[b - 1]] for a, b in spans])
    return out


# The suite checks a fixed slice of the PKU test: its first lines, every model on both runtimes
# (bench/parity.py runs the whole test set).
SLICE = 200
_REFERENCE: dict[str, list[list[str]]] = {}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """torch on one intra-op thread, as the CLI runs it (`configure_process`): its thread pool
    spin-waits, and on a busy machine two threads made the reference 15 times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _slice(data_dir):
    gold = read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:SLICE]
    return [g.text for g in gold], [g.words for g in gold]


def _reference(seg: Segmenter, texts: list[str]) -> list[list[str]]:
    if seg.name not in _REFERENCE:  # one reference per model for every runtime
        _REFERENCE[seg.name] = reference_cut(seg, texts)
    return _REFERENCE[seg.name]


@pytest.mark.parametrize("runtime", ["onnxruntime", "auto"])
@pytest.mark.parametrize("name", Segmenter.available())
def test_fast_path_matches_the_torch_reference_on_the_pku_test(name, runtime, data_dir):
    texts, gold_words = _slice(data_dir)
    seg = Segmenter.load(name, threads=2, runtime=runtime, precision="fp32")
    fast = seg.cut_batch(texts)
    ref = _reference(seg, texts)
    differ = sum(a != b for a, b in zip(fast, ref))
    assert differ <= 1, f"{name}: {differ} of {len(texts)} lines differ"  # the whole test: >= 99.9% identical
    assert abs(score(gold_words, fast).f1 - score(gold_words, ref).f1) <= 0.001
    assert all("".join(a) == "".join(b) for a, b in zip(fast, ref))


@pytest.mark.parametrize("name", Segmenter.available())
def test_native_int8_stays_near_the_float_reference_on_the_pku_test(name, data_dir):
    """int8 on the native kernel, the default precision of `multi-fast` and `pku-fast` (`multi`
    keeps fp32 unless asked). On 2026-12-06 its lines were 98.5% identical to float32's on the
    whole PKU test for the default model, F1 within 0.01 (bench/precision.py, BENCHMARKS.md:
    Precision); a text's words are the same whatever it is batched with (tests/segmenter/test_native.py)."""
    texts, gold_words = _slice(data_dir)
    seg = Segmenter.load(name, threads=2, precision="int8")
    assert (seg.runtime.value, seg.precision.value) == ("native", "int8")
    fast = seg.cut_batch(texts)
    ref = _reference(seg, texts)
    same = sum(a == b for a, b in zip(fast, ref)) / len(texts)
    assert same >= 0.96, f"{name}: {same:.2%} identical lines"
    assert abs(score(gold_words, fast).f1 - score(gold_words, ref).f1) <= 0.002
    assert all("".join(a) == "".join(b) for a, b in zip(fast, ref))


def test_int8_stays_near_the_float_reference_on_the_pku_test(data_dir):
    """precision="int8" on ONNX Runtime (the LSTM as its DynamicQuantizeLSTM) against the torch
    float32 reference: on 2026-12-06 the default model's int8 lines were 96.8% identical to
    float32's on the whole PKU test, F1 within 0.05 (bench/precision.py, BENCHMARKS.md: Precision)."""
    texts, gold_words = _slice(data_dir)
    seg = Segmenter.load(threads=2, precision="int8", runtime="onnxruntime")
    assert seg.runtime.value == "onnxruntime"
    fast = seg.cut_batch(texts)
    ref = _reference(seg, texts)
    same = sum(a == b for a, b in zip(fast, ref)) / len(texts)
    assert 0.93 <= same < 1, f"{same:.4%} identical lines"  # quantised: close, and not the float network
    assert abs(score(gold_words, fast).f1 - score(gold_words, ref).f1) <= 0.003
    assert all("".join(a) == "".join(b) for a, b in zip(fast, ref))
