"""Every kind of bad request gets a 4xx with one JSON error shape, never a 500."""

import pytest

from segmenter import Segmenter
from tests.api.conftest import assert_error, make_client


@pytest.mark.parametrize("body,phrase", [
    (b"{not json", "JSON"),
    (b"[1, 2]", "dictionary"),
    (b'{"text": 5}', "text"),
    (b'{"texts": "not a list"}', "texts"),
    (b'{"texts": ["a", 1]}', "texts.1"),
    (b"{}", "exactly one of 'text' or 'texts'"),
    (b'{"text": "a", "texts": ["b"]}', "exactly one of 'text' or 'texts'"),
    (b'{"text": "a", "extra": 1}', "extra"),
    (b'{"text": "a", "model": 7}', "model"),
    (b'{"text": "a", "model": ""}', "model"),
    (b'{"text": "a", "standard": ""}', "standard"),
    (b'{"text": "a", "pos": "yes"}', "pos"),
    (b'{"text": "a", "pos": 1}', "pos"),
])
def test_malformed_requests(client, body, phrase):
    r = client.post("/v1/segment", content=body, headers={"content-type": "application/json"})
    err = assert_error(r, 422, "validation_error", phrase)
    assert "Traceback" not in r.text and isinstance(err["detail"], list)


def test_body_that_is_not_utf8(client):
    r = client.post("/v1/segment", content=b'{"text": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert_error(r, 400, "invalid_body", "UTF-8 JSON")


def test_unknown_model_lists_the_available_ones(client):
    err = assert_error(client.post("/v1/segment", json={"text": "a", "model": "klingon"}), 404, "unknown_model",
                       "klingon", "available: ", *Segmenter.available(), "ctb6", "pku")
    assert set(Segmenter.available()) | {"pku", "ctb6", "weibo"} <= set(err["detail"]["available"])


def test_text_over_the_character_limit(client):
    err = assert_error(client.post("/v1/segment", json={"texts": ["ok", "长" * 5001]}), 422, "limit_exceeded",
                       "text 1 has 5001 characters", "max_chars_per_text")
    assert err["detail"] == {"limit": "max_chars_per_text", "value": 5000}


def test_too_many_texts(client):
    assert_error(client.post("/v1/segment", json={"texts": ["a"] * 17}), 422, "limit_exceeded", "17 texts",
                 "max_texts")


def test_body_over_the_size_limit(client):
    body = b'{"text": "' + b"a" * 300_000 + b'"}'
    assert_error(client.post("/v1/segment", content=body, headers={"content-type": "application/json"}), 413,
                 "body_too_large", "max_body_bytes")


def test_body_over_the_limit_without_content_length(client):
    def chunks():
        yield b'{"text": "'
        for _ in range(30):
            yield b"a" * 10_000
        yield b'"}'

    r = client.post("/v1/segment", content=chunks(), headers={"content-type": "application/json"})
    assert_error(r, 413, "body_too_large", "max_body_bytes")


def test_unknown_route_and_method(client):
    assert_error(client.get("/v2/nothing"), 404, "not_found")
    assert_error(client.get("/v1/segment"), 405, "method_not_allowed")


def test_api_key_is_required_when_set():
    with make_client(api_key="s3cret") as c:
        assert_error(c.post("/v1/segment", json={"text": "好"}), 401, "unauthorized", "Bearer")
        assert_error(c.post("/v1/segment", json={"text": "好"}, headers={"Authorization": "Bearer wrong"}), 401,
                     "unauthorized")
        assert_error(c.get("/v1/models"), 401, "unauthorized")
        ok = c.post("/v1/segment", json={"text": "好"}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.get("/healthz").status_code == 200  # health and metrics stay open
        assert c.get("/metrics").status_code == 200


def test_invalid_settings_are_refused_at_start_up(tmp_path):
    from pydantic import ValidationError
    from segmenter_api.settings import Settings

    with pytest.raises(ValidationError, match="models_dir"):
        Settings(_env_file=None, models_dir=tmp_path / "missing")
    with pytest.raises(ValidationError, match="default_model"):
        Settings(_env_file=None, models=["a"], default_model="b")
    with pytest.raises(ValidationError, match="SEGMENTER_API_KEY.* is empty"):
        Settings(_env_file=None, api_key="")
