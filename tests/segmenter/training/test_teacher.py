"""`segmenter.training.teacher`: distillation from a teacher (one model or an ensemble, with its own
vocabulary or dictionary features), and the starting model that keeps the standards a fine-tuning
run does not train."""

import random

import numpy as np
import pytest
import torch

from segmenter import Segmenter
from segmenter.config import TrainConfig
from segmenter.corpus import Sentence, read_corpus, split_dev
from segmenter.text import to_units
from segmenter.training.data import Corpus, batches, training_examples
from segmenter.training.loop import train
from segmenter.training.teacher import load_teacher
from segmenter.vocab import Vocab
from tests.conftest import TINY_MODEL


def test_distillation_run_pulls_the_student_towards_the_teacher(tiny_multi_models_dir, tmp_path, data_dir,
                                                                monkeypatch):
    """A student trained on the teacher's distributions alone (alpha 1) agrees with the teacher
    more than one trained on the gold labels alone, on the teacher's own standards; with its own
    (smaller) vocabulary the student still distils from the teacher reading the teacher's ids."""
    from segmenter.config import TrainConfig
    from segmenter.corpus import Sentence, read_corpus, split_dev
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train
    from segmenter.training.teacher import Teacher

    seen = []  # the bigram ids the teacher reads
    scores = Teacher.scores
    monkeypatch.setattr(Teacher, "scores", lambda self, c, b, *a: seen.append(b) or scores(self, c, b, *a))
    sents = read_corpus(data_dir / "pku" / "pfr199801_pos.utf8")[:500]
    pku_train, pku_dev = split_dev(sents[:250])
    chars_train, chars_dev = split_dev([Sentence(list(s.text)) for s in sents[250:]])
    corpora = [Corpus("pku", pku_train, pku_dev), Corpus("chars", chars_train, chars_dev)]
    teacher_dir = tiny_multi_models_dir / "multi"
    options = dict(TINY_MODEL, standard_dim=4, factored=True)
    runs = {}
    for name, alpha, own in ((0.0, 0.0, False), (1.0, 1.0, False), ("own", 1.0, True)):
        out = tmp_path / f"a{name}"
        seen.clear()
        # "own": the student builds its own, smaller vocabulary and the teacher reads its own ids
        train(corpora, out, options, TrainConfig(epochs=5, lr=1e-2, seed=3, min_char_count=1, distill_alpha=alpha,
                                                 distill_temperature=2.0, own_vocab=own, min_bigram_count=3),
              teacher=teacher_dir, progress=False)
        runs[name] = Segmenter.load(out)
        assert bool(seen) == (alpha > 0)
    teacher = Segmenter.load(teacher_dir)
    n_own = len(runs["own"].vocab.bigrams)
    # with its own vocabulary the student reads fewer bigrams, but the teacher still reads all of its own
    assert n_own < len(teacher.vocab.bigrams)
    assert max(int(b.max()) for b in seen) >= n_own
    texts = [s.text for s in pku_dev]
    def labels(seg):
        return [c.label for row in seg.tag_batch(texts) for c in row]

    want = labels(teacher)
    agree = {a: sum(x == y for x, y in zip(labels(s), want)) / len(want) for a, s in runs.items()}
    assert runs[1.0].vocab.chars == teacher.vocab.chars  # the student reads the teacher's vocabulary
    assert agree[1.0] > agree[0.0], agree


def test_a_one_standard_student_learns_from_that_standard_of_a_multi_standard_teacher(tiny_multi_models_dir,
                                                                                      tmp_path, data_dir):
    from segmenter.config import TrainConfig
    from segmenter.corpus import Sentence, read_corpus, split_dev
    from segmenter.training.data import Corpus
    from segmenter.training.loop import train

    sents = [Sentence(list(s.text)) for s in read_corpus(data_dir / "pku" / "pfr199801_seg.utf8")[250:400]]
    tr, dev = split_dev(sents)
    train([Corpus("chars", tr, dev)], tmp_path / "s", dict(TINY_MODEL), TrainConfig(epochs=1, min_char_count=1,
          distill_alpha=0.5), teacher=tiny_multi_models_dir / "multi", progress=False)
    student = Segmenter.load(tmp_path / "s")
    assert student.standards == () and student.pos_tags is not None  # the teacher's labels
    with pytest.raises(ValueError, match="must know each of them"):
        train([Corpus("msr", tr, dev)], tmp_path / "t", dict(TINY_MODEL), TrainConfig(epochs=1, distill_alpha=0.5),
              teacher=tiny_multi_models_dir / "multi", progress=False)


