from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from segmenter_api.main import create_app
from segmenter_api.settings import Settings


def make_client(**overrides) -> TestClient:
    settings = Settings(_env_file=None, **overrides)
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def client():
    with make_client(max_chars_per_text=5000, max_texts=16, max_body_bytes=200_000) as c:
        yield c


def assert_error(response, status: int, kind: str, *phrases: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    err = response.json()["error"]
    assert err["type"] == kind
    for p in phrases:
        assert p in err["message"], err["message"]
    return err
