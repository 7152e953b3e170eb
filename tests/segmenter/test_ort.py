"""`segmenter.ort`: the rule that picks ONNX Runtime for runtime="auto", and the session that keeps its
own copy of the weights."""

import sys

import numpy as np
import pytest

from segmenter import ort
from segmenter.onnx_graph import build
from segmenter.ort import AUTO_MAX_HIDDEN, OrtTagger, prefers_ort
from tests.segmenter.conftest import (
    numpy_state,
    padded_batch,
    random_model,
    tiny,
)


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
