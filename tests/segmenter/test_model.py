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


def test_a_multi_standard_network_needs_the_standard():
    model = BiRNNTagger(ModelConfig(n_units=10, n_bigrams=10, hidden=4, char_dim=4, bigram_dim=2,
                                    standards=("a", "b"), standard_dim=2))
    with pytest.raises(ValueError, match="standard of every row"):
        model(torch.ones(1, 3, dtype=torch.long), torch.ones(1, 4, dtype=torch.long), torch.tensor([3]))
    with pytest.raises(ValueError, match="standard names and standard_dim"):
        ModelConfig(n_units=10, n_bigrams=10, standards=("a",), standard_dim=0)
