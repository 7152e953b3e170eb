"""The Hugging Face doors: the pre-tokenizer's words and offsets (into the original string, also
through a normaliser), and the `datasets.map(batched=True)` function."""

import pickle

import pytest
from datasets import Dataset
from tokenizers import Tokenizer, normalizers
from tokenizers.models import WordLevel

from segmenter import Segmenter
from segmenter.huggingface import SegmentBatch, pre_tokenizer

TEXTS = ["我爱北京天安门。", "  他在2026年用iPhone  访问了\twww.example.com。\n", "😀表情符号和中文混排😀好", "",
         "　全角空格　"]


@pytest.fixture(scope="module")
def seg():
    return Segmenter.load()


@pytest.mark.parametrize("text", TEXTS)
def test_pre_tokenizer_words_and_offsets(seg, text):
    pieces = pre_tokenizer(seg).pre_tokenize_str(text)
    assert [(w, s, e) for w, (s, e) in pieces] == [(t.text, t.start, t.end) for t in seg.tokenize(text)]
    assert all(text[s:e] == w for w, (s, e) in pieces)


def test_offsets_point_into_the_original_text_through_a_normaliser(seg):
    words = sorted({w for t in TEXTS for w in seg.cut(t.lower())})
    tok = Tokenizer(WordLevel({w: i for i, w in enumerate(["[UNK]", *words])}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizer(seg)
    for encoding, text in zip(tok.encode_batch(TEXTS), TEXTS):
        assert encoding.tokens == seg.cut(text.lower())  # the model ids of the normalised words
        assert [text[s:e].lower() for s, e in encoding.offsets] == encoding.tokens
        assert "[UNK]" not in encoding.tokens


def test_pre_tokenizer_standard_and_user_words(seg):
    text = "国家主席江泽民发表新年讲话"
    ctb6 = [w for w, _ in pre_tokenizer(seg, standard="ctb6").pre_tokenize_str(text)]
    assert ctb6 == seg.cut(text, standard="ctb6")
    assert "新年讲话" in [w for w, _ in pre_tokenizer(seg, user_words=["新年讲话"]).pre_tokenize_str(text)]


def test_datasets_map_batched(seg):
    rows = ["我爱北京天安门。", None, "今天 天气很好"]
    ds = Dataset.from_dict({"text": rows, "id": [1, 2, 3]})
    out = ds.map(SegmentBatch(seg, pos=True), batched=True, batch_size=2)
    assert out["id"] == [1, 2, 3] and out["text"] == rows
    assert out["words"] == [seg.cut(rows[0]), None, seg.cut(rows[2])]
    assert out["offsets"][2] == [[t.start, t.end] for t in seg.tokenize(rows[2])]
    assert out["pos"][0] == [t.pos for t in seg.tokenize(rows[0], pos=True)]


def test_segment_batch_pickles_as_its_settings(seg):
    fn = SegmentBatch("multi-fast", column="body", standard="ctb6", user_words=["新年讲话"])
    text = "国家主席江泽民发表新年讲话"
    words = fn({"body": [text]})["words"]
    data = pickle.dumps(fn)
    assert len(data) < 2000  # settings, not the network
    copy = pickle.loads(data)
    assert copy.seg is not fn.seg
    assert copy({"body": [text]})["words"] == words == [seg.cut(text, standard="ctb6", user_words=["新年讲话"])]


def test_datasets_fingerprint_is_stable_between_instances():
    from datasets.fingerprint import Hasher

    # the same settings hash the same: `map` finds its cache again in the next run
    assert Hasher.hash(SegmentBatch("multi-fast")) == Hasher.hash(SegmentBatch("multi-fast"))
    assert Hasher.hash(SegmentBatch("multi-fast")) != Hasher.hash(SegmentBatch("multi-fast", standard="ctb6"))
