"""Prometheus metrics, one registry per app (two apps in one process never collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("segmenter_requests", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram("segmenter_request_seconds", "HTTP request latency", ["route"],
                                 buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.chars = Counter("segmenter_chars", "characters processed", ["model", "kind"], registry=self.registry)
        self.batch_texts = Histogram("segmenter_batch_texts", "texts per model batch", ["model"],
                                     buckets=_BATCH_BUCKETS, registry=self.registry)
        self.errors = Counter("segmenter_errors", "error responses by kind", ["kind"], registry=self.registry)
