"""`segmenter.training.start`: what a run starts from. Fine-tuning a trained model by name or path
(`segmenter train --init MODEL`): a new standard is added or an existing one continued, an untagged
corpus trains the segmentation side; standards or dictionary features added to a model start
where they change nothing."""

from __future__ import annotations

import json

import torch

from segmenter import Segmenter
from segmenter.cli import main
from segmenter.config import MIXED, TrainConfig
from segmenter.corpus import Sentence, read_corpus, split_dev
from segmenter.scoring import score
from segmenter.training.data import Corpus
from segmenter.training.loop import train
from segmenter.training.start import standard_rows
from tests.conftest import TINY_MODEL
from tests.segmenter.training.conftest import NOVEL


def test_fine_tuning_by_name_adds_a_standard_and_inherits_the_network(tiny_multi_models_dir, novel, tmp_path,
                                                                       monkeypatch, capsys):
    monkeypatch.setenv("SEGMENTER_MODELS_DIR", str(tiny_multi_models_dir))
    out = tmp_path / "my-model"
    # the model tags parts of speech; the corpus has none: no --pos to restate, no network flags
    assert main(["train", "--init", "multi", "--train", f"mydomain={novel}", "--out", str(out),
                 "--epochs", "4", "--lr", "0.03", "--threads", "1", "--quiet"]) == 0
    start, tuned = Segmenter.load("multi", models_dir=tiny_multi_models_dir), Segmenter.load(out)
    assert tuned.standards == ("pku", "chars", "mydomain")
    assert tuned.standard == "mydomain"  # the fine-tuned model segments in the user's standard by default
    for field in ("hidden", "char_dim", "bigram_dim", "labels", "factored", "word_features", "standard_dim"):
        assert getattr(tuned.config, field) == getattr(start.config, field)
    assert tuned.vocab == start.vocab
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["init"] == str(tiny_multi_models_dir / "multi")
    gold = [Sentence(line.split()) for line in NOVEL]
    texts = [s.text for s in gold]
    before, after = start.cut_batch(texts, standard="pku"), tuned.cut_batch(texts)
    assert ["".join(w) for w in after] == texts  # no character changed, dropped or added
    # it learnt the corpus's convention: closer to it than the starting model in its standard
    assert score([s.words for s in gold], after).f1 > score([s.words for s in gold], before).f1 + 0.1
    text = texts[0]
    assert tuned.tokenize(text, pos=True)[0].pos is not None  # the POS side is still there
    # the other doors load it like any model: the CLI by path
    capsys.readouterr()
    raw = tmp_path / "raw.txt"
    raw.write_text("\n".join(texts) + "\n", encoding="utf-8")
    assert main(["segment", "--model", str(out), "--quiet", str(raw)]) == 0
    assert capsys.readouterr().out.splitlines() == [" ".join(words) for words in after]
    # and the service, from its models folder, in the new standard by default
    from fastapi.testclient import TestClient
    from segmenter_api.main import create_app
    from segmenter_api.settings import Settings

    settings = Settings(_env_file=None, models_dir=tmp_path, default_model="my-model", models=["my-model"])
    with TestClient(create_app(settings)) as client:
        got = client.post("/v1/segment", json={"text": texts[0]}).json()
    assert got["standard"] == "mydomain" and [t["text"] for t in got["results"][0]["tokens"]] == after[0]


def test_fine_tuning_by_path_continues_a_standard_and_keeps_its_dictionary(tmp_path, novel):
    sents = [Sentence(line.split()) for line in NOVEL * 4]
    corpora = [Corpus("a", sents, sents[:2]), Corpus("b", [Sentence(list(s.text)) for s in sents], sents[:2])]
    train(corpora, tmp_path / "base", dict(hidden=16, char_dim=16, bigram_dim=8, word_features=3),
          TrainConfig(epochs=1, min_char_count=1), progress=False)
    extra = [Sentence(["师父", "和", "弟子"])] * 10
    train([Corpus("b", extra, extra[:2])], tmp_path / "tuned", {}, TrainConfig(epochs=1), progress=False,
          init=tmp_path / "base")
    base, tuned = Segmenter.load(tmp_path / "base"), Segmenter.load(tmp_path / "tuned")
    assert tuned.standards == base.standards == ("a", "b") and tuned.config == base.config
    assert base.vocab.words is not None and tuned.vocab.words is not None
    a_words, b_words = (tuned.vocab.words.words[i].split() for i in (0, 1))
    assert a_words == base.vocab.words.words[0].split()  # a standard not trained keeps its dictionary
    assert set(base.vocab.words.words[1].split()) | {"师父", "弟子"} == set(b_words)  # its own and the corpus's


