"""The spaCy door: found through the `spacy_tokenizers` entry point, our words and tags, the text
kept exactly, and a saved pipeline that loads back with its settings and user words."""

import pickle

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from segmenter import InvalidInputError, Segmenter
from segmenter.spacy_tokenizer import NAME, PKU_TO_UPOS, ChineseTokenizer, upos

TEXTS = ["我爱北京天安门。", "  他在2026年用iPhone  访问了\twww.example.com。\n\n", "", " ", "今天 天气很好 ",
         "第一行\r\n第二行", "中文 English mixed\u3000全角空格"]


def blank(**settings):
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": NAME, **settings}}})


@pytest.fixture(scope="module")
def nlp():
    return blank(pos=True)


@pytest.fixture(scope="module")
def seg():
    return Segmenter.load()


def test_the_registered_name_builds_our_tokenizer(nlp):
    assert isinstance(nlp.tokenizer, ChineseTokenizer)
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == NAME


@pytest.mark.parametrize("text", TEXTS)
def test_words_tags_and_the_exact_text(nlp, seg, text):
    doc = nlp(text)
    assert doc.text == text
    words = [t for t in doc if not t.is_space]
    expected = seg.tokenize(text, pos=True)
    assert [(t.text, t.idx, t.idx + len(t.text)) for t in words] == [(e.text, e.start, e.end) for e in expected]
    assert [t.tag_ for t in words] == [e.pos for e in expected]
    assert [t.pos_ for t in words] == [upos(e.pos) for e in expected]
    for t in doc:
        if t.is_space:
            assert t.text.isspace() and t.tag_ == "_SP" and t.pos_ == "SPACE"
        # spaCy's rule: one space after a token is its whitespace_, never part of a token
        assert t.whitespace_ in ("", " ")
        assert t.is_space or not any(c.isspace() for c in t.text)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("我爱北京天安门。ab1 \n\t\u3000"), max_size=30))
def test_the_doc_text_is_the_input(nlp, text):
    doc = nlp(text)
    assert doc.text == text
    assert "".join(t.text for t in doc if not t.is_space) == "".join(text.split())


def test_without_pos_the_tags_are_empty_and_the_standard_is_used(seg):
    nlp = blank(standard="ctb6")
    text = "国家主席江泽民发表新年讲话"
    doc = nlp(text)
    assert [t.text for t in doc] == seg.cut(text, standard="ctb6")
    assert all(t.tag_ == "" and t.pos_ == "" for t in doc)


def test_every_tag_of_the_shipped_model_has_a_universal_pos(seg):
    assert set(seg.pos_tags) <= set(PKU_TO_UPOS)
    # a user dictionary's own tag (jieba's nrfg, uj): by its longest known prefix
    assert upos("nrfg") == "PROPN" and upos("uj") == "PART" and upos("#") == "X"


def test_pipe_equals_one_call_each(nlp):
    docs = list(nlp.tokenizer.pipe(TEXTS * 3, batch_size=4))
    assert [[(t.text, t.tag_) for t in d] for d in docs] == [[(t.text, t.tag_) for t in nlp(x)] for x in TEXTS * 3]


def test_a_saved_pipeline_loads_back_with_its_settings_and_user_words(tmp_path):
    nlp = blank(pos=True, standard="ctb6", user_words=["北京天安门"])
    nlp.tokenizer.seg.add_word("天气很好", "l")  # added at run time: saved with the tokenizer
    nlp.tokenizer.seg.add_word("新年 讲话")  # a forced split
    text = "我爱北京天安门。今天天气很好，发表新年讲话"
    before = [(t.text, t.tag_, t.pos_, t.whitespace_) for t in nlp(text)]
    assert "北京天安门" in [t[0] for t in before]  # the configured user word
    assert ("天气很好", "l", "X", "") in before
    assert [t[0] for t in before][-2:] == ["新年", "讲话"]
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert isinstance(loaded.tokenizer, ChineseTokenizer)
    assert loaded.tokenizer.seg.standard == "ctb6" and loaded.tokenizer.pos
    assert [(t.text, t.tag_, t.pos_, t.whitespace_) for t in loaded(text)] == before
    assert loaded.from_bytes(nlp.to_bytes())(text).text == text


def test_the_tokenizer_pickles_with_its_user_words():
    nlp = blank(pos=True, standard="ctb6")
    nlp.tokenizer.seg.add_word("天气很好", "l")
    copy = pickle.loads(pickle.dumps(nlp.tokenizer))
    assert copy.seg is not nlp.tokenizer.seg and copy.seg.standard == "ctb6"
    text = "今天天气很好"
    assert [(t.text, t.tag_) for t in copy(text)] == [(t.text, t.tag_) for t in nlp(text)]
    assert ("天气很好", "l") in [(t.text, t.tag_) for t in copy(text)]


def test_parts_of_speech_from_a_model_without_a_tagger_are_refused():
    with pytest.raises(InvalidInputError, match="no part-of-speech tagger"):
        blank(model="pku-fast", pos=True)
