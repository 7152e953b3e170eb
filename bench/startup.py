"""Cold start and memory of inference as a user installs it (no torch): the time of
`segmenter segment` on one sentence, from process start to exit, and the resident memory of a
process holding a model after one call.

    python -m venv $VENV && $VENV/bin/pip install .      # the package, without torch
    python bench/startup.py --python $VENV/bin/python --model multi --model multi-fast

Each figure is the median of `--repeat` fresh processes (the page cache is warm after the first).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe

SENTENCE = "我爱北京天安门。"
PROBE = """
import json, sys, time
t0 = time.perf_counter()
from segmenter import Segmenter
seg = Segmenter.load(sys.argv[1])
seg.cut(sys.argv[2])
load = time.perf_counter() - t0
rss = int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) / 1024
print(json.dumps({"load_s": load, "rss_mib": rss, "torch": "torch" in sys.modules, "onnx": "onnx" in sys.modules,
                  "runtime": seg.runtime.value}))
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--python", default=sys.executable, help="interpreter of the environment to measure")
    p.add_argument("--model", action="append", default=[])
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    cli = str(Path(args.python).parent / "segmenter")
    print(f"# {describe()}; {args.python}; median of {args.repeat} fresh processes")
    print("| model | `segmenter segment` one sentence, wall s | load + first call in-process s | RSS MiB "
          "| torch imported | onnx imported | runtime |")
    print("|---|---|---|---|---|---|---|")
    for model in args.model or ["multi"]:
        walls, probes = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = subprocess.run([cli, "segment", "-q", "--model", model], input=SENTENCE + "\n", text=True,
                                 capture_output=True, check=True)
            walls.append(time.perf_counter() - t0)
            assert out.stdout.replace(" ", "").strip() == SENTENCE
            probe = subprocess.run([args.python, "-c", PROBE, model, SENTENCE], capture_output=True, text=True,
                                   check=True)
            probes.append(json.loads(probe.stdout))
        load = statistics.median(p["load_s"] for p in probes)
        rss = statistics.median(p["rss_mib"] for p in probes)
        print(f"| {model} | {statistics.median(walls):.3f} | {load:.3f} | {rss:.0f} | {probes[0]['torch']} "
              f"| {probes[0]['onnx']} | {probes[0]['runtime']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
