"""Dictionary features (`ModelConfig.word_features`): which positions they flag, that training
sentences see them from the other folds' words only, that both runtimes read them alike, and that
`--init` adds them to a trained model without changing what it computes."""

import random

import numpy as np
import pytest
import torch

from segmenter import Segmenter
from segmenter.cli import main
from segmenter.config import ModelConfig, TrainConfig
from segmenter.corpus import Sentence, split_dev
from segmenter.ort import OrtTagger
from segmenter.text import to_units
from segmenter.training.data import WORD_FOLDS, Corpus, batches, training_examples
from segmenter.training.loop import train
from segmenter.training.teacher import load_teacher
from segmenter.vocab import Vocab, WordDict
from tests.conftest import TINY_MODEL
from tests.segmenter.test_onnx_graph import LENGTHS, assert_real_positions_close, numpy_state, padded_batch, random_model, tiny


def flags(words: WordDict, text: str, standard: int = 0) -> dict[str, list[str]]:
    """The features of `text` by name: "start2" lists the characters where a word of 2 starts..."""
    vocab = Vocab(["<PAD>", "<UNK>"], ["<PAD>", "<UNK>"], words)
    enc = vocab.encode_many([to_units(text)], standard)
    assert enc.features is not None
    f = enc.features[1:len(text) + 1]
    out = {}
    for n in range(2, words.longest + 1):
        out[f"start{n}"] = [text[i] for i in np.flatnonzero(f[:, n - 2])]
        out[f"end{n}"] = [text[i] for i in np.flatnonzero(f[:, words.longest - 1 + n - 2])]
    return out


def test_features_flag_where_a_dictionary_word_starts_and_ends():
    words = WordDict(["北京 天安门 北京天安门广场", "天安"], longest=4)
    assert words.width == 6
    got = flags(words, "我爱北京天安门。")
    assert got == {"start2": ["北"], "end2": ["京"], "start3": ["天"], "end3": ["门"], "start4": [], "end4": []}
    assert flags(words, "我爱北京天安门。", standard=1)["start2"] == ["天"]  # the other standard's words
    assert flags(words, "京北")["start2"] == []
    union = WordDict(["北京", "天安门", WordDict.UNION], longest=3)
    assert flags(union, "我爱北京天安门。", standard=2) == {  # the union of the other entries
        "start2": ["北"], "end2": ["京"], "start3": ["天"], "end3": ["门"]}


def test_features_never_match_across_texts_or_class_symbols():
    words = WordDict(["北京 京天"], longest=3)
    vocab = Vocab(["<PAD>", "<UNK>"], ["<PAD>", "<UNK>"], words)
    enc = vocab.encode_many([to_units("我北"), to_units("京天"), to_units("北2京")])
    assert enc.features is not None
    starts = enc.features[:, 0]
    # text 2 "京天" is a word; "北" + "京" across texts 1 and 2, and around the number, are not
    assert starts.tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_no_dictionary_word_runs_across_whitespace():
    words = WordDict(["中国 人民 中国人民 国人"], longest=4)
    joined = flags(words, "中国人民")
    assert joined["start4"] == ["中"] and joined["start2"] == ["中", "国", "人"]
    # "中国 人民": the words on each side stay, "国人" and "中国人民" across the space go
    vocab = Vocab(["<PAD>", "<UNK>"], ["<PAD>", "<UNK>"], words)
    enc = vocab.encode_many([to_units("中国 人民")])
    assert enc.features is not None
    assert enc.features[1:5, 0].tolist() == [1, 0, 1, 0] and enc.features[1:5, 2].tolist() == [0, 0, 0, 0]
    assert enc.features[1:5, 3].tolist() == [0, 1, 0, 1] and enc.features[1:5, 5].tolist() == [0, 0, 0, 0]


def test_collect_keeps_words_of_two_to_longest_non_ascii_characters_normalised():
    text = WordDict.collect([["北京", "天安门", "中华人民共和国", "A股", "我"], ["北京", "ＡＢ", "國家"]], 4)
    assert text.split(" ") == sorted(["北京", "天安门", "国家"])  # Traditional -> Simplified, as the model reads


def test_vocab_json_keeps_the_dictionary_and_equality_ignores_it():
    v = Vocab(["<PAD>", "<UNK>", "北"], ["<PAD>", "<UNK>"], WordDict(["北京", ""], 3))
    again = Vocab.from_json(v.to_json())
    assert again.words is not None and again.words.words == ["北京", ""] and again.words.longest == 3
    assert again == Vocab(["<PAD>", "<UNK>", "北"], ["<PAD>", "<UNK>"])
    assert Vocab.from_json(Vocab(["<PAD>", "<UNK>"], ["<PAD>", "<UNK>"]).to_json()).words is None


