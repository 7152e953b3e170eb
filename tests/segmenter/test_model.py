import pytest
import torch

from segmenter.config import ModelConfig
from segmenter.model import BiRNNTagger, reverse_index


def test_reverse_index_reverses_within_length_and_is_an_involution():
    idx = reverse_index(torch.tensor([3, 1, 4]), 4)
    assert idx.tolist() == [[2, 1, 0, 3], [0, 1, 2, 3], [3, 2, 1, 0]]
    assert idx.gather(1, idx).tolist() == [[0, 1, 2, 3]] * 3


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_padding_never_changes_a_row(cell, layers):
    torch.manual_seed(0)
    m = BiRNNTagger(ModelConfig(n_units=30, n_bigrams=40, char_dim=8, bigram_dim=4, hidden=6, layers=layers,
                                cell=cell)).eval()
    short = torch.randint(2, 30, (1, 3))
    short_bg = torch.randint(2, 40, (1, 4))
    alone = m(short, short_bg, torch.tensor([3]))
    chars = torch.zeros(2, 7, dtype=torch.long)
    bigrams = torch.zeros(2, 8, dtype=torch.long)
    chars[0] = torch.randint(2, 30, (7,))
    bigrams[0] = torch.randint(2, 40, (8,))
    chars[1, :3] = short[0]
    bigrams[1, :4] = short_bg[0]
    batched = m(chars, bigrams, torch.tensor([7, 3]))
    assert batched.shape == (2, 7, 4)
    torch.testing.assert_close(batched[1, :3], alone[0], atol=1e-6, rtol=1e-5)


def test_backward_direction_sees_the_future():
    torch.manual_seed(0)
    m = BiRNNTagger(ModelConfig(n_units=30, n_bigrams=0, char_dim=8, bigram_dim=0, hidden=6)).eval()
    a = m(torch.tensor([[5, 6, 7]]), torch.zeros(1, 4, dtype=torch.long), torch.tensor([3]))
    b = m(torch.tensor([[5, 6, 9]]), torch.zeros(1, 4, dtype=torch.long), torch.tensor([3]))
    assert not torch.allclose(a[0, 0], b[0, 0])  # first position depends on the last unit


def test_config_validation():
    with pytest.raises(ValueError):
        ModelConfig(n_units=3, n_bigrams=3, dropout=1.5)
    with pytest.raises(ValueError):
        ModelConfig(n_units=3, n_bigrams=3, cell="transformer")
    cfg = ModelConfig(n_units=3, n_bigrams=3, cell="gru")
    assert ModelConfig.from_json(cfg.to_json()) == cfg


def test_backend_cache_bound_is_set_but_never_overrides_the_user(monkeypatch):
    import os

    from segmenter.process import ONEDNN_CACHE, bound_backend_caches

    monkeypatch.delenv(ONEDNN_CACHE, raising=False)
    bound_backend_caches()
    assert os.environ[ONEDNN_CACHE] == "16"
    monkeypatch.setenv(ONEDNN_CACHE, "256")
    bound_backend_caches()
    assert os.environ[ONEDNN_CACHE] == "256"


def test_usable_cores_follow_a_container_quota(tmp_path):
    from segmenter.process import usable_cores

    unlimited = usable_cores(tmp_path)  # no cgroup files: the affinity
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # 1.5 CPUs
    assert usable_cores(tmp_path) == min(unlimited, 2)
    (tmp_path / "cpu.max").write_text("50000 100000\n")
    assert usable_cores(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert usable_cores(tmp_path) == unlimited


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
