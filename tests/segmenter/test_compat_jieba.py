"""`segmenter.compat.jieba`: jieba 0.42.1's interface over a Segmenter (jieba itself is the reference)."""

import io
import types

import pytest

import segmenter.compat.jieba as jieba
import segmenter.compat.jieba.analyse as analyse
import segmenter.compat.jieba.posseg as pseg
from segmenter import Segmenter
from segmenter.errors import CorpusError, InvalidInputError
from segmenter.lexicon import read_user_dict

TEXT = "张小凡去了青云门 hello"
SENTENCES = ["小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
             "我来到北京清华大学", "永和服装饰品有限公司的工作人员在2026年用iPhone访问了中华人民共和国国务院网站。",
             "他来到了网易杭研大厦\n新华社北京十二月三十一日电 国家主席发表新年讲话"]
# jieba 0.42.1's test/userdict.txt, byte for byte (it starts with a BOM)
JIEBA_USERDICT = ("\ufeff云计算 5\n李小福 2 nr\n创新办 3 i\neasy_install 3 eng\n好用 300\n韩玉赏鉴 3 nz\n"
                  "八一双鹿 3 nz\n台中\n凱特琳 nz\nEdu Trust认证 2000\n").encode()
# jieba's helpers for Python 2 and its package files (_compat): not provided (README)
NOT_PROVIDED = {"get_module_res", "iteritems", "iterkeys", "itervalues", "resolve_filename", "strdecode"}


@pytest.fixture
def tok(tiny_pos_model_dir):
    return jieba.Tokenizer(model=tiny_pos_model_dir)


@pytest.fixture
def default():
    """A fresh tokenizer on the default model (its user dictionary is its own)."""
    return jieba.Tokenizer()


def test_every_public_function_of_jieba_exists():
    import jieba as real
    import jieba.analyse
    import jieba.posseg

    for ours, theirs in [(jieba, real), (pseg, real.posseg), (analyse, real.analyse)]:
        names = {n for n in dir(theirs) if not n.startswith("_") and callable(getattr(theirs, n))
                 and (getattr(getattr(theirs, n), "__module__", None) or "").startswith("jieba")}
        missing = sorted(n for n in names - NOT_PROVIDED if not callable(getattr(ours, n, None)))
        assert not missing, (theirs.__name__, missing)
    assert callable(jieba.setLogLevel)
    assert isinstance(jieba.dt, jieba.Tokenizer) and isinstance(pseg.dt, pseg.POSTokenizer)


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
    pairs = pseg.POSTokenizer(tok).lcut("我爱北京")
    assert [p.word for p in pairs] == seg.cut("我爱北京") and all(p.flag for p in pairs)
    assert tok.lcut(TEXT.encode("utf-8")) == words
    with pytest.raises(InvalidInputError):
        list(tok.tokenize(TEXT.encode()))


def _search_invariants(tok, text):
    cut = list(tok.tokenize(text))
    search = list(tok.tokenize(text, mode="search"))
    assert [w for w, _, _ in search] == tok.lcut_for_search(text)
    assert all(text[s:e] == w for w, s, e in search)  # substrings at their offsets: nothing changed
    assert set(cut) <= set(search)  # every word of cut
    extra = [t for t in search if t not in cut]
    for w, s, e in extra:  # the others: dictionary words nested in a longer word of cut
        assert any(cs <= s and e <= ce and ce - cs > e - s for _, cs, ce in cut), w
        assert tok.FREQ.get(w), w
    # each word of cut comes after the words nested in it
    at = {t: i for i, t in enumerate(search)}
    assert all(at[x] < at[c] for c in cut for x in extra if c[1] <= x[1] and x[2] <= c[2])
    return cut, extra


def test_search_mode_gives_every_word_of_cut_and_the_dictionary_words_inside(default):
    found = []
    for text in SENTENCES:
        _, extra = _search_invariants(default, text)
        found += [w for w, _, _ in extra]
    assert {"科学", "学院", "有限", "公司", "人民", "共和国"} <= set(found), found


