"""Every kind of bad request gets a 4xx with one JSON error shape, never a 500."""

import json
import time

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
    (b'{"text": ' + b"1" * 5000 + b"}", "JSON value cannot be read"),  # past Python's int digit limit
    (b'{"text": "a", "pos": ' + b"1" * 5000 + b"}", "JSON value cannot be read"),
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


@pytest.fixture(scope="module")
def default_client():
    """The app with the default limits (a 4 MB body)."""
    with make_client() as c:
        yield c


def post_json(client, path: str, body: object):
    data = json.dumps(body).encode()
    t0 = time.perf_counter()
    r = client.post(path, content=data, headers={"content-type": "application/json"})
    return r, time.perf_counter() - t0


@pytest.mark.parametrize("path", ["/v1/segment", "/v1/tag"])
@pytest.mark.parametrize("field,limit", [("user_words", "max_user_words"), ("texts", "max_texts")])
def test_a_long_list_is_refused_before_its_items_are_validated(default_client, path, field, limit):
    body = {field: [None] * 50_000, **({"text": "a"} if field != "texts" else {})}
    r, took = post_json(default_client, path, body)
    err = assert_error(r, 422, "limit_exceeded", "50000 ", limit)
    assert err["detail"]["limit"] == limit
    assert len(r.content) < 1000 and took < 1.0, (len(r.content), took)


@pytest.mark.parametrize("body", [
    {"user_words": [None] * 400_000, "text": "a"},  # 2.4 MB, under the body limit
    {"text": "a", **{f"{i}": 0 for i in range(300_000)}},  # 3.5 MB
    {"texts": [[[]]] * 400_000},
])
def test_a_body_with_more_values_than_a_valid_request_is_refused_unparsed(default_client, body):
    r, took = post_json(default_client, "/v1/tag", body)
    err = assert_error(r, 413, "limit_exceeded", "JSON separators", "max_request_chars")
    assert err["detail"] == {"limit": "json_separators", "value": 100_000 + 1000 * 33 + 256 + 64}
    assert len(r.content) < 1000 and took < 1.0, (len(r.content), took)


def test_the_largest_request_made_of_separators_is_answered(default_client):
    # every character a JSON separator, every limit reached: the bound on separators refuses none
    body = {"texts": [",:[{" * 5_000] * 5, "user_words": [",:[{" * 8] * 1000}
    r, _ = post_json(default_client, "/v1/segment", body)
    assert r.status_code == 200, r.text[:300]
    assert "".join(t["text"] for t in r.json()["results"][0]["tokens"]) == ",:[{" * 5_000


def test_many_unknown_keys_get_a_short_answer(default_client):
    body = {"text": "a", **{f"{i}": 0 for i in range(60_000)}}
    r, took = post_json(default_client, "/v1/segment", body)
    err = assert_error(r, 422, "validation_error", "0: Extra inputs", "9: Extra", "59,990 more problems",
                       "60,000 in all")
    assert [d["loc"] for d in err["detail"]] == [["body", f"{i}"] for i in range(10)]
    assert len(r.content) < 4096 and took < 1.0, (len(r.content), took)


def test_an_unknown_key_as_long_as_the_body_is_cut_in_the_answer(default_client):
    r, _ = post_json(default_client, "/v1/segment", {"text": "a", "x" * 1_000_000: 1})
    err = assert_error(r, 422, "validation_error", "Extra inputs")
    assert len(err["detail"][0]["loc"][1]) == 100 and len(r.content) < 1000


def test_many_invalid_items_inside_the_limits_report_the_first_ten_and_a_count(client):
    r, _ = post_json(client, "/v1/segment", {"texts": [1] * 16})
    err = assert_error(r, 422, "validation_error", "texts.0:", "texts.9:", "6 more problems (16 in all)")
    assert [d["loc"] for d in err["detail"]] == [["body", "texts", i] for i in range(10)]
    assert "texts.10" not in err["message"]


@pytest.mark.parametrize("path", ["/v1/segment", "/v1/tag"])
def test_a_request_over_the_total_character_limit_is_413(default_client, path):
    texts = ["中" * 20_000] * 5 + ["文"]  # every text within max_chars_per_text, 100,001 characters in all
    err = assert_error(default_client.post(path, json={"texts": texts}), 413, "limit_exceeded", "100,001 characters",
                       "max_request_chars")
    assert err["detail"] == {"limit": "max_request_chars", "value": 100_000}
    ok = default_client.post(path, json={"texts": texts[:5]})  # exactly at the limit
    assert ok.status_code == 200 and len(ok.json()["results"]) == 5


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


def test_json_nested_too_deeply_is_a_422_not_a_500(client):
    body = b'{"texts": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"  # deeper than Python's JSON parser goes
    assert_error(client.post("/v1/segment", content=body, headers={"content-type": "application/json"}), 422,
                 "validation_error", "nested too deeply")


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_declared_json_is_415(client, kind):
    """The content types a browser sends cross-site without a preflight never reach the model."""
    for path in ("/v1/segment", "/v1/tag"):
        r = client.post(path, content='{"text": "我爱北京"}'.encode(), headers={"content-type": kind})
        assert_error(r, 415, "unsupported_media_type", "application/json")


@pytest.mark.parametrize("headers", [{"content-type": "application/json; charset=utf-8"},
                                     {"content-type": "application/vnd.api+json"}, {}])
def test_json_declared_any_usual_way_or_not_at_all_is_read(client, headers):
    r = client.post("/v1/segment", content='{"text": "我爱北京"}'.encode(), headers=headers)
    assert r.status_code == 200 and "".join(t["text"] for t in r.json()["results"][0]["tokens"]) == "我爱北京"
