import multiprocessing
import pickle
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmenter import Segmenter, Token
from segmenter.errors import InvalidInputError, ModelLoadError
from segmenter.lexicon import Entry
from segmenter.tags import is_legal
from tests.segmenter.conftest import PAIRS, STANDARD_TEXTS


@pytest.fixture(scope="module")
def seg(tiny_model_dir):
    return Segmenter.load(tiny_model_dir)


def check_tokens(text, tokens):
    """The invariants every segmentation keeps."""
    assert "".join(t.text for t in tokens) == "".join(ch for ch in text if not ch.isspace())
    for t in tokens:
        assert t.text == text[t.start:t.end]
        assert t.text and not any(ch.isspace() for ch in t.text)
    assert all(a.end <= b.start for a, b in zip(tokens, tokens[1:]))


TEXTS = st.text(alphabet=st.one_of(st.characters(), st.sampled_from("我爱北京天安门。，！ 　\r\n1２.%abcＡＢ")),
                max_size=300)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXTS)
def test_output_is_exactly_the_input_characters(seg, text):
    check_tokens(text, seg.tokenize(text))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXTS, max_size=12))
def test_batch_equals_one_at_a_time(seg, texts):
    assert seg.tokenize_batch(texts) == [seg.tokenize(t) for t in texts]
    assert seg.cut_batch(texts) == [seg.cut(t) for t in texts]


def test_empty_and_whitespace_only(seg):
    assert seg.cut("") == []
    assert seg.tokenize(" \t\r\n\u3000") == []
    assert seg.tag("") == []
    assert seg.cut_batch([]) == []


def test_odd_characters(seg):
    for text in ["😀😀好的👍🏽", "a\x00b\x07中\x1b文", "\ufeff隣の客はよく柿食う客だ", "\ud800孤立代理", "𠀀𠀁𪚥"]:
        check_tokens(text, seg.tokenize(text))


def test_a_megabyte_line_without_punctuation(seg):
    text = "中华人民共和国成立了" * 35000  # 350k characters, 1 MB of UTF-8, no punctuation
    tokens = seg.tokenize(text)
    check_tokens(text, tokens)


def test_pretokens_are_never_split(seg):
    text = "请访问https://example.com/path?q=1或写信给someone@example.org，价格上涨１２．５％，iPhone15很贵"
    tokens = seg.tokenize(text)
    check_tokens(text, tokens)
    for piece in ["https://example.com/path?q=1", "someone@example.org", "１２．５％", "iPhone15"]:
        start = text.index(piece)
        assert any(t.start <= start and start + len(piece) <= t.end for t in tokens), piece


def test_whitespace_is_a_word_boundary(seg):
    tokens = seg.tokenize("北 京天安 门")
    check_tokens("北 京天安 门", tokens)
    assert all(" " not in t.text for t in tokens)
    assert tokens[0] == Token("北", 0, 1)
    assert tokens[-1] == Token("门", 6, 7)


def test_tag_gives_a_legal_label_and_a_probability_per_character(seg):
    text = "我爱北京 天安门，2026年。"
    rows = seg.tag(text)
    assert [r.char for r in rows] == [ch for ch in text if ch != " "]
    assert [text[r.offset] for r in rows] == [r.char for r in rows]
    assert all(0.0 < r.prob <= 1.0 for r in rows)
    labels = ["BMES".index(r.label) for r in rows]
    assert is_legal(labels)
    # the labels describe the same words as tokenize
    words, cur = [], ""
    for r in rows:
        cur += r.char
        if r.label in "ES":
            words.append(cur)
            cur = ""
    assert words == seg.cut(text)


def test_wrong_types_are_clear_errors(seg):
    with pytest.raises(InvalidInputError, match="must be a str"):
        seg.cut(None)
    with pytest.raises(InvalidInputError, match="must be a str"):
        seg.cut_batch(["ok", 3])
    with pytest.raises(InvalidInputError, match="not a single str"):
        seg.cut_batch("一个字符串")


def test_two_instances_are_independent(tiny_model_dir):
    a = Segmenter.load(tiny_model_dir)
    b = Segmenter.load(tiny_model_dir, batch_size=2)
    texts = ["今天天气很好。", "我们去公园散步吧！", "好。"]
    assert a.cut_batch(texts) == b.cut_batch(texts)
    assert a.batch_size == 128 and b.batch_size == 2