def test_full_mode_gives_every_dictionary_word(default):
    for text in SENTENCES:
        full = default.lcut(text, cut_all=True)
        at, starts = 0, []
        for w in full:  # substrings, in order of their starts
            at = text.index(w, at)
            starts.append(at)
        assert len(set(zip(full, starts))) == len(full)  # no word twice
        covered = {i for w, s in zip(full, starts) for i in range(s, s + len(w))}
        assert covered == set(range(len(text)))  # every character is in some word
        cut_words = [w for w in default.lcut(text) if len(w) > 1]
        assert all(w in full for w in cut_words)
        assert all(default.FREQ.get(w) or w in cut_words for w in full if len(w) > 1 and not w.isspace())
    full = default.lcut("我来到北京清华大学", cut_all=True)
    assert {"北京", "清华", "大学", "清华大学"} <= set(full)  # jieba's README example: nested words included
    assert full.count("大学") == 1
    dag = default.get_DAG("我来到北京清华大学")
    assert set(dag) == set(range(9)) and 8 in dag[5] and 6 in dag[5]  # 清华大学 and 清华 start at 5
    route: dict = {}
    default.calc("我来到北京清华大学", dag, route)
    x, words = 0, []
    while x < 9:  # following the route gives cut's words, as in jieba
        words.append("我来到北京清华大学"[x:route[x][1] + 1])
        x = route[x][1] + 1
    assert words == default.lcut("我来到北京清华大学")


def test_jiebas_sample_user_dictionary_loads_by_its_rule(default, tmp_path):
    path = tmp_path / "userdict.txt"
    path.write_bytes(JIEBA_USERDICT)
    added = default.load_userdict(str(path))
    assert added[0] == "云计算"  # the BOM is gone
    assert default.FREQ["Edu Trust认证"] == 2000 and default.FREQ["好用"] == 300 and default.FREQ["台中"] == 1
    assert "Edu Trust认证" not in default.segmenter.lexicon  # a word with a space never matches, as in jieba
    assert default.user_word_tag_tab["李小福"] == "nr" and default.user_word_tag_tab["凱特琳"] == "nz"
    text = ("李小福是创新办主任也是云计算方面的专家; 什么是八一双鹿。"
            "「台中」正確應該不會被切開。此時又可以分出來凱特琳了。")
    words = default.lcut(text)
    assert {"李小福", "创新办", "云计算", "八一双鹿", "台中", "凱特琳"} <= set(words)
    flags = dict(tuple(p) for p in pseg.POSTokenizer(default).lcut(text))
    assert flags["李小福"] == "nr" and flags["凱特琳"] == "nz"
    for f in (io.BytesIO(JIEBA_USERDICT), io.StringIO(JIEBA_USERDICT.decode())):  # file objects too
        fresh = jieba.Tokenizer()
        assert fresh.load_userdict(f)[0] == "云计算"