def test_a_new_standard_starts_from_mixed_else_from_the_mean():
    table = torch.tensor([[1.0, 0.0], [3.0, 2.0], [9.0, 9.0]])  # a, b, mixed
    rows = standard_rows(table, ("a", "b", MIXED), ("a", "b", "new", MIXED))
    assert torch.equal(rows[2], table[2]) and torch.equal(rows[3], table[2])  # mixed itself is kept
    rows = standard_rows(table[:2], ("a", "b"), ("b", "a", "new", MIXED))
    mean = torch.tensor([2.0, 1.0])
    assert torch.equal(rows[0], table[1]) and torch.equal(rows[2], mean) and torch.equal(rows[3], mean)


def test_a_one_standard_model_given_a_new_standard_keeps_its_own_exactly_at_first(tiny_corpus, data_dir,
                                                                                  tmp_path):
    """The standard joins the first layer through new input columns that start at zero: before
    any learning the model's own standard (named by its meta.json) segments as before."""
    base = tmp_path / "base"
    train_set, dev_set = split_dev(tiny_corpus[:200])
    train([Corpus("", train_set, dev_set)], base, dict(hidden=16, char_dim=16, bigram_dim=8),
          TrainConfig(epochs=1, min_char_count=1), meta={"standard": "news"}, progress=False)
    sents = [Sentence(line.split()) for line in NOVEL * 4]
    out = tmp_path / "two"
    train([Corpus("mydomain", sents, sents[:4])], out, {}, TrainConfig(epochs=1, lr=1e-12), progress=False,
          init=base)
    start, tuned = Segmenter.load(base, runtime="torch"), Segmenter.load(out, runtime="torch")
    assert tuned.standards == ("news", "mydomain") and not start.standards
    assert tuned.config.hidden == start.config.hidden and tuned.config.standard_dim == 8
    texts = [s.text for s in read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:100]]
    assert tuned.cut_batch(texts, standard="news") == start.cut_batch(texts)
    # continuing its one standard (no name, or its own) keeps it a one-standard model
    for name in ("", "news"):
        train([Corpus(name, sents, sents[:4])], tmp_path / "one", {}, TrainConfig(epochs=1), progress=False,
              init=base)
        assert Segmenter.load(tmp_path / "one").standards == ()


def test_init_adds_features_to_a_model_without_them_and_computes_the_same(tmp_path, tiny_corpus):
    train_set, dev_set = split_dev(tiny_corpus[:200])
    corpus = [Corpus("pku", train_set, dev_set)]
    options = dict(TINY_MODEL, dropout=0.0)
    cfg = TrainConfig(epochs=1, seed=7, lr=1e-2, min_char_count=2)
    train(corpus, tmp_path / "base", options, cfg, progress=False)
    train(corpus, tmp_path / "wf", dict(options, word_features=3), TrainConfig(epochs=1, seed=7, lr=1e-12),
          init=tmp_path / "base", progress=False)
    base, wf = Segmenter.load(tmp_path / "base", runtime="torch"), Segmenter.load(tmp_path / "wf", runtime="torch")
    assert wf.config.word_features == 3 and base.config.word_features == 0
    new_columns = wf.model.fwd[0].weight_ih_l0[:, -wf.config.feature_dim:]  # start at zero; lr 1e-12 keeps them
    assert float(new_columns.detach().abs().max()) < 1e-9
    texts = [s.text for s in dev_set]
    assert wf.cut_batch(texts) == base.cut_batch(texts)
