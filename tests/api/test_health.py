import re

from segmenter import DEFAULT_MODEL, Segmenter


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["models"] == Segmenter.available()


def test_metrics_count_requests_chars_batches_and_errors(client):
    client.post("/v1/segment", json={"text": "我爱北京天安门。"})
    client.post("/v1/segment", json={"text": "x", "model": "nope"})
    text = client.get("/metrics").text
    assert re.search(r'segmenter_requests_total\{route="/v1/segment",status="200"\} [1-9]', text)
    assert re.search(rf'segmenter_chars_total\{{kind="segment",model="{DEFAULT_MODEL}"\}} [1-9]', text)
    assert re.search(rf'segmenter_batch_texts_count\{{model="{DEFAULT_MODEL}"\}} [1-9]', text)
    # the latency histogram counted them (its +Inf bucket: a busy machine may take longer than any bound)
    assert re.search(r'segmenter_request_seconds_bucket\{le="\+Inf",route="/v1/segment"\} [1-9]', text)
    assert re.search(r'segmenter_errors_total\{kind="unknown_model"\} [1-9]', text)
