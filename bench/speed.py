"""Every speed and memory target of the default model against jieba, in one run:

    python bench/speed.py --data ../shared/data --big-mb 20 --pythons 3.11,3.12,3.13

1. One call at a time (one child process holding the default model with `threads=1`, the
   `segmenter.compat.jieba` shim and jieba 0.42.1's default mode): a loop of one call per line over
   the PKU test (characters per second), and the p50/p99 of one call on 50-character texts.
2. Batches (`bench/throughput.py`, each engine in its own child process): `cut_batch` with one
   thread and with the default threads, at the default precision ("auto": int8 on the native
   kernel) and at fp32 (ONNX Runtime), on the PKU test and on `--big-mb` MB
   of corpus text, against `jieba.lcut` per line (one core); with peak RSS.
3. Cold start per Python version, from the wheel built from this checkout (no torch, no onnx),
   each in a virtual environment made under `--venvs` (kept, and reused when present): load +
   first `cut` in-process, `segmenter segment` on one sentence (process start to exit), RSS
   (`bench/startup.py`, median of `--repeat` fresh processes).
4. Memory of the accurate model on a big input: peak RSS of `segmenter segment --model multi`
   over the PFR file (1.8M characters) in the first Python's environment (no torch, as the
   README's first install gives).
Figures are printed as Markdown tables for BENCHMARKS.md. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import latency
import throughput
from machine import describe

REPO = Path(__file__).resolve().parent.parent


def one_call_child(data: Path, n: int) -> dict[str, dict[str, float]]:
    """Runs in a child process: per-line loop and 50-character latency of three engines."""
    import logging

    import jieba

    import segmenter.compat.jieba as shim
    from segmenter import Segmenter

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    seg = Segmenter.load(threads=1)  # precision "auto": int8 on the native kernel
    fp32 = Segmenter.load(threads=1, precision="fp32")  # ONNX Runtime
    lines = [ln for ln in throughput.read_lines(data / "pku" / "pku_test.utf8") if ln]
    texts = latency.texts_of_length(data / "pku" / "pku_test.utf8", 50, n)
    out = {}
    for name, cut in (("Segmenter.cut", seg.cut), ("Segmenter.cut, precision fp32", fp32.cut),
                      ("segmenter.compat.jieba.lcut", shim.lcut), ("jieba.lcut", jieba.lcut)):
        for t in lines[:200]:
            cut(t)
        loops = []
        for _ in range(3):
            t0 = time.perf_counter()
            for t in lines:
                cut(t)
            loops.append(time.perf_counter() - t0)
        calls = latency.timings(cut, texts)  # sorted
        out[name] = {"loop_chars_per_s": sum(map(len, lines)) / statistics.median(loops),
                     "p50_ms": 1000 * calls[len(calls) // 2], "p99_ms": 1000 * calls[int(0.99 * len(calls))]}
    return out


def wheel_envs(pythons: list[str], venvs: Path) -> dict[str, Path]:
    """A virtual environment per Python version with the wheel of this checkout (no torch)."""
    venvs.mkdir(parents=True, exist_ok=True)
    dist = venvs / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(REPO),
                    "-w", str(dist)], check=True)
    (wheel,) = dist.glob("*.whl")
    out = {}
    for version in pythons:
        found = sorted((Path.home() / ".pyenv" / "versions").glob(f"{version}.*/bin/python3"))
        exe = str(found[-1]) if found else shutil.which(f"python{version}")
        if exe is None:
            print(f"# python{version} not found: skipped", flush=True)
            continue
        env = venvs / f"py{version}"
        if not (env / "bin" / "python").exists():
            subprocess.run([exe, "-m", "venv", str(env)], check=True)
        subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps",
                        str(wheel)], check=True)
        subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True)
        out[version] = env
    return out


def peak_of(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of a command run to its end (its own rusage, not this process's)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--big-mb", type=int, default=20)
    p.add_argument("--pythons", default="3.11,3.12,3.13")
    p.add_argument("--venvs", type=Path, default=Path(tempfile.gettempdir()) / "segmenter-bench-venvs")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--n", type=int, default=1000, help="50-character texts timed one call each")
    p.add_argument("--skip", default="", help="comma-separated sections to skip: calls,batches,start,memory")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(one_call_child(args.data, args.n)))
        return 0
    skip = set(args.skip.split(",")) - {""}
    print(f"# {describe()}; {time.strftime('%Y-%m-%d')}; default model", flush=True)

    if "calls" not in skip:
        out = subprocess.run([sys.executable, __file__, "--child", "--data", str(args.data), "--n", str(args.n)],
                             check=True, capture_output=True, text=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        base = res["jieba.lcut"]
        print("\n| one call at a time (PKU test, 1 thread) | loop chars/s | vs jieba | 50 chars p50 ms | p50 vs jieba "
              "| p99 ms |\n|---|---|---|---|---|---|")
        for name, r in res.items():
            loop = r["loop_chars_per_s"]
            print(f"| `{name}` | {loop:,.0f} | {loop / base['loop_chars_per_s']:.2f}x | {r['p50_ms']:.3f} "
                  f"| {r['p50_ms'] / base['p50_ms']:.2f}x | {r['p99_ms']:.3f} |", flush=True)

    if "batches" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            inputs = [args.data / "pku" / "pku_test.utf8"]
            if args.big_mb:
                inputs.append(throughput.make_big_input(args.data, args.big_mb, Path(tmp) / f"{args.big_mb}MB.txt"))
            print("\n| batches | input | threads | precision | segmenter chars/s | jieba chars/s | vs jieba "
                  "| peak RSS MiB |\n|---|---|---|---|---|---|---|---|", flush=True)
            for path in inputs:
                ns = argparse.Namespace(model="multi-fast", threads=1, chunk=2000, precision="auto", repeat=args.repeat)
                jieba_r = throughput.measure("jieba", path, ns)
                for threads in (1, os.cpu_count() or 1):
                    for precision in ("auto", "fp32"):
                        ns.threads, ns.precision = threads, precision
                        r = throughput.measure("segmenter", path, ns)
                        print(f"| `cut_batch` | {path.name} | {threads} | {precision} | {r['chars_per_s']:,} "
                              f"| {jieba_r['chars_per_s']:,} | {r['chars_per_s'] / jieba_r['chars_per_s']:.2f}x "
                              f"| {r['peak_rss_mib']} |", flush=True)

    envs = wheel_envs(args.pythons.split(","), args.venvs) if not {"start", "memory"} <= skip else {}
    if "start" not in skip:
        print("\n| cold start, wheel without torch or onnx | Python | `segmenter segment` one sentence s "
              "| load + first cut s | RSS MiB |\n|---|---|---|---|---|", flush=True)
        for version, env in envs.items():
            out = subprocess.run([sys.executable, str(Path(__file__).parent / "startup.py"), "--python",
                                  str(env / "bin" / "python"), "--model", "multi-fast", "--repeat", str(args.repeat)],
                                 check=True, capture_output=True, text=True)
            row = out.stdout.strip().splitlines()[-1].split("|")
            print(f"| multi-fast | {version} | {row[2].strip()} | {row[3].strip()} | {row[4].strip()} |", flush=True)

    if "memory" not in skip and envs:
        version, env = next(iter(envs.items()))
        pfr = args.data / "pku" / "pfr199801_seg.utf8"
        print("\n| big input | environment | input | wall s | peak RSS MiB |\n|---|---|---|---|---|")
        runs = [(f"wheel, no torch, Python {version}", [str(env / "bin" / "segmenter")], model)
                for model in ("multi", "multi-fast")]
        runs.append(("this one (torch installed: `multi` on torch)", [sys.executable, "-m", "segmenter"], "multi"))
        for where, cli, model in runs:
            with tempfile.TemporaryDirectory() as tmp:  # a file: never the system's /dev/null
                wall, peak = peak_of([*cli, "segment", "-q", "--model", model, str(pfr), "-o", str(Path(tmp) / "o")])
            print(f"| `segmenter segment --model {model}` | {where} | {pfr.name} | {wall:.1f} | {peak:.0f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