def test_a_training_sentence_sees_only_the_other_folds_words():
    # "甲乙" is a word of sentence 0 only; "丙丁" of sentences 0 and 1 (different folds)
    sents = [Sentence(["甲乙", "丙丁"]), Sentence(["丙丁", "戊"])] + [Sentence(["戊", "己"])] * (2 * WORD_FOLDS)
    vocab = Vocab.build((to_units(s.text).keys for s in sents), 1, 1)
    vocab = Vocab(vocab.chars, vocab.bigrams, WordDict([WordDict.collect((s.words for s in sents), 3)], 3))
    config = ModelConfig(n_units=len(vocab.chars), n_bigrams=len(vocab.bigrams), word_features=3)
    examples, _ = training_examples([Corpus("pku", sents, [])], vocab, config)
    first = next(ex for ex in examples if ex.chars[:1] == vocab.encode(to_units("甲"))[0])
    assert first.features is not None
    assert first.features[:, 0].tolist() == [0, 0, 1, 0]  # "丙丁" starts at 2; "甲乙" was unseen
    assert first.features[:, 2].tolist() == [0, 0, 0, 1]
    full = vocab.encode_many([to_units("甲乙丙丁")]).features  # at inference: every training word
    assert full is not None and full[1:5, 0].tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize("options", [{}, {"layers": 2, "standards": ("pku", "ctb6"), "standard_dim": 3}],
                         ids=["plain", "multi-2-layers"])
def test_both_runtimes_read_the_features_alike(options):
    config = tiny(word_features=4, **options)
    model = random_model(config, seed=5)
    chars, bigrams, lengths = padded_batch(LENGTHS, seed=4)
    feats = (np.random.default_rng(0).random((len(LENGTHS), max(LENGTHS), config.feature_dim)) < 0.3).astype(np.float32)
    std = np.array([i % 2 for i in range(len(LENGTHS))]) if config.standards else None
    with torch.inference_mode():
        ref = model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths),
                    None if std is None else torch.from_numpy(std), torch.from_numpy(feats)).numpy()
        zero = model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths),
                     None if std is None else torch.from_numpy(std), torch.zeros_like(torch.from_numpy(feats))).numpy()
    assert not np.allclose(ref, zero)  # the features reach the scores
    got = OrtTagger(config, numpy_state(model))(chars, bigrams, lengths, std, feats)
    assert_real_positions_close(got, ref, LENGTHS)
    with pytest.raises(ValueError, match="dictionary features"):
        model(torch.from_numpy(chars), torch.from_numpy(bigrams), torch.from_numpy(lengths),
              None if std is None else torch.from_numpy(std))


def test_config_checks_the_longest_word():
    with pytest.raises(ValueError, match="word_features"):
        ModelConfig(n_units=5, n_bigrams=5, word_features=1)
    assert ModelConfig(n_units=5, n_bigrams=5, char_dim=6, bigram_dim=4, word_features=3).input_dim == 14 + 4


def test_a_trained_model_with_features_segments_the_same_on_both_runtimes(tmp_path, tiny_corpus):
    train_set, dev_set = split_dev(tiny_corpus)
    out = tmp_path / "wf"
    train([Corpus("pku", train_set, dev_set)], out, dict(TINY_MODEL, word_features=4),
          TrainConfig(epochs=3, lr=1e-2, seed=3, min_char_count=1), progress=False)
    texts = [s.text for s in dev_set]
    ref = Segmenter.load(out, runtime="torch").cut_batch(texts)
    assert Segmenter.load(out, runtime="onnxruntime").cut_batch(texts) == ref
    assert all("".join(w) == t for w, t in zip(ref, texts))
    seg = Segmenter.load(out, runtime="torch")
    assert seg.vocab.words is not None and "中国" in seg.vocab.words.words[0].split(" ")