def test_bf16_precision_keeps_every_character(tiny_model_dir):
    fast = Segmenter.load(tiny_model_dir, precision="bf16")
    assert fast.precision.value == "bf16"
    text = "他在2026年用iPhone访问了www.example.com。结婚的和尚未结婚的都来了"
    check_tokens(text, fast.tokenize(text))
    assert fast.cut_batch([text, ""]) == [fast.cut(text), []]


def test_unknown_precision_is_a_clear_error(tiny_model_dir):
    with pytest.raises(InvalidInputError, match="unknown precision 'fp8'.*auto, fp32, bf16, int8"):
        Segmenter.load(tiny_model_dir, precision="fp8")


def test_int8_runs_on_native_or_onnxruntime_and_keeps_every_character(tiny_model_dir):
    text = "他在2026年用iPhone访问了www.example.com。结婚的和尚未结婚的都来了"
    for runtime in ("auto", "native", "onnxruntime"):
        q = Segmenter.load(tiny_model_dir, precision="int8", runtime=runtime)
        want = "onnxruntime" if runtime == "onnxruntime" else "native"
        assert (q.precision.value, q.runtime.value) == ("int8", want)
        check_tokens(text, q.tokenize(text))
    with pytest.raises(InvalidInputError, match="int8.*onnxruntime"):
        Segmenter.load(tiny_model_dir, precision="int8", runtime="torch")
    with pytest.raises(InvalidInputError, match="bf16 needs runtime='torch'"):
        Segmenter.load(tiny_model_dir, precision="bf16", runtime="onnxruntime")


def test_tokens_unpack_like_jiebas_tuples(seg):
    text = "我爱 北京"
    assert [(w, s, e) for w, s, e in seg.tokenize(text)] == [(t.text, t.start, t.end) for t in seg.tokenize(text)]
    assert all(text[s:e] == w for w, s, e in seg.tokenize(text))


def test_threads_give_the_same_output_as_one_thread(tiny_model_dir, data_dir):
    """A call of many batches runs them side by side on the pool: same words, tokens and tags,
    in order, as on the calling thread alone."""
    from segmenter.corpus import read_corpus

    texts = [s.text for s in read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:300]] + ["", " ", "a b"]
    one = Segmenter.load(tiny_model_dir, threads=1, batch_size=16)
    many = Segmenter.load(tiny_model_dir, threads=3, batch_size=16)
    assert one.threads == 1 and many.threads == 3
    assert many.cut_batch(texts) == one.cut_batch(texts)
    assert many.tokenize_batch(texts) == one.tokenize_batch(texts)
    assert many.tag_batch(texts[:40]) == one.tag_batch(texts[:40])


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_bad_thread_counts_are_clear_errors(tiny_model_dir, threads):
    with pytest.raises(InvalidInputError, match="threads"):
        Segmenter.load(tiny_model_dir, threads=threads)


def test_onnxruntime_gives_the_torch_output_and_auto_picks_it_for_small_networks(tiny_model_dir, data_dir):
    from segmenter.config import Runtime
    from segmenter.corpus import read_corpus

    texts = [s.text for s in read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:200]] + ["", "a b 1.5%"]
    torch_seg = Segmenter.load(tiny_model_dir, runtime="torch")
    ort_seg = Segmenter.load(tiny_model_dir, runtime="onnxruntime")
    assert torch_seg.runtime is Runtime.TORCH and ort_seg.runtime is Runtime.ONNXRUNTIME
    assert Segmenter.load(tiny_model_dir, precision="fp32").runtime is Runtime.ONNXRUNTIME  # 1 layer of 16 units
    assert Segmenter.load(tiny_model_dir).runtime is Runtime.NATIVE  # precision "auto": int8 on the kernel
    assert Segmenter.load(tiny_model_dir, precision="bf16").runtime is Runtime.TORCH
    assert ort_seg.cut_batch(texts) == torch_seg.cut_batch(texts)
    a, b = ort_seg.tag_batch(texts[:20]), torch_seg.tag_batch(texts[:20])
    assert [[t.label for t in row] for row in a] == [[t.label for t in row] for row in b]
    assert max(abs(x.prob - y.prob) for ra, rb in zip(a, b) for x, y in zip(ra, rb)) < 1e-5


def test_runtime_errors(tiny_model_dir):
    with pytest.raises(InvalidInputError, match="unknown runtime"):
        Segmenter.load(tiny_model_dir, runtime="tensorrt")
    with pytest.raises(InvalidInputError, match="fp32 and int8; bf16 needs runtime='torch'"):
        Segmenter.load(tiny_model_dir, runtime="onnxruntime", precision="bf16")


