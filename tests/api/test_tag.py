from tests.api.conftest import assert_error


def test_tag_one_text(client):
    r = client.post("/v1/tag", json={"text": "研究 生命"})
    assert r.status_code == 200
    chars = r.json()["results"][0]["chars"]
    assert [c["char"] for c in chars] == ["研", "究", "生", "命"]
    assert [c["offset"] for c in chars] == [0, 1, 3, 4]
    assert [c["label"] for c in chars] == ["B", "E", "B", "E"]
    assert all(0 < c["prob"] <= 1 for c in chars)


def test_tag_several_texts_and_errors(client):
    r = client.post("/v1/tag", json={"texts": ["好", ""]})
    assert [len(x["chars"]) for x in r.json()["results"]] == [1, 0]
    assert_error(client.post("/v1/tag", json={"text": 3}), 422, "validation_error", "text")
    assert_error(client.post("/v1/tag", json={"text": "a", "model": "nope"}), 404, "unknown_model", "nope", "pku")
