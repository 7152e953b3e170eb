"""Operations: OpenAPI security and errors per route, local Swagger UI, gzip, request IDs, CORS,
metrics names and process metrics, settings errors that name the variable.
Cross-cutting: about the service as a whole, not one module."""

import re

import pytest
from segmenter_api.serve import SettingsError, load_settings

from segmenter import DEFAULT_MODEL
from tests.api.conftest import make_client


def test_openapi_declares_bearer_auth_and_only_the_errors_each_route_can_return(client):
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    seg = spec["paths"]["/v1/segment"]["post"]
    assert {"HTTPBearer": []} in seg["security"]
    assert {"401", "404", "413", "422", "503", "504"} <= set(seg["responses"])
    models = spec["paths"]["/v1/models"]["get"]["responses"]
    assert "401" in models and "404" not in models and "413" not in models
    health = spec["paths"]["/healthz"]["get"]["responses"]
    assert set(health) == {"200"}


def test_swagger_ui_is_served_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert srcs and all(s.startswith("/") for s in srcs), srcs  # no CDN
    for s in srcs:
        assert client.get(s).status_code == 200, s


def test_large_answers_are_gzipped_and_request_ids_echoed(client):
    r = client.post("/v1/segment", json={"texts": ["我爱北京天安门。" * 5] * 16}, headers={"X-Request-ID": "abc-123"})
    assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip"
    assert r.headers["x-request-id"] == "abc-123"
    small = client.post("/v1/segment", json={"text": "我"})
    assert "content-encoding" not in small.headers
    assert re.fullmatch(r"[0-9a-f]{32}", small.headers["x-request-id"])  # made up when not given
    bad = client.post("/v1/segment", json={"text": "我"}, headers={"X-Request-ID": "no spaces allowed"})
    assert bad.headers["x-request-id"] != "no spaces allowed"


def test_cors_is_off_by_default_and_opt_in():
    with make_client() as c:
        r = c.options("/v1/segment", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in r.headers
    with make_client(cors_origins="https://a.example") as c:
        r = c.options("/v1/segment", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"})
        assert r.headers["access-control-allow-origin"] == "https://a.example"


def test_metrics_follow_prometheus_names_with_queue_and_process_figures(client):
    client.post("/v1/segment", json={"text": "我爱北京"})
    text = client.get("/metrics").text
    assert re.search(r"^segmenter_requests_total\{", text, re.M)
    assert re.search(r"^segmenter_request_seconds_bucket\{", text, re.M)
    assert re.search(rf'^segmenter_queue_depth\{{model="{DEFAULT_MODEL}"\}} 0', text, re.M)
    rss = float(re.search(r"^segmenter_process_resident_memory_bytes (\S+)", text, re.M).group(1))
    assert rss > 10e6
    assert float(re.search(r"^segmenter_process_cpu_seconds_total (\S+)", text, re.M).group(1)) > 0


def test_a_bad_setting_names_its_variable(monkeypatch):
    monkeypatch.setenv("SEGMENTER_MODELS", "[pku")
    with pytest.raises(SettingsError, match=r"SEGMENTER_MODELS: .*\[\"a\", \"b\"\] or a,b"):
        load_settings()
    monkeypatch.setenv("SEGMENTER_MODELS", "multi-fast, pku-fast")
    assert load_settings().models == ["multi-fast", "pku-fast"]
    monkeypatch.setenv("SEGMENTER_PORT", "eighty")
    with pytest.raises(SettingsError, match="SEGMENTER_PORT: .*'eighty'"):
        load_settings()
