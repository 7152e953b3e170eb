"""Prometheus metrics, one registry per app (two apps in one process never collide).

With several worker processes (`SEGMENTER_WORKERS` > 1) every metric is kept in prometheus-
client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, set by `segmenter serve`), so that a
scrape, answered by any one worker, shows the sum over all of them; gauges sum over the live
workers. Names follow Prometheus conventions: `_total` counters, `_seconds` and `_bytes` units.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get(MULTIPROC_DIR))
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("segmenter_requests", "HTTP requests", ["route", "status"], registry=r)
        self.latency = Histogram("segmenter_request_seconds", "HTTP request latency", ["route"],
                                 buckets=_LATENCY_BUCKETS, registry=r)
        self.chars = Counter("segmenter_chars", "characters processed", ["model", "kind"], registry=r)
        self.batch_texts = Histogram("segmenter_batch_texts", "texts per model call", ["model"],
                                     buckets=_BATCH_BUCKETS, registry=r)
        self.errors = Counter("segmenter_errors", "error responses by kind", ["kind"], registry=r)
        self.queue_depth = Gauge("segmenter_queue_depth", "requests waiting for or in a model call", ["model"],
                                 registry=r, multiprocess_mode="livesum")
        self.queued_chars = Gauge("segmenter_queued_chars", "characters waiting for a model", ["model"],
                                  registry=r, multiprocess_mode="livesum")
        self.rss = Gauge("segmenter_process_resident_memory_bytes", "resident memory of the worker processes",
                         registry=r, multiprocess_mode="livesum")
        self.cpu = Counter("segmenter_process_cpu_seconds", "CPU time of the worker processes (user + system)",
                           registry=r)
        self._cpu_seen = 0.0

    def observe_queues(self, batchers: Mapping[str, Any]) -> None:
        """Queue depth and queued characters of every model's batcher."""
        for name, b in batchers.items():
            self.queue_depth.labels(name).set(b.depth)
            self.queued_chars.labels(name).set(b.queued_chars)

    def refresh_process(self) -> None:
        """Update this process's memory and CPU figures (called on scrape and periodically)."""
        self.rss.set(_rss_bytes())
        t = time.process_time()
        if t > self._cpu_seen:
            self.cpu.inc(t - self._cpu_seen)
            self._cpu_seen = t

    def exposition(self) -> bytes:
        """The text format of every metric: this app's, or in multiprocess mode all workers'."""
        self.refresh_process()
        if self.multiprocess:
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)
            return bytes(generate_latest(merged))
        return bytes(generate_latest(self.registry))