def test_an_ensemble_teacher_gives_its_members_mean_distribution(tiny_multi_models_dir, tiny_pos_model_dir,
                                                                 tmp_path):
    from segmenter import artifact
    from segmenter.training.teacher import load_teacher

    a = tiny_multi_models_dir / "multi"
    art = artifact.load(a)
    torch.manual_seed(0)
    other = {k: torch.from_numpy(v) + 0.05 * torch.randn(v.shape) for k, v in art.state.items()}
    b = tmp_path / "b"  # the same network with other weights
    artifact.save(b, art.config, art.vocab, other, artifact.read_meta(a))
    single_a, single_b = load_teacher(a, ["chars", "pku"]), load_teacher(str(b), ["chars", "pku"])
    both = load_teacher([a, b], ["chars", "pku"])
    chars, bigrams = torch.randint(2, 50, (2, 7)), torch.randint(2, 50, (2, 8))
    lengths = torch.tensor([7, 4])
    std = torch.tensor([0, 1])  # the student's standards, mapped to each member's own
    pa = single_a.scores(chars, bigrams, lengths, std).softmax(-1)
    pb = single_b.scores(chars, bigrams, lengths, std).softmax(-1)
    assert not torch.allclose(pa, pb, atol=1e-3)
    assert torch.allclose(both.scores(chars, bigrams, lengths, std).exp(), (pa + pb) / 2, atol=1e-6)
    # a member that lists the standards in another order is asked for the same standard by name
    import dataclasses
    flipped = dict(art.state, **{"std_emb.weight": art.state["std_emb.weight"][::-1].copy()})
    c = tmp_path / "c"
    artifact.save(c, dataclasses.replace(art.config, standards=art.config.standards[::-1]), art.vocab,
                  {k: torch.from_numpy(v) for k, v in flipped.items()}, artifact.read_meta(a))
    with_c = load_teacher([a, c], ["chars", "pku"]).scores(chars, bigrams, lengths, std).exp()
    assert torch.allclose(with_c, pa, atol=1e-5)
    with pytest.raises(ValueError, match="share their labels"):
        load_teacher([a, tiny_pos_model_dir], ["pku"])


def test_an_ensemble_member_with_a_smaller_vocabulary_reads_the_ids_translated_into_its_own(
        tiny_multi_models_dir, tmp_path):
    """Members whose vocabularies differ (a wider network keeping only frequent bigrams) teach
    together: each reads the first member's ids as its own encoder would give them."""
    import dataclasses

    from segmenter import artifact
    from segmenter.training.teacher import load_teacher

    a = tiny_multi_models_dir / "multi"
    art = artifact.load(a)
    keep = [0, 1, *range(3, len(art.vocab.bigrams), 2)]  # every other bigram dropped
    small = Vocab(list(art.vocab.chars), [art.vocab.bigrams[i] for i in keep])
    assert art.vocab.covers(small) and not small.covers(art.vocab)
    d = tmp_path / "d"  # the same weights over the smaller vocabulary
    state = dict(art.state, **{"bigram_emb.weight": art.state["bigram_emb.weight"][keep]})
    artifact.save(d, dataclasses.replace(art.config, n_bigrams=len(keep)), small,
                  {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, artifact.read_meta(a))
    text = "我们在北京看到了很多新的变化"
    big_chars, big_bigrams = art.vocab.encode(to_units(text))
    small_bigrams = small.encode(to_units(text))[1]
    assert small_bigrams != big_bigrams and 1 in small_bigrams  # some bigrams unknown to the smaller one
    chars = torch.tensor([big_chars])
    std, lengths = torch.tensor([1]), torch.tensor([len(big_chars)])
    alone = load_teacher(a, ["chars", "pku"])
    pa = alone.scores(chars, torch.tensor([big_bigrams]), lengths, std).softmax(-1)
    # what the big network gives when the bigrams the smaller vocabulary lacks are unknown
    unknown = [1 if s == 1 else b for b, s in zip(big_bigrams, small_bigrams)]
    pd = alone.scores(chars, torch.tensor([unknown]), lengths, std).softmax(-1)
    assert not torch.allclose(pa, pd, atol=1e-4)
    both = load_teacher([a, d], ["chars", "pku"])
    assert both.vocab == art.vocab
    assert torch.allclose(both.scores(chars, torch.tensor([big_bigrams]), lengths, std).exp(), (pa + pd) / 2,
                          atol=1e-5)
    with pytest.raises(ValueError, match="largest vocabulary first"):
        load_teacher([d, a], ["chars", "pku"])


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


def test_the_standards_not_trained_are_kept_by_the_starting_model(tiny_multi_models_dir, data_dir, tmp_path):
    """Fine-tuned hard on a convention opposite to `pku`'s (every character a word), the model's
    `pku` standard moves much less when the starting model teaches it on the same text."""
    sents = read_corpus(data_dir / "pku" / "pfr199801_seg.utf8")[1000:1200]
    chars = [Sentence(list(s.text)) for s in sents]
    train_set, dev_set = split_dev(chars)
    texts = [s.text for s in read_corpus(data_dir / "pku" / "pfr199801_seg.utf8")[1200:1300]]
    start = Segmenter.load(tiny_multi_models_dir / "multi", standard="pku").cut_batch(texts)
    agree = {}
    for keep in (0.0, 1.0):
        out = tmp_path / f"keep{keep}"
        train([Corpus("mine", train_set, dev_set)], out, {}, TrainConfig(epochs=3, lr=2e-2, keep_alpha=keep, seed=2),
              progress=False, init=tiny_multi_models_dir / "multi")
        after = Segmenter.load(out, standard="pku").cut_batch(texts)
        agree[keep] = sum(a == b for a, b in zip(start, after)) / len(texts)
    assert agree[1.0] > agree[0.0] + 0.1
