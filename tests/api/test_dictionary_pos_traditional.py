"""The REST side of user dictionaries, part-of-speech tagging and Traditional Chinese input."""

import shutil

import pytest

from tests.api.conftest import assert_error, make_client

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
