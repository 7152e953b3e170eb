"""The pure pipeline (`segmenter.pipeline`) and the one tags→words rule (`tags.word_bounds`),
driven with hand-made scorers: no trained model, so every expected output follows from the scores."""

import itertools
import random

import numpy as np
import pytest

from segmenter.config import ModelConfig
from segmenter.heads import head_of
from segmenter.lexicon import Lexicon
from segmenter.pipeline import Analysis, analyse, concat_tokens, word_spans
from segmenter.tags import B, E, S, repair, tags_to_spans, word_bounds
from segmenter.text import to_units
from segmenter.vocab import Vocab

VOCAB = Vocab.build([list("我爱北京天安门中将有人去")], min_char=1, min_bigram=1)
HEAD = head_of(ModelConfig(n_units=len(VOCAB.chars), n_bigrams=len(VOCAB.bigrams)))  # BMES softmax


def bmes_reading(tags):
    """Spans of a legal sequence read the textbook way: a word opens at B/S and closes at E/S."""
    spans, start = [], 0
    for i, t in enumerate(tags):
        if t in (B, S):
            start = i
        if t in (E, S):
            spans.append((start, i + 1))
    return spans


def test_tags_to_spans_reads_every_short_sequence_as_its_repair():
    for n in range(0, 7):
        for seq in itertools.product(range(4), repeat=n):
            assert tags_to_spans(list(seq)) == bmes_reading(repair(list(seq))), seq


def test_word_bounds_of_many_sequences_equal_each_sequence_alone():
    rng = random.Random(0)
    seqs = [[rng.randrange(4) for _ in range(rng.randrange(0, 9))] for _ in range(200)]
    firsts, lasts, bounds = word_bounds(np.array(sum(seqs, []), dtype=np.int64), np.array([len(s) for s in seqs]))
    at, b0 = 0, 0
    for seq, b1 in zip(seqs, bounds.tolist()):
        spans = [(f - at, la - at + 1) for f, la in zip(firsts[b0:b1].tolist(), lasts[b0:b1].tolist())]
        assert spans == tags_to_spans(seq)
        at += len(seq)
        b0 = b1
    assert b0 == len(firsts) == len(lasts)


class PatternScorer:
    """Scores that make Viterbi choose `tag_of(unit id)` at every position (legal or not, the
    decoder picks the best legal sequence); records what it was called with."""

    def __init__(self, tag_of, outputs=4):
        self.tag_of, self.outputs, self.calls = tag_of, outputs, []

    def __call__(self, chars, bigrams, lengths, standards, features):
        self.calls.append((chars.shape, lengths.tolist(), None if standards is None else standards.tolist()))
        scores = np.zeros((*chars.shape, self.outputs), dtype=np.float32)
        for (r, t), c in np.ndenumerate(chars):
            scores[r, t, self.tag_of(int(c)) % self.outputs] = 5.0
        return scores


def run(texts, scorer, **kw):
    args = dict(vocab=VOCAB, scorer=scorer, pos_tags=None, head=HEAD, max_piece=200, batch_size=128,
                lexicon=Lexicon())
    args.update(kw)
    return analyse(texts, **args)


def test_every_unit_a_word_keeps_every_character_and_offset():
    texts = ["我爱北京", "", "天安门 2024年 abc", "  我  "]
    out = run(texts, PatternScorer(lambda c: S))
    assert [a.words() for a in out] == [["我", "爱", "北", "京"], [], ["天", "安", "门", "2024", "年", "abc"], ["我"]]
    for text, a in zip(texts, out):
        for t in a.tokens():
            assert text[t.start:t.end] == t.text
        assert "".join(a.words()) == "".join(text.split())


def test_whitespace_is_a_boundary_the_scores_cannot_cross():
    [a] = run(["北 京"], PatternScorer(lambda c: B if c == VOCAB.chars.index("北") else E))
    assert a.words() == ["北", "京"]


def test_a_dictionary_entry_overrides_the_scores():
    lex = Lexicon(["北京", "天 安门"])
    [a] = run(["我爱北京天安门"], PatternScorer(lambda c: S), lexicon=lex)
    assert a.words() == ["我", "爱", "北京", "天", "安门"]


def test_batching_and_order_of_batches_do_not_change_the_result():
    texts = ["我爱北京天安门。" * k for k in range(1, 30)] + ["中将有人去"] * 5  # pieces of 1 to 29 sentences
    scorer = PatternScorer(lambda c: (B, E, S)[c % 3])
    whole = [a.words() for a in run(texts, scorer)]

    def backwards(job, starts):
        for b in reversed(list(starts)):
            job(b)

    small = [a.words() for a in run(texts, scorer, batch_size=3, map_batches=backwards)]
    assert small == whole
    assert all("".join(w) == t for w, t in zip(whole, texts))
    bounded = PatternScorer(scorer.tag_of)
    assert [a.words() for a in run(texts, bounded, max_batch_units=40)] == whole
    # a batch holds at most 40 units of padded input past its first piece, at least one piece
    assert all(shape[0] == 1 or shape[0] * shape[1] <= 40 for shape, _, _ in bounded.calls)
    assert any(shape[0] > 1 for shape, _, _ in bounded.calls)


