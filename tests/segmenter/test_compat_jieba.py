"""`segmenter.compat.jieba`: jieba's verbs over a Segmenter."""

import io
import types

import pytest

import segmenter.compat.jieba as jieba
from segmenter import Segmenter
from segmenter.errors import CorpusError, InvalidInputError
from segmenter.lexicon import read_user_dict

TEXT = "张小凡去了青云门 hello"


@pytest.fixture
def tok(tiny_pos_model_dir):
    return jieba.Tokenizer(tiny_pos_model_dir)


def test_verbs_have_jiebas_shapes(tok, tiny_pos_model_dir):
    seg = Segmenter.load(tiny_pos_model_dir)
    gen = tok.cut(TEXT)
    assert isinstance(gen, types.GeneratorType)
    words = list(gen)
    assert "".join(words) == TEXT  # whitespace is kept as a token, as jieba does
    assert [w for w in words if w.strip()] == seg.cut(TEXT)
    assert tok.lcut(TEXT) == words
    spans = list(tok.tokenize(TEXT))
    assert [w for w, _, _ in spans] == words and all(TEXT[s:e] == w for w, s, e in spans)
    pairs = jieba._Posseg(tok).lcut("我爱北京")
    assert [p.word for p in pairs] == seg.cut("我爱北京") and all(p.flag for p in pairs)
    with pytest.raises(NotImplementedError, match="full mode"):
        tok.lcut(TEXT, cut_all=True)
    with pytest.raises(NotImplementedError, match="cut_for_search"):
        tok.lcut_for_search(TEXT)
    assert tok.lcut(TEXT.encode("utf-8")) == words


def test_user_dictionary_in_jiebas_format(tok, tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("张小凡 5 nr\n青云门 3\n鬼厉\n", encoding="utf-8")
    tok.load_userdict(str(path))
    pairs = jieba._Posseg(tok).lcut("张小凡去了青云门")
    assert ("张小凡", "nr") in [tuple(p) for p in pairs]
    assert "青云门" in tok.lcut("张小凡去了青云门")
    tok.del_word("青云门")
    assert "青云门" not in tok.segmenter.lexicon
    tok.load_userdict(io.BytesIO("青云门 3\n".encode()))  # an open file, as jieba accepts
    assert "青云门" in tok.lcut("张小凡去了青云门")
    tok.add_word("青云门", freq=0)  # frequency 0 deletes, as in jieba
    assert "青云门" not in tok.segmenter.lexicon


def test_a_number_is_a_frequency_and_ambiguous_lines_are_errors(tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("张小凡 5 nr\n中 将\niPhone 15\n", encoding="utf-8")
    entries = read_user_dict(path)
    assert [(e.parts, e.pos) for e in entries] == [(("张小凡",), "nr"), (("中", "将"), None), (("iPhone",), None)]
    path.write_text("中 将 5\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"user.txt:1: .*ambiguous"):
        read_user_dict(path)


def test_add_word_refuses_whitespace(tok):
    with pytest.raises(InvalidInputError, match="whitespace"):
        tok.add_word("中 将")


def test_module_level_verbs_use_the_default_model():
    assert jieba.lcut("我爱北京天安门") == Segmenter.load().cut("我爱北京天安门")
    assert jieba.posseg.lcut("我爱北京")[0].flag
