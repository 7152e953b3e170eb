"""`segmenter.training.data`: training examples (parts of speech, a teacher's ids, dictionary features
by folds) and the corpora's shares of an epoch."""

import random

import pytest

from segmenter.config import ModelConfig
from segmenter.corpus import Sentence
from segmenter.text import to_units
from segmenter.training.data import (
    WORD_FOLDS,
    Corpus,
    batches,
    epoch_order,
    epoch_quotas,
    make_examples,
    pos_tag_set,
    training_examples,
)
from segmenter.vocab import Vocab, WordDict


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


def test_examples_carry_the_part_of_speech_of_each_word():
    s = Sentence(["我们", "爱", "北京"], ["r", "v", "ns"])
    vocab = Vocab.build([list(s.text)], 1, 1)
    index = {"r": 0, "v": 1, "ns": 2}
    (ex,) = make_examples([s], vocab, 64, index)
    assert ex.tags == [0 * 4 + 0, 0 * 4 + 2, 1 * 4 + 3, 2 * 4 + 0, 2 * 4 + 2]  # B-r E-r S-v B-ns E-ns
    (seg_only,) = make_examples([Sentence(["我们", "爱"])], vocab, 64, index)
    assert seg_only.tags == [0, 2, 3] and not seg_only.joint  # BMES only: trains the segmentation side
    assert ex.joint


def test_pos_tag_set_is_most_frequent_first():
    sents = [Sentence(["a", "b", "c"], ["n", "v", "n"])]
    assert pos_tag_set(sents) == ["n", "v"]
    with pytest.raises(ValueError):
        pos_tag_set([Sentence(["a"])])


def test_quotas_favour_small_corpora_by_alpha():
    sizes = [10_000, 100]
    assert epoch_quotas(sizes, 1.0) == sizes
    q = epoch_quotas(sizes, 0.5)
    assert sum(q) == pytest.approx(sum(sizes), abs=2)
    assert q[1] > 100 * 5  # the small corpus is drawn many times over
    assert q[0] < 10_000


def test_epoch_order_sees_every_example_before_repeating_and_is_deterministic():
    groups = [list(range(0, 10)), list(range(10, 13))]
    quotas = [4, 5]
    e1, e2, e3 = (epoch_order(groups, quotas, 7, e) for e in (1, 2, 3))
    assert e1 == epoch_order(groups, quotas, 7, 1)
    big = [i for e in (e1, e2) for i in e if i < 10]
    assert sorted(big) == sorted(set(big)) and len(big) == 8  # no repeat within the first pass of 10
    small = [i for e in (e1, e2, e3) for i in e if i >= 10]
    assert len(small) == 15 and all(small[3 * k:3 * k + 3] for k in range(5))
    for k in range(5):  # every cycle of 3 covers the whole group once
        assert sorted(small[3 * k:3 * k + 3]) == [10, 11, 12]


def test_examples_carry_a_teachers_ids_when_its_vocabulary_differs():
    """Each piece's ids in the teacher's vocabulary are those the teacher gets for the same text,
    and `batches` pads them like the student's (a teacher reading the student's ids would see
    its rare bigrams as unknown)."""

    from segmenter.corpus import Sentence
    from segmenter.text import to_units
    from segmenter.training.data import make_examples
    from segmenter.vocab import Vocab

    sents = [Sentence(["我们", "爱", "北京"]), Sentence(["北京", "很", "大"]), Sentence(["我们", "走"])]
    student = Vocab.build([to_units(s.text).keys for s in sents], 1, 2)
    teacher = Vocab.build([to_units(s.text).keys for s in sents], 1, 1)
    examples = make_examples(sents, student, 64, teacher_vocab=teacher)
    for sent, ex in zip(sents, examples):
        assert (ex.teacher_chars, ex.teacher_bigrams) == teacher.encode(to_units(sent.text))
        assert (ex.chars, ex.bigrams) == student.encode(to_units(sent.text))
        assert ex.bigrams != ex.teacher_bigrams  # the student's vocabulary lacks the rare bigrams
    (batch,) = batches(examples, 8, random.Random(0))
    assert batch.teacher_chars is not None and batch.teacher_bigrams is not None
    assert batch.teacher_bigrams.shape == batch.bigrams.shape and batch.teacher_chars.shape == batch.chars.shape
    for r, n in enumerate(batch.lengths.tolist()):
        row = next(ex for ex in examples if ex.chars == batch.chars[r, :n].tolist())
        assert batch.teacher_bigrams[r, :n + 1].tolist() == row.teacher_bigrams
        assert batch.teacher_bigrams[r, n + 1:].eq(0).all()
    (plain,) = batches(make_examples(sents, student, 64), 8, random.Random(0))
    assert plain.teacher_chars is None and plain.teacher_bigrams is None
