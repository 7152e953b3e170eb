"""Shared fixtures: paths to the corpora beside the repository and the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
RESOURCES = Path(__file__).resolve().parent / "resources"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"the corpora are expected at {DATA} (see README: Data)")
    return DATA


@pytest.fixture(scope="session")
def pku_model():
    from segmenter import Segmenter

    return Segmenter.load("pku")


TINY_MODEL = dict(hidden=16, char_dim=16, bigram_dim=8, max_piece=64)


@pytest.fixture(scope="session")
def tiny_corpus(data_dir):
    """The first 400 sentences of the PFR corpus: enough to train a model that is not random."""
    from segmenter.corpus import read_corpus

    return read_corpus(data_dir / "pku" / "pfr199801_seg.utf8")[:400]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_corpus):
    """A tiny model trained for 6 epochs in a few seconds."""
    from segmenter.config import TrainConfig
    from segmenter.corpus import split_dev
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train

    out = tmp_path_factory.mktemp("models") / "tiny"
    train_set, dev_set = split_dev(tiny_corpus)
    train([Corpus("pku", train_set, dev_set)], out, TINY_MODEL,
          TrainConfig(epochs=6, lr=1e-2, seed=3, min_char_count=1), progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_pos_model_dir(tmp_path_factory, data_dir):
    """A tiny joint segmentation + POS model (labels like B-n, S-v), trained in a few seconds."""
    from segmenter.config import TrainConfig
    from segmenter.corpus import read_corpus, split_dev
    from segmenter.tags import joint_labels
    from segmenter.training.data import Corpus, pos_tag_set
    from segmenter.training.loop import train

    sents = read_corpus(data_dir / "pku" / "pfr199801_pos.utf8")[:400]
    train_set, dev_set = split_dev(sents)
    out = tmp_path_factory.mktemp("models") / "tiny-pos"
    options = dict(TINY_MODEL, labels=joint_labels(pos_tag_set(train_set)))
    train([Corpus("pku", train_set, dev_set)], out, options,
          TrainConfig(epochs=4, lr=1e-2, seed=3, min_char_count=1), progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_multi_models_dir(tmp_path_factory, data_dir):
    """A models directory holding `multi`: a tiny joint multi-standard model with two standards
    that disagree on purpose. `pku` is PFR text with parts of speech; `chars` is other PFR
    sentences without parts of speech, every character a word of its own."""
    from segmenter.config import TrainConfig
    from segmenter.corpus import Sentence, read_corpus, split_dev
    from segmenter.tags import joint_labels
    from segmenter.training.data import Corpus, pos_tag_set
    from segmenter.training.loop import train

    sents = read_corpus(data_dir / "pku" / "pfr199801_pos.utf8")[:500]
    pku_train, pku_dev = split_dev(sents[:250])
    chars = [Sentence(list(s.text)) for s in sents[250:]]
    chars_train, chars_dev = split_dev(chars)
    root = tmp_path_factory.mktemp("multi-models")
    options = dict(TINY_MODEL, labels=joint_labels(pos_tag_set(pku_train)), standard_dim=4)
    train([Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)], root / "multi", options,
          TrainConfig(epochs=4, lr=1e-2, seed=3, min_char_count=1), progress=False)
    return root
