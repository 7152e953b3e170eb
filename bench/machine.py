"""Helpers shared by the benchmark scripts: what machine this is, free ports, resident memory."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def describe() -> str:
    """One line for a BENCHMARKS.md row: core count, CPU model, torch version."""
    import torch

    return f"nproc={os.cpu_count()}, {cpu_model()}, torch {torch.__version__}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int | None = None) -> float:
    """Resident memory of a process (default: this one) in MiB, from /proc."""
    status = Path(f"/proc/{pid or 'self'}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kb / 1024


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (e.g. uvicorn's worker processes)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += rss_mib(p)
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB."""
    status = Path("/proc/self/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return kb / 1024
