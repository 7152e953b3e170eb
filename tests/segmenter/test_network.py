"""One description of the network (`segmenter.network`): the torch module's parameters, the weight
shapes a model file must have and the ONNX graph all come from it, for every shape the config allows."""

import itertools

import numpy as np
import pytest
import torch

from segmenter.artifact import expected_shapes
from segmenter.heads import FactoredSoftmax, JointSoftmax, head_of
from segmenter.model import BiRNNTagger
from segmenter.network import CELLS, network
from segmenter.ort import OrtTagger
from tests.segmenter.conftest import (
    JOINT,
    LENGTHS,
    assert_real_positions_close,
    numpy_state,
    padded_batch,
    random_model,
    tiny,
)

# cell × layers × labels (plain BMES, joint, factored) × dictionary features × standards
CONFIGS = [
    dict(cell=cell, layers=layers, **labels, word_features=wf, **std)
    for cell, layers, labels, wf, std in itertools.product(
        ["lstm", "gru"], [1, 2],
        [{}, {"labels": JOINT}, {"labels": JOINT, "factored": True}],
        [0, 3],
        [{}, {"standards": ("pku", "msr"), "standard_dim": 3}])
] + [dict(cell="rnn"), dict(bigram_dim=0), dict(head="crf"), dict(head="crf", cell="gru", layers=2, word_features=3)]


def ids(options: dict) -> str:
    return ",".join(f"{k}={'joint' if k == 'labels' else v}" for k, v in options.items()) or "plain"


@pytest.mark.parametrize("options", CONFIGS, ids=ids)
def test_expected_shapes_are_the_torch_modules_state_dict(options):
    config = tiny(**options)
    state = BiRNNTagger(config).state_dict()
    assert expected_shapes(config) == {k: tuple(v.shape) for k, v in state.items()}
    assert sorted(network(config).shapes()) == sorted(state)


def test_the_spec_lists_what_the_config_asks_for():
    config = tiny("gru", 2, labels=JOINT, factored=True, word_features=4, standards=("a", "b", "c"), standard_dim=5)
    net = network(config)
    assert [(e.name, e.rows, e.dim, e.reads) for e in net.embeddings] == [
        ("char_emb", 30, 6, "chars"), ("bigram_emb", 40, 4, "bigrams"), ("std_emb", 3, 5, "standards")]
    assert net.features == 6  # 2 * (4 - 1) flags
    assert [(la.d_in, la.hidden, la.prefixes) for la in net.layers] == [
        (6 + 2 * 4 + 5 + 6, 5, ["fwd.0", "bwd.0"]), (10, 5, ["fwd.1", "bwd.1"])]
    assert isinstance(net.head, FactoredSoftmax) and net.head.outputs == 4 + 3
    assert net.shapes()["fwd.1.weight_ih_l0"] == (3 * 5, 10)
    assert net.shapes()["out.weight"] == (7, 10)
    assert isinstance(head_of(tiny(labels=JOINT)), JointSoftmax) and head_of(tiny(labels=JOINT)).outputs == 12


def test_a_cell_s_gate_order_is_a_permutation_of_torch_s_gates():
    for kind in CELLS.values():
        assert sorted(kind.onnx_gates) == list(range(kind.gates))
        assert getattr(torch.nn, kind.torch)(2, 3).weight_ih_l0.shape[0] == kind.gates * 3


@pytest.mark.parametrize("options", [c for c in CONFIGS if c.get("word_features")
                                     and c.get("cell") == "lstm" or c.get("cell") == "rnn"
                                     or c.get("bigram_dim") == 0
                                     or c.get("head") == "crf"], ids=ids)
def test_the_graph_from_the_spec_scores_as_torch(options):
    """With dictionary features too (test_onnx_graph.py covers the shapes without them)."""
    config = tiny(**options)
    model = random_model(config, seed=5)
    chars, bigrams, lengths = padded_batch(LENGTHS, seed=3)
    standards = np.array([i % len(config.standards) for i in range(len(LENGTHS))]) if config.standards else None
    features = (np.random.default_rng(4).random((len(LENGTHS), max(LENGTHS), config.feature_dim)) < 0.3
                ).astype(np.float32) if config.feature_dim else None
    got = OrtTagger(config, numpy_state(model))(chars, bigrams, lengths, standards, features)
    with torch.inference_mode():
        want = model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths),
                     None if standards is None else torch.from_numpy(standards),
                     None if features is None else torch.from_numpy(features)).numpy()
    assert_real_positions_close(got, want, LENGTHS)
