"""`segmenter.config`: `ModelConfig` checks its fields and reads the config.json files of every
earlier form."""

import pytest

from segmenter.config import ModelConfig
from tests.segmenter.conftest import tiny


def test_config_checks_the_longest_word():
    with pytest.raises(ValueError, match="word_features"):
        ModelConfig(n_units=5, n_bigrams=5, word_features=1)
    assert ModelConfig(n_units=5, n_bigrams=5, char_dim=6, bigram_dim=4, word_features=3).input_dim == 14 + 4


def test_config_validation():
    with pytest.raises(ValueError):
        ModelConfig(n_units=3, n_bigrams=3, dropout=1.5)
    with pytest.raises(ValueError):
        ModelConfig(n_units=3, n_bigrams=3, cell="transformer")
    cfg = ModelConfig(n_units=3, n_bigrams=3, cell="gru")
    assert ModelConfig.from_json(cfg.to_json()) == cfg


def test_config_files_written_with_the_old_field_names_still_load():
    old = {"n_chars": 30, "n_bigrams": 40, "tags": ["B-n", "M-n", "E-n", "S-n"], "hidden": 6}
    cfg = ModelConfig.from_json(old)
    assert (cfg.n_units, cfg.labels) == (30, ("B-n", "M-n", "E-n", "S-n"))
    assert "n_units" in cfg.to_json() and "n_chars" not in cfg.to_json()


def test_the_keys_of_removed_network_variants_load_with_their_only_value_and_are_refused_with_another():
    """`bidirectional` and `standard_input` (as the shipped models' config.json files still hold
    them): read when they say what every network is now, never written again."""
    base = {"n_units": 30, "n_bigrams": 40, "standards": ["a", "b"], "standard_dim": 2}
    cfg = ModelConfig.from_json({**base, "bidirectional": True, "standard_input": "embedding"})
    assert cfg == ModelConfig.from_json(base)
    assert "bidirectional" not in cfg.to_json() and "standard_input" not in cfg.to_json()
    for key, value, shown in (("bidirectional", False, "false"), ("bidirectional", 1, "1"),
                              ("standard_input", "tokens", '"tokens"')):
        with pytest.raises(ValueError, match=f"^{key}: {shown} is not supported any more"):
            ModelConfig.from_json({**base, key: value})


def test_a_config_names_a_known_head():
    with pytest.raises(ValueError, match="unknown head"):
        ModelConfig(n_units=5, n_bigrams=5, head="nope")
    assert "head" not in tiny().to_json()  # the default is written as before there were heads
