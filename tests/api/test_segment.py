from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmenter import DEFAULT_MODEL, Segmenter
from tests.api.conftest import assert_error


def test_one_text(client):
    r = client.post("/v1/segment", json={"text": "我爱北京天安门。"})
    assert r.status_code == 200
    body = r.json()
    assert body["model"] == DEFAULT_MODEL and body["standard"] == "pku"  # the default model, its default standard
    assert [t["text"] for t in body["results"][0]["tokens"]] == ["我", "爱", "北京", "天安门", "。"]
    assert body["results"][0]["tokens"][2] == {"text": "北京", "start": 2, "end": 4}


def test_several_texts_match_the_library(client):
    texts = ["今天是2026年11月22日。", "", "  ", "访问https://example.com的人增长了１２．５％", "😀好"]
    r = client.post("/v1/segment", json={"texts": texts, "model": "pku"})
    assert r.status_code == 200
    lib = Segmenter.load("pku").tokenize_batch(texts)
    got = r.json()["results"]
    assert len(got) == len(texts)
    for toks, expected in zip(got, lib):
        want = [(t.text, t.start, t.end) for t in expected]
        assert [(t["text"], t["start"], t["end"]) for t in toks["tokens"]] == want


def test_empty_text_gives_no_tokens(client):
    r = client.post("/v1/segment", json={"text": ""})
    assert r.json()["results"] == [{"tokens": []}]
    assert client.post("/v1/segment", json={"texts": []}).json()["results"] == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_any_valid_unicode_comes_back_exactly(client, text):
    r = client.post("/v1/segment", json={"text": text})
    assert r.status_code == 200
    toks = r.json()["results"][0]["tokens"]
    assert "".join(t["text"] for t in toks) == "".join(ch for ch in text if not ch.isspace())
    assert all(text[t["start"]:t["end"]] == t["text"] for t in toks)


def test_lone_surrogate_is_422(client):
    r = client.post("/v1/segment", content=b'{"text": "ab\\ud800c"}', headers={"content-type": "application/json"})
    assert_error(r, 422, "validation_error", "lone surrogate", "U+D800")
    r = client.post("/v1/segment", content=b'{"texts": ["ok", "\\udfff"]}',
                    headers={"content-type": "application/json"})
    assert_error(r, 422, "validation_error", "texts[1]")


def test_utf16_offsets_for_javascript_clients(client):
    text = "😀我爱北京"
    r = client.post("/v1/segment", json={"text": text, "offsets": "utf16"}).json()["results"][0]["tokens"]
    js = text.encode("utf-16-le")
    assert all(js[2 * t["start"]:2 * t["end"]].decode("utf-16-le") == t["text"] for t in r)
    assert r[0] == {"text": "😀", "start": 0, "end": 2}
    plain = client.post("/v1/segment", json={"text": text}).json()["results"][0]["tokens"]
    assert plain[0]["end"] == 1 and plain[-1]["end"] == len(text)
    tags = client.post("/v1/tag", json={"text": text, "offsets": "utf16"}).json()["results"][0]["chars"]
    assert [c["offset"] for c in tags] == [0, 2, 3, 4, 5]
    assert client.post("/v1/segment", json={"text": text, "offsets": "bytes"}).status_code == 422