def test_a_model_whose_dictionaries_do_not_match_its_config_fails_to_load(tmp_path):
    import json
    import shutil

    from segmenter import artifact
    from segmenter.errors import ModelLoadError

    out = tmp_path / "wf"
    sents = [Sentence(["北京", "天安门"]), Sentence(["我", "爱", "北京"])] * 10
    train([Corpus("a", sents, sents[:2])], out, dict(TINY_MODEL, word_features=3), TrainConfig(epochs=1),
          progress=False)
    assert Segmenter.load(out).cut("我爱北京") == Segmenter.load(out, runtime="onnxruntime").cut("我爱北京")
    for change in ({"word_longest": 4}, {"words": ["北京", "天安门"]}, {"words": None}):
        bad = tmp_path / "bad"
        shutil.rmtree(bad, ignore_errors=True)
        shutil.copytree(out, bad)
        vocab = json.loads((bad / "vocab.json").read_text(encoding="utf-8"))
        vocab.update(change)
        if vocab["words"] is None:
            del vocab["words"], vocab["word_longest"]
        (bad / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        meta = artifact.read_meta(bad)
        meta["sha256"]["vocab.json"] = artifact.sha256_file(bad / "vocab.json")
        artifact.write_meta(bad, meta)
        with pytest.raises(ModelLoadError, match="dictionaries"):
            Segmenter.load(bad)


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


def test_cli_refuses_bad_word_feature_options(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("北京 天安门\n我 爱 北京\n" * 20, encoding="utf-8")
    out = str(tmp_path / "out")
    assert main(["train", "--train", f"a={good}", "--out", out, "--word-features", "1"]) == 2
    assert main(["train", "--train", f"a={good}", "--train", f"b={good}", "--out", out,
                 "--word-features", "3", "--mixed-share", "0.2"]) == 2
    wf = tmp_path / "wf"
    train([Corpus("a", [Sentence(["北京", "天安门"])] * 20, [Sentence(["北京"])])], wf,
          dict(TINY_MODEL, word_features=3), TrainConfig(epochs=1), progress=False)
    # a teacher with dictionary features teaches only a student that reads the same ones
    assert main(["train", "--train", f"a={good}", "--out", out, "--teacher", str(wf)]) == 2
    assert main(["train", "--train", f"a={good}", "--out", out, "--teacher", str(wf), "--word-features", "2"]) == 2


def test_a_teacher_with_dictionary_features_reads_those_of_the_batch(tmp_path, tiny_corpus):
    train_set, dev_set = split_dev(tiny_corpus[:200])
    corpus = [Corpus("pku", train_set, dev_set)]
    options = dict(TINY_MODEL, word_features=3)
    train(corpus, tmp_path / "teacher", options, TrainConfig(epochs=1, seed=3, lr=1e-2, min_char_count=2),
          progress=False)
    teacher = load_teacher(tmp_path / "teacher", ["pku"])
    assert teacher.words == Segmenter.load(tmp_path / "teacher").vocab.words
    student = tmp_path / "student"
    train(corpus, student, options, TrainConfig(epochs=1, seed=4, lr=1e-2, distill_alpha=1.0),
          teacher=tmp_path / "teacher", progress=False)
    examples, _ = training_examples(corpus, Segmenter.load(student).vocab, teacher.config)
    batch = next(batches(examples, 16, random.Random(0)))
    assert batch.features is not None and int(batch.features.sum()) > 0
    args = (batch.chars, batch.bigrams, batch.lengths, batch.standards)
    got = teacher.scores(*args, batch.features)
    with torch.no_grad():
        assert torch.equal(got, teacher.models[0](*args[:3], None, batch.features).float())
        # the features change the scores: the teacher does read them
        assert not torch.allclose(got, teacher.models[0](*args[:3], None, torch.zeros_like(batch.features)).float())
    with pytest.raises(ValueError, match="dictionary features"):
        teacher.scores(*args)


def test_fine_tuning_keeps_the_features_of_the_init_model_and_its_kind_of_labels(tmp_path):
    sents = [Sentence(["北京", "天安门"]), Sentence(["我", "爱", "北京"])] * 10
    corpora = [Corpus("a", sents, sents[:2]), Corpus("b", sents, sents[:2])]
    train(corpora, tmp_path / "wf", dict(TINY_MODEL, word_features=3), TrainConfig(epochs=1), progress=False)
    train(corpora, tmp_path / "tuned", dict(TINY_MODEL), TrainConfig(epochs=1), init=tmp_path / "wf", progress=False)
    assert Segmenter.load(tmp_path / "tuned").config.word_features == 3  # not asked again: kept
    with pytest.raises(ValueError, match="dictionary features"):
        train(corpora, tmp_path / "mixed", dict(TINY_MODEL), TrainConfig(epochs=1, mixed_only=True),
              init=tmp_path / "wf", progress=False)
    with pytest.raises(ValueError, match="--pos"):
        train(corpora, tmp_path / "pos", dict(TINY_MODEL, labels=tuple(f"{t}-{p}" for p in "nv" for t in "BMES")),
              TrainConfig(epochs=1), init=tmp_path / "wf", progress=False)


def test_dictionaries_compare_by_the_standards_a_student_trains():
    full = WordDict(["北京 天安门", "北京", WordDict.UNION], 3)  # with the mixed standard's entry
    seven = WordDict(["北京 天安门", "北京"], 3)
    assert full != seven and full == WordDict(["北京 天安门", "北京", WordDict.UNION], 3)
    assert full.same_words(["a", "b", "mixed"], seven, ["a", "b"], ["a", "b"])
    assert not full.same_words(["a", "b", "mixed"], seven, ["b", "a"], ["a"])  # its standard a reads other words
    assert not full.same_words(["a", "b", "mixed"], WordDict(["北京 天安门", "北京"], 4), ["a", "b"], ["a"])
    assert WordDict(["北京"], 3).same_words([], WordDict(["北京", "天安门"], 3), ["pku", "x"], ["pku"])