def test_call_repr_and_iterables(tiny_model_dir):
    seg = Segmenter.load(tiny_model_dir)
    texts = ["我爱北京天安门。", "今天天气很好"]
    assert seg(texts[0]) == seg.cut(texts[0])
    assert "Segmenter(name='tiny'" in repr(seg) and "runtime='native', precision='int8'" in repr(seg)
    assert seg.cut_batch(iter(texts)) == seg.cut_batch(texts)
    assert seg.tokenize_batch(t for t in texts) == seg.tokenize_batch(texts)
    assert seg.tag_batch(tuple(texts)) == seg.tag_batch(texts)
    with pytest.raises(InvalidInputError, match="iterable of str"):
        seg.cut_batch(5)  # type: ignore[arg-type]


def test_importing_the_library_loads_neither_torch_nor_the_web_framework_and_the_app_uses_its_public_names():
    import re
    import subprocess
    import sys

    from tests.conftest import REPO

    code = "import sys, segmenter, segmenter.cli; print('torch' in sys.modules, 'fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    for path in (REPO / "api").rglob("*.py"):
        for name in re.findall(r"^\s*from (segmenter[\w.]*) import", path.read_text(), re.M):
            assert name == "segmenter", f"{path.name} imports from {name}: the app uses segmenter's public names"


def test_a_joint_model_tags_every_word_with_one_of_its_tags(tiny_pos_model_dir):
    seg = Segmenter.load(tiny_pos_model_dir)
    assert seg.pos_tags is not None and "n" in seg.pos_tags
    text = "中国人民银行今天宣布降低利率。"
    plain = seg.tokenize(text)
    tagged = seg.tokenize(text, pos=True)
    assert [(t.text, t.start, t.end) for t in tagged] == [(t.text, t.start, t.end) for t in plain]
    assert all(t.pos is None for t in plain)
    assert all(t.pos in seg.pos_tags for t in tagged)
    assert tagged[-1].pos == "w"  # the full stop is punctuation
    chars = seg.tag(text, pos=True)
    by_offset = {c.offset: c.pos for c in chars}
    for t in tagged:
        assert {by_offset[i] for i in range(t.start, t.end)} == {t.pos}


def test_a_user_word_with_a_pos_keeps_it(tiny_pos_model_dir):
    seg = Segmenter.load(tiny_pos_model_dir)
    seg.add_word("利率调整", "vn")
    toks = seg.tokenize("今天宣布利率调整。", pos=True)
    assert ("利率调整", "vn") in [(t.text, t.pos) for t in toks]


def test_pos_on_a_segmentation_only_model_is_a_clear_error():
    seg = Segmenter.load("pku-fast")
    with pytest.raises(InvalidInputError, match="no part-of-speech tagger"):
        seg.tokenize("你好", pos=True)


@pytest.fixture(scope="module")
def pku_fast():
    return Segmenter.load("pku-fast")


@pytest.mark.parametrize("trad, simp", PAIRS)
def test_traditional_segments_as_its_simplified_form_with_original_characters(pku_fast, trad, simp):
    t_tokens = pku_fast.tokenize(trad)
    s_tokens = pku_fast.tokenize(simp)
    assert [(t.start, t.end) for t in t_tokens] == [(t.start, t.end) for t in s_tokens]
    assert all(t.text == trad[t.start:t.end] for t in t_tokens)
    assert "".join(t.text for t in t_tokens) == trad


def test_expected_traditional_words(pku_fast):
    words = pku_fast.cut("我們在臺灣大學讀書。")
    assert words[0] == "我們" and "讀書" in words


# A `Segmenter` pickles as its model's reference, options and user dictionary
# (`Segmenter.__reduce__`), so that process pools, Spark UDFs and `datasets.map` can take one.
PICKLE_TEXTS = ["我爱北京天安门。", "中将军衔的人来了", "结婚的和尚未结婚的都来了"]