def test_batches_cover_every_piece_once_in_order_within_both_limits():
    from segmenter.pipeline import Plan

    rng = np.random.default_rng(5)
    for _ in range(50):
        size = np.sort(rng.integers(1, 200, size=rng.integers(1, 300)))[::-1]
        plan = Plan(np.zeros((len(size), 3), dtype=np.int64), np.zeros(len(size), dtype=np.int64), size)
        batch_size, max_units = int(rng.integers(1, 130)), int(rng.integers(1, 5000))
        ends = plan.batches(batch_size, max_units)
        starts = list(ends)
        assert starts[0] == 0 and [ends[b] for b in starts[:-1]] == starts[1:] and ends[starts[-1]] == len(size)
        for b, e in ends.items():
            assert 0 < e - b <= batch_size and (e - b == 1 or (e - b) * size[b] <= max_units)


def test_the_unit_budget_shrinks_with_the_network():
    from segmenter.pipeline import MAX_BATCH_UNITS, batch_units

    assert batch_units(64, 1) == MAX_BATCH_UNITS  # the default model: 128 pieces of the longest
    assert batch_units(200, 2) == 4096 < batch_units(200, 1) < batch_units(64, 1)
    assert batch_units(10**6, 10) == 256


def test_the_standard_index_reaches_the_scorer():
    scorer = PatternScorer(lambda c: S)
    run(["我爱北京"], scorer, standard=2)
    assert scorer.calls[0][2] == [2]


def test_probabilities_and_char_tags_spread_a_multi_character_unit():
    [a] = run(["我abc"], PatternScorer(lambda c: S), probs=True)
    rows = a.char_tags()
    assert [(r.char, r.label) for r in rows] == [("我", "S"), ("a", "B"), ("b", "M"), ("c", "E")]
    assert all(0.9 < r.prob <= 1.0 for r in rows)  # 5.0 over three zeros: softmax 0.98


def test_joint_labels_give_parts_of_speech_and_user_ones_win():
    pos_tags = ("n", "v")
    # label 4 * pos + bmes: every unit S; 爱 a verb, the rest nouns
    scorer = PatternScorer(lambda c: 4 + S if c == VOCAB.chars.index("爱") else S, outputs=8)
    [a] = run(["我爱北京"], scorer, pos_tags=pos_tags, lexicon=Lexicon(), probs=False)
    assert a.word_pos() == ["n", "v", "n", "n"]
    lex = Lexicon()
    lex.add("北京", "ns")
    [b] = run(["我爱北京"], scorer, pos_tags=pos_tags, lexicon=lex)
    assert [(t.text, t.pos) for t in b.tokens(pos=True)] == [("我", "n"), ("爱", "v"), ("北京", "ns")]


def test_word_spans_map_units_to_characters_across_texts():
    texts = ["ab 12我", "我们"]
    units = [to_units(t) for t in texts]
    enc = VOCAB.encode_many(units)
    tags = np.full(len(enc.chars), S, dtype=np.int16)
    spans = word_spans(units, enc, tags)
    assert spans[0] == ([0, 3, 5], [2, 5, 6], [0, 1, 2])
    assert spans[1] == ([0, 1], [1, 2], [0, 1])


def test_windows_join_with_their_offsets():
    parts = [(0, run(["我爱"], PatternScorer(lambda c: S))[0]), (2, run(["北京"], PatternScorer(lambda c: S))[0])]
    assert [(t.text, t.start, t.end) for t in concat_tokens(parts, pos=False)] == [
        ("我", 0, 1), ("爱", 1, 2), ("北", 2, 3), ("京", 3, 4)]


def test_overlay_matches_a_merged_dictionary_and_leaves_the_base_alone():
    rng = random.Random(1)
    alphabet = "我爱北京天安门中将有人去"
    for _ in range(50):
        base_words = {"".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(8)}
        extra = ["".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(4)]
        base = Lexicon(base_words)
        merged = Lexicon([*base_words, *extra])
        text = "".join(rng.choices(alphabet, k=30))
        assert base.overlay(extra).matches(text) == merged.matches(text)
        assert len(base) == len(base_words)
    over = Lexicon(["中将"]).overlay(["中 将"])  # the call's entry wins on equal text
    assert [e.parts for _, e in over.matches("中将")] == [("中", "将")]


@pytest.mark.parametrize("bad", [[1], [None]])
def test_analysis_is_only_made_of_strings(bad, pku_model):
    from segmenter.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        pku_model.analyse(bad)


def test_segmenter_verbs_render_one_analysis(pku_model):
    text = "我爱北京天安门，2024年。"
    [a] = pku_model.analyse([text], probs=True)
    assert isinstance(a, Analysis)
    assert pku_model.cut(text) == a.words()
    assert pku_model.tokenize(text, pos=True) == a.tokens(pos=True)
    assert pku_model.tag(text) == a.char_tags()


def test_token_json_is_what_tokens_give(pku_model):
    for text in ["我爱北京天安门，2024年。", "他用iPhone访问www.example.com", ""]:
        [a] = pku_model.analyse([text])
        assert a.token_json() == [t.to_json() for t in a.tokens()]
        assert a.token_json(pos=True) == [t.to_json() for t in a.tokens(pos=True)]
