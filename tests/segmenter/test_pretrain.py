import numpy as np
import torch

from segmenter.config import ModelConfig
from segmenter.model import BiRNNTagger
from segmenter.pretrain import main
from segmenter.training.start import load_pretrained
from segmenter.vocab import Vocab, bigram_key
from tests.conftest import RESOURCES


def test_pretrained_vectors_are_keyed_like_the_vocabulary_and_initialise_it(tmp_path):
    out = tmp_path / "emb.npz"
    assert main([str(RESOURCES / "tiny_seg.txt"), "--out", str(out), "--char-dim", "8", "--bigram-dim", "6",
                 "--min-count", "1", "--epochs", "1"]) == 0
    data = np.load(out)
    chars = data["chars_keys"].tolist()
    bigrams = data["bigrams_keys"].tolist()
    assert data["chars_vectors"].shape == (len(chars), 8) and data["bigrams_vectors"].shape == (len(bigrams), 6)
    assert any(k.startswith("<S>") for k in bigrams) and any(bigram_key("<S>", c) in bigrams for c in chars)
    vocab = Vocab(["<PAD>", "<UNK>", chars[0], "龘"], ["<PAD>", "<UNK>", bigrams[0]])
    model = BiRNNTagger(ModelConfig(n_units=4, n_bigrams=3, char_dim=8, bigram_dim=6, hidden=4))
    found = load_pretrained(model, vocab, out)
    assert found == {"chars": 1, "bigrams": 1}
    assert torch.allclose(model.char_emb.weight[2], torch.from_numpy(data["chars_vectors"][0]))
    assert torch.allclose(model.bigram_emb.weight[2], torch.from_numpy(data["bigrams_vectors"][0]))
    assert torch.count_nonzero(model.char_emb.weight[0]) == 0  # padding stays zero