def test_a_named_model_round_trips_with_its_standard_options_and_user_dictionary():
    seg = Segmenter.load("multi-fast:ctb6", user_words=["北京天安", "中 将"], batch_size=32, threads=1)
    seg.add_word("尚未结婚", pos="v")
    back = pickle.loads(pickle.dumps(seg))
    assert (back.name, back.path, back.standard, back.batch_size, back.threads) == (
        "multi-fast", seg.path, "ctb6", 32, 1)
    assert list(back.lexicon) == list(seg.lexicon) == [
        Entry(("北京天安",)), Entry(("中", "将")), Entry(("尚未结婚",), "v")]
    assert back.tokenize_batch(PICKLE_TEXTS, pos=True) == seg.tokenize_batch(PICKLE_TEXTS, pos=True)
    assert back.cut("我爱北京天安门") == ["我", "爱", "北京天安", "门"]  # the user word came along
    assert pickle.dumps(back) == pickle.dumps(seg)  # stable bytes: a stable fingerprint for datasets.map


def test_a_model_given_by_path_round_trips_and_a_missing_one_is_a_model_load_error(tiny_model_dir, tmp_path):
    copy = tmp_path / "mine"
    shutil.copytree(tiny_model_dir, copy)
    seg = Segmenter.load(copy)
    data = pickle.dumps(seg)
    assert pickle.loads(data).cut_batch(PICKLE_TEXTS) == seg.cut_batch(PICKLE_TEXTS)
    shutil.rmtree(copy)
    with pytest.raises(ModelLoadError, match="mine"):
        pickle.loads(data)


def test_a_segmenter_without_a_model_directory_refuses_to_pickle(tiny_model_dir):
    loaded = Segmenter.load(tiny_model_dir)
    in_memory = Segmenter(loaded.weights, loaded.vocab)
    with pytest.raises(TypeError, match="Segmenter.load"):
        pickle.dumps(in_memory)


def test_a_spawn_process_pool_maps_cut():
    seg = Segmenter.load(threads=1, user_words=["北京天安"])
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        got = pool.map(seg.cut, PICKLE_TEXTS)
    assert got == [seg.cut(t) for t in PICKLE_TEXTS]
    assert "北京天安" in got[0]


def test_the_standard_input_changes_the_segmentation(tiny_multi_models_dir):
    seg = Segmenter.load("multi", models_dir=tiny_multi_models_dir)
    assert seg.standards == ("pku", "chars") and seg.standard == "pku"
    pku = seg.cut_batch(STANDARD_TEXTS, standard="pku")
    chars = seg.cut_batch(STANDARD_TEXTS, standard="chars")
    assert all(len(w) == 1 for words in chars for w in words)  # the standard of single characters
    assert any(len(w) > 1 for words in pku for w in words)
    for text, a, b in zip(STANDARD_TEXTS, pku, chars):  # never a character changed, dropped or added
        assert "".join(a) == "".join(b) == text
    assert seg.tokenize(STANDARD_TEXTS[0], pos=True, standard="chars")[0].pos is not None  # POS in every standard


def test_unknown_standard_lists_the_known_ones(tiny_multi_models_dir, tiny_model_dir):
    seg = Segmenter.load("multi", models_dir=tiny_multi_models_dir)
    with pytest.raises(InvalidInputError, match="no standard 'msr'.*pku, chars"):
        seg.cut(STANDARD_TEXTS[0], standard="msr")
    with pytest.raises(InvalidInputError, match="no standard 'msr'"):
        Segmenter.load("multi:msr", models_dir=tiny_multi_models_dir)
    with pytest.raises(InvalidInputError, match="no standard 'ctb6'"):
        Segmenter.load(tiny_model_dir).cut(STANDARD_TEXTS[0], standard="ctb6")


def test_the_default_model_cuts_one_line_a_call_as_in_one_batch_on_the_pku_test(data_dir):
    """The per-call path and the batch path give the same words on the default model (int8 on the
    native kernel: fixed scales, a row's scores its own), with and without parts of speech, on two
    threads and one (bench/precision.py checks every line of every dev set)."""
    from segmenter.corpus import read_corpus

    texts = [s.text for s in read_corpus(data_dir / "pku" / "pku_test_gold.utf8")[:400]]
    seg = Segmenter.load(threads=2)
    assert seg.runtime.value == "native"
    batch = seg.cut_batch(texts)
    assert batch == [seg.cut(t) for t in texts]
    assert batch == Segmenter.load(threads=1).cut_batch(texts)
    tagged = seg.tokenize_batch(texts[:100], pos=True)
    assert [[t.text for t in row] for row in tagged] == batch[:100]
    assert tagged == [seg.tokenize(t, pos=True) for t in texts[:100]]
