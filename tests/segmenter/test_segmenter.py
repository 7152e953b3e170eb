import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmenter import Segmenter, Token
from segmenter.errors import InvalidInputError
from segmenter.tags import is_legal


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
    with pytest.raises(InvalidInputError, match="unknown precision 'fp8'.*fp32, bf16, int8"):
        Segmenter.load(tiny_model_dir, precision="fp8")


def test_int8_runs_on_onnxruntime_and_keeps_every_character(tiny_model_dir):
    q = Segmenter.load(tiny_model_dir, precision="int8")
    assert (q.precision.value, q.runtime.value) == ("int8", "onnxruntime")
    text = "他在2026年用iPhone访问了www.example.com。结婚的和尚未结婚的都来了"
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
    assert Segmenter.load(tiny_model_dir).runtime is Runtime.ONNXRUNTIME  # 1 layer of 16 units
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
    assert "Segmenter(name='tiny'" in repr(seg) and "runtime='onnxruntime'" in repr(seg)
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