def test_user_dictionary_edits(tok, tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("张小凡 5 nr\n青云门 3\n鬼厉\n", encoding="utf-8")
    tok.load_userdict(str(path))
    pairs = pseg.POSTokenizer(tok).lcut("张小凡去了青云门")
    assert ("张小凡", "nr") in [tuple(p) for p in pairs]
    assert "青云门" in tok.lcut("张小凡去了青云门")
    tok.del_word("青云门")
    assert "青云门" not in tok.segmenter.lexicon and tok.FREQ["青云门"] == 0
    tok.load_userdict(io.BytesIO("青云门 3\n".encode()))  # an open file, as jieba accepts
    assert "青云门" in tok.lcut("张小凡去了青云门")
    tok.add_word("青云门", freq=0)  # frequency 0 deletes, as in jieba
    assert "青云门" not in tok.segmenter.lexicon
    tok.add_word("中 将")  # accepted, as jieba does, and never matches
    assert "中将" not in tok.segmenter.lexicon and tok.FREQ["中 将"] == 1
    path.write_bytes(b"\xff\xfe bad\n")
    with pytest.raises(InvalidInputError, match="utf-8"):
        tok.load_userdict(str(path))


def test_the_librarys_own_dictionary_format_is_unchanged(tmp_path):
    path = tmp_path / "user.txt"
    path.write_text("张小凡 5 nr\n中 将\niPhone 15\n", encoding="utf-8")
    entries = read_user_dict(path)
    assert [(e.parts, e.pos) for e in entries] == [(("张小凡",), "nr"), (("中", "将"), None), (("iPhone",), None)]
    path.write_text("中 将 5\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"user.txt:1: .*ambiguous"):
        read_user_dict(path)


def test_suggest_freq_joins_and_splits_as_jiebas(default):
    text = "如果放到post中将出错。"
    assert default.suggest_freq(("中", "将"), True) == 0
    assert ["中", "将"] == [w for w in default.lcut(text) if w in ("中", "将", "中将")]
    assert "中将" not in default.lcut("他是一名中将")  # a forced split applies everywhere, as jieba's
    text = "今天天气不错"
    before = default.lcut(text)
    assert "今天天气" not in before
    assert default.suggest_freq("今天天气", True) >= 1
    assert "今天天气" in default.lcut(text)
    assert default.suggest_freq("今天天气") == default.FREQ["今天天气"]


def test_set_dictionary_and_the_dictionary_argument(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("青云门 3\n", encoding="utf-8")
    second.write_text("张小凡 3 nr\n", encoding="utf-8")
    tok = jieba.Tokenizer(dictionary=first)
    assert "青云门" in tok.lcut("张小凡去了青云门") and tok.get_dict_file().read() == "青云门 3\n".encode()
    tok.set_dictionary(second)  # replaces the words of the first file
    assert "青云门" not in tok.segmenter.lexicon and "张小凡" in tok.lcut("张小凡去了青云门")
    with pytest.raises(InvalidInputError, match="does not exist"):
        tok.set_dictionary(tmp_path / "missing.txt")


def test_posseg_pairs_print_as_word_slash_flag():
    pairs = pseg.lcut("我爱北京天安门")
    assert [str(p) for p in pairs] == [f"{w}/{f}" for w, f in pairs]
    assert str(pairs[0]) == "我/r" and repr(pairs[0]) == "pair('我', 'r')"
    assert pairs[0] == pseg.pair("我", "r") and [w for w, _ in pairs] == jieba.lcut("我爱北京天安门")


def test_enable_parallel_cuts_line_by_line_with_the_same_words():
    text = "\n".join(SENTENCES * 3) + "\n第一行\n第三行\n第四"  # lines whose words the next line could pull
    serial = jieba.lcut(text)
    tail = [*jieba.lcut("第三行"), "\n", *jieba.lcut("第四")]
    assert serial[-len(tail):] == tail  # each line is cut on its own, as jieba never reads across a line break
    jieba.enable_parallel(2)
    try:
        assert jieba.dt.workers == 2
        assert jieba.lcut(text) == serial
        assert [str(p) for p in pseg.lcut(text)] == [str(p) for p in pseg.POSTokenizer(jieba.dt).lcut(text)]
    finally:
        jieba.disable_parallel()
    assert jieba.dt.workers is None
    with pytest.raises(InvalidInputError):
        jieba.enable_parallel(0)


NEWS = ("新华社北京十二月三十一日电 国家主席江泽民发表了新年讲话。讲话指出，中国经济保持了快速增长，"
        "国有企业改革取得新进展，农业生产再获丰收。江泽民强调，要继续推进经济体制改革，扩大对外开放，"
        "促进农业和农村经济的发展，加强国有企业的技术改造。")


def test_keywords_occur_in_the_text_best_first():
    tags = analyse.extract_tags(NEWS, topK=5, withWeight=True)
    assert 0 < len(tags) <= 5 and all(w in NEWS and len(w) >= 2 for w, _ in tags)
    weights = [x for _, x in tags]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0
    assert analyse.extract_tags(NEWS, topK=5) == [w for w, _ in tags]
    assert not set(analyse.extract_tags(NEWS, topK=None)) & analyse.default_tfidf.stop_words
    nouns = analyse.extract_tags(NEWS, topK=None, allowPOS=("n",), withFlag=True)
    assert nouns and all(p.flag == "n" and p.word in NEWS for p in nouns)
    ranked = analyse.textrank(NEWS, topK=5, withWeight=True)
    assert ranked and all(w in NEWS for w, _ in ranked) and ranked[0][1] == 1.0  # jieba's scaling: best is 1
    assert set(analyse.textrank(NEWS, topK=None, allowPOS=("ns",))) <= {"中国", "北京"}


def test_stop_words_and_idf_files_are_read(tmp_path):
    extractor = analyse.TFIDF()
    top = extractor.extract_tags(NEWS, topK=1)[0]
    stop = tmp_path / "stop.txt"
    stop.write_text(f"\ufeff{top}\n", encoding="utf-8")
    extractor.set_stop_words(str(stop))
    assert top not in extractor.extract_tags(NEWS, topK=None)
    idf = tmp_path / "idf.txt"
    idf.write_text("农村 50.0\n改革 1.0\n经济 1.0\n", encoding="utf-8")
    extractor.set_idf_path(str(idf))
    assert extractor.extract_tags(NEWS, topK=1) == ["农村"] and extractor.median_idf == 1.0
    with pytest.raises(InvalidInputError, match="does not exist"):
        extractor.set_idf_path(str(tmp_path / "missing.txt"))


def test_the_shipped_keyword_statistics_are_ours():
    tfidf = analyse.default_tfidf
    assert len(tfidf.idf_freq) > 10_000 and tfidf.idf_freq["的"] < tfidf.idf_freq["农业"]
    assert {"的", "我们", "但是", "。"} <= analyse.KeywordExtractor.STOP_WORDS


def test_module_level_verbs_use_the_default_model():
    assert jieba.lcut("我爱北京天安门") == [w for w in Segmenter.load().cut("我爱北京天安门")]
    assert jieba.posseg.lcut("我爱北京")[0].flag
    assert jieba.get_FREQ("北京") == 1 and jieba.get_FREQ("不是一个词吧", "no") == "no"


def test_posseg_viterbi_is_jiebas_on_jiebas_own_tables():
    """The general HMM function, checked against jieba's own on jieba's POS tables (the tables stay
    jieba's: nothing of them is shipped)."""
    import jieba.posseg as real

    for text in SENTENCES[:3]:
        obs = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"][:20]
        args = (obs, real.char_state_tab_P, real.start_P, real.trans_P, real.emit_P)
        assert pseg.viterbi(*args) == real.viterbi(*args)
    with pytest.raises(NotImplementedError, match="HMM tables"):
        pseg.load_model()
    assert jieba.enable_paddle() is None


def test_chinese_analyzer_indexes_search_mode_words_for_whoosh(tmp_path):
    from whoosh import index
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import QueryParser

    analyzer = analyse.ChineseAnalyzer()
    text = "我爱北京天安门。The cats are running"
    got = [(t.text, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]
    search = [(w, s, e) for w, s, e in jieba.tokenize(text, mode="search") if w.strip() and w not in "。"]
    from whoosh.lang.porter import stem

    assert [w for w, _, _ in got if w.isascii()] == [stem("cats"), stem("running")]  # stop words out, stemmed
    assert [g for g in got if not g[0].isascii()] == [s for s in search if not s[0].isascii()]
    assert all(text[s:e].lower().startswith(w[:2].lower()) for w, s, e in got)
    ix = index.create_in(str(tmp_path), Schema(path=ID(stored=True), content=TEXT(analyzer=analyzer)))
    with ix.writer() as w:
        w.add_document(path="a", content="我爱北京天安门")
        w.add_document(path="b", content="上海是一座城市")
    with ix.searcher() as s:
        hits = s.search(QueryParser("content", ix.schema).parse("北京"))
        assert [h["path"] for h in hits] == ["a"]


def test_lcut_of_one_line_equals_the_token_path(tok):
    """`lcut` of a line builds strings straight from the analysis (and, without whitespace, takes
    the analysis's words as they are); it must give what the Token path gives, whitespace runs
    included."""
    texts = ["", " ", "我爱 北京\t天安门 ", "a  b", "\u3000北京\u3000", "中文\r", "x\x1cy", "北京大学生前来应聘",
             "他在2026年用iPhone访问了www.example.com。", "  前后都有空格  "]
    for text in texts:
        assert tok.lcut(text) == [t.text for t in tok._tokens(text)], text
        assert list(tok.cut(text)) == tok.lcut(text)
        assert "".join(tok.lcut(text)) == text
