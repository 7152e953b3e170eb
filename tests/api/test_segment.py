"""`POST /v1/segment` (`segmenter_api.routes.segment`): texts in, tokens out, exactly the input's
characters; user dictionaries per request and per server, parts of speech, Traditional input."""

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmenter import DEFAULT_MODEL, Segmenter
from tests.api.conftest import assert_error, make_client


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


TEXT = "研究生命起源的科学家"


def words(r, i=0):
    assert r.status_code == 200, r.text
    return [t["text"] for t in r.json()["results"][i]["tokens"]]


def test_user_words_per_request(client):
    plain = words(client.post("/v1/segment", json={"text": TEXT}))
    assert "生命起源" not in plain
    r = client.post("/v1/segment", json={"texts": [TEXT, "我们中将有人去"], "user_words": ["生命起源", "中 将"]})
    assert "生命起源" in words(r, 0)
    assert words(r, 1)[1:3] == ["中", "将"]
    assert words(client.post("/v1/segment", json={"text": TEXT})) == plain  # nothing stays behind
    tags = client.post("/v1/tag", json={"text": TEXT, "user_words": ["生命起源"]}).json()["results"][0]["chars"]
    assert [c["label"] for c in tags[2:6]] == ["B", "M", "M", "E"]


@pytest.mark.parametrize("user_words, phrase", [([""], "empty"), (["  "], "whitespace only"),
                                                (["长" * 33], "limit is 32")])
def test_bad_user_words_are_422(client, user_words, phrase):
    assert_error(client.post("/v1/segment", json={"text": TEXT, "user_words": user_words}), 422, "invalid_input",
                 phrase)


def test_too_many_user_words_is_422():
    with make_client(max_user_words=2) as c:
        err = assert_error(c.post("/v1/segment", json={"text": TEXT, "user_words": ["甲", "乙", "丙"]}), 422,
                           "limit_exceeded", "max_user_words")
        assert err["detail"] == {"limit": "max_user_words", "value": 2}


def test_server_user_dict_applies_to_every_request(tmp_path):
    d = tmp_path / "terms.txt"
    d.write_text("生命起源\n", "utf-8")
    with make_client(user_dict=d) as c:
        assert "生命起源" in words(c.post("/v1/segment", json={"text": TEXT, "model": "pku-fast"}))


def test_traditional_input_comes_back_in_its_own_characters(client):
    text = "我們在臺灣大學讀書。"
    r = client.post("/v1/segment", json={"texts": [text, "我们在台湾大学读书。"]})
    trad, simp = r.json()["results"]
    assert [(t["start"], t["end"]) for t in trad["tokens"]] == [(t["start"], t["end"]) for t in simp["tokens"]]
    assert "".join(t["text"] for t in trad["tokens"]) == text
    assert trad["tokens"][0]["text"] == "我們"


def test_pos_on_a_joint_model_and_a_clear_error_elsewhere(tmp_path, tiny_pos_model_dir):
    models = tmp_path / "models"
    shutil.copytree(tiny_pos_model_dir, models / "tiny-pos")
    with make_client(models_dir=models, default_model="tiny-pos") as c:
        info = c.get("/v1/models").json()["models"][0]
        assert info["pos_tagging"] is True and "n" in info["pos_tags"]
        r = c.post("/v1/segment", json={"text": "中国人民银行今天宣布降低利率。", "pos": True})
        tokens = r.json()["results"][0]["tokens"]
        assert all(t["pos"] in info["pos_tags"] for t in tokens)
        assert all("pos" not in t for t in c.post("/v1/segment", json={"text": "今天"}).json()["results"][0]["tokens"])
        chars = c.post("/v1/tag", json={"text": "今天宣布", "pos": True}).json()["results"][0]["chars"]
        assert all(ch["pos"] in info["pos_tags"] for ch in chars)


def test_pos_on_a_segmentation_only_model_is_422(client):
    assert_error(client.post("/v1/segment", json={"text": TEXT, "model": "pku-fast", "pos": True}), 422,
                 "invalid_input", "no part-of-speech tagger")
