"""Process-wide set-up for inference, in one place.

Called by the program that owns the process (the CLI commands, the service's lifespan, worker
initialisers), never by a constructor or an import: it sets the torch thread count (when torch
is installed and imported) and bounds oneDNN's primitive cache.
"""

from __future__ import annotations

import gc
import math
import os
import sys
from pathlib import Path

ONEDNN_CACHE = "ONEDNN_PRIMITIVE_CACHE_CAPACITY"


def bound_backend_caches(capacity: int = 16) -> None:
    """Keep at most `capacity` compiled oneDNN primitives in this process (unless the variable
    is already set). Must run before the first inference on torch.

    torch's CPU LSTM builds a oneDNN primitive, with its own workspace, for every input shape and
    caches up to 1024 of them: a server that sees every batch size and length grew from 360 to
    800 MiB over 100k requests (the soak of `bench/load.py`, BENCHMARKS.md: Service under load).
    16 bounds the growth for a few percent of speed (`bench/backend_cache.py`, BENCHMARKS.md).
    """
    os.environ.setdefault(ONEDNN_CACHE, str(capacity))


def configure_process(threads: int | None = None) -> None:
    """Bound the backend caches and give torch `threads` intra-op threads: now if it is imported,
    else through OMP_NUM_THREADS when it is (so that inference on ONNX Runtime never pays for
    importing torch). ONNX Runtime needs no setting: its sessions run one thread each, and
    `Segmenter` runs batches side by side."""
    bound_backend_caches()
    if not threads:
        return
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
    else:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def usable_cores(cgroup_root: str | Path = "/sys/fs/cgroup") -> int:
    """The cores this process may use: its CPU affinity, capped by a container's CPU quota
    (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    root = Path(cgroup_root)
    quota = period = None
    try:
        fields = (root / "cpu.max").read_text().split()
        if fields and fields[0] != "max":
            quota, period = int(fields[0]), int(fields[1])
    except (OSError, ValueError, IndexError):
        try:
            q = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
            if q > 0:
                quota, period = q, int((root / "cpu" / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            pass
    if quota and period:
        cores = min(cores, max(1, math.ceil(quota / period)))
    return max(1, cores)


def freeze_heap() -> None:
    """Move every object that exists now (after loading the models: the runtimes, the networks,
    the vocabularies: objects that live as long as the process) out of the garbage
    collector's full passes, which otherwise walk them all every few thousand allocations."""
    gc.freeze()
