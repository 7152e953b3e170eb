"""Where one call's time goes, and what the network alone costs:

    python bench/stages.py --data ../shared/data

1. One 50-character `cut` (the default model, `threads=1`) and each stage of the pipeline run
   alone on the same texts: units, vocabulary ids and dictionary features, batch gathering, the
   network (the default runtime: the native int8 kernel), the Viterbi decoder, word spans; mean
   microseconds per call.
2. The native kernel alone, the default network and the same network with more hidden units
   (random weights of the default's shapes: what a larger default would cost), at batch 1 × 50
   and 64 × 50 characters, BMES outputs only (as `cut` runs it); median of repeated runs.
3. The ONNX Runtime graph alone (the fp32 runtime), fp32 and int8, at batch 1 × 50 and 64 × 50
   characters, and at batch 1 the time of each kind of node (ONNX Runtime's profiler).
One process, one thread; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import latency
from machine import describe

PROFILED = 300  # runs of the profiled session


def session(ort: Any, graph: bytes, external: dict[str, np.ndarray], profile: bool) -> Any:
    """An ONNX Runtime session as `ort.OrtTagger` makes it: one thread, no spinning."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.add_external_initializers(list(external), [ort.OrtValue.ortvalue_from_numpy(a) for a in external.values()])
    so.enable_profiling = profile
    so.profile_file_prefix = os.path.join(tempfile.gettempdir(), "stages")
    return ort.InferenceSession(graph, so, providers=["CPUExecutionProvider"])


def mean_us(f: Callable[[str], object], texts: list[str]) -> float:
    for t in texts[:50]:
        f(t)
    t0 = time.perf_counter()
    for t in texts:
        f(t)
    return 1e6 * (time.perf_counter() - t0) / len(texts)


def median_s(f: Callable[[], object], runs: int) -> float:
    """The median seconds of `runs` calls of `f` (after `latency.timings`' warm-up)."""
    times = latency.timings(lambda _: f(), [""] * runs)
    return times[len(times) // 2]


def native_sizes(art: Any, rng: np.random.Generator, hidden: tuple[int, ...] = (64, 80, 96, 128)) -> None:
    """The native kernel alone for the default network and wider ones (random weights with the
    default's other shapes), 1 × 50 and 64 × 50 characters, BMES outputs only."""
    from dataclasses import replace

    from segmenter.native import NativeTagger
    from segmenter.network import network
    from segmenter.tags import N_TAGS

    print("\n| native kernel alone, BMES outputs | hidden | multiply-adds a character | 1 × 50 median µs "
          "| 64 × 50 chars/s |\n|---|---|---|---|---|")
    for h in hidden:
        config = replace(art.config, hidden=h)
        if h == art.config.hidden:
            state = art.state
        else:  # the default's embeddings, random layers of the wider shapes (timing only)
            shapes = network(config).shapes()
            state = {k: art.state[k] if art.state[k].shape == shape else
                     rng.normal(0, 0.1, shape).astype(np.float32)
                     for k, shape in shapes.items()}
        tagger = NativeTagger(config, state)
        bmes = tagger.segmentation_scorer()
        net = network(config)
        macs = 2 * (4 * h * (2 * config.bigram_dim) + 4 * h * h) + 2 * h * N_TAGS  # bigrams, recurrence, BMES
        for batch in (1, 64):
            chars = rng.integers(1, config.n_units, (batch, 50))
            bigrams = rng.integers(1, config.n_bigrams, (batch, 51))
            lengths = np.full(batch, 50)
            stds = np.zeros(batch, dtype=np.int64)
            feats = (rng.random((batch, 50, net.features)) < 0.2).astype(np.float32) if net.features else None
            med = median_s(partial(bmes, chars, bigrams, lengths, stds, feats), 2000 if batch == 1 else 100)
            if batch == 1:
                one = med
        print(f"| {'default' if h == art.config.hidden else 'wider'} | {h} | {macs:,} | {1e6 * one:.1f} "
              f"| {64 * 50 / med:,.0f} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--n", type=int, default=2000)
    args = p.parse_args(argv)
    import onnxruntime as ort

    from segmenter import Segmenter, artifact, pipeline
    from segmenter.decode import viterbi
    from segmenter.onnx_graph import build
    from segmenter.tags import N_TAGS
    from segmenter.text import to_units

    seg = Segmenter.load(threads=1)
    texts = latency.texts_of_length(args.data / "pku" / "pku_test.utf8", 50, args.n)
    vocab, std = seg.vocab, seg.standards.index(seg.standard or "pku")

    def prepared(t: str) -> tuple:
        u = to_units(t)
        enc = vocab.encode_many([u], std)
        plan = pipeline.Plan.of([u], enc, seg.config.max_piece)
        rows = slice(0, len(plan.size))
        chars, bigrams, lengths, at, inside = plan.gather(enc, rows)
        return u, enc, plan, rows, chars, bigrams, lengths, at, inside

    ready = [prepared(t) for t in texts]
    it = {"i": 0}

    def nxt() -> tuple:
        it["i"] = (it["i"] + 1) % len(ready)
        return ready[it["i"]]

    def network(_: str) -> object:
        _, enc, plan, _, chars, bigrams, lengths, at, inside = nxt()
        return seg._infer(chars, bigrams, lengths, np.full(len(lengths), std), plan.features(enc, at, inside))

    scores = {id(r): seg._infer(r[4], r[5], r[6], np.full(len(r[6]), std), r[2].features(r[1], r[7], r[8]))
              for r in ready}

    def decode(_: str) -> object:
        r = nxt()
        return viterbi(np.ascontiguousarray(scores[id(r)][..., :N_TAGS]), r[6], None)

    def spans(_: str) -> object:
        r = nxt()
        return pipeline.word_spans([r[0]], r[1], np.zeros(len(r[1].chars), dtype=np.int16))

    stages = [("whole `cut`", seg.cut), ("units (`to_units`)", to_units),
              ("ids and dictionary features (`encode_many`)", lambda t: vocab.encode_many([to_units(t)], std)),
              ("batch gathering (`Plan.of`, `gather`)", lambda t: prepared(t)),
              (f"network ({seg.runtime.value})", network), ("Viterbi", decode), ("word spans", spans)]
    print(f"# {describe()}; default model, one 50-character text a call, {len(texts)} texts, 1 thread")
    print("| stage | µs per call |\n|---|---|")
    base = {}
    for name, f in stages:
        base[name] = mean_us(f, texts)
    base["ids and dictionary features (`encode_many`)"] -= base["units (`to_units`)"]
    base["batch gathering (`Plan.of`, `gather`)"] -= (base["units (`to_units`)"]
                                                      + base["ids and dictionary features (`encode_many`)"])
    for name, _ in stages:
        print(f"| {name} | {base[name]:.0f} |")

    art = artifact.load(seg.path)  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    native_sizes(art, rng)
    print("\n| graph alone | batch × characters | median ms | chars/s |\n|---|---|---|---|")
    kinds: dict[str, collections.Counter[str]] = {}
    for int8 in (False, True):
        graph, external = build(art.config, art.state, int8=int8)
        for batch in (1, 64):
            feed = {"chars": rng.integers(1, art.config.n_units, (batch, 50)),
                    "bigrams": rng.integers(1, art.config.n_bigrams, (batch, 51)),
                    "lengths": np.full(batch, 50), "standards": np.zeros(batch, dtype=np.int64),
                    "features": (rng.random((batch, 50, art.config.feature_dim)) < 0.2).astype(np.float32)}
            s = session(ort, graph, external, profile=False)
            med = median_s(partial(s.run, None, feed), 500 if batch == 1 else 50)
            print(f"| {'int8' if int8 else 'fp32'} | {batch} × 50 | {1000 * med:.3f} | {batch * 50 / med:,.0f} |")
            if batch == 1:  # the time of each kind of node, from a profiling InferenceSession (profiling slows it)
                s = session(ort, graph, external, profile=True)
                for _ in range(PROFILED):
                    s.run(None, feed)
                trace = Path(s.end_profiling())
                events = json.loads(trace.read_text())
                trace.unlink()
                c: collections.Counter[str] = collections.Counter()
                for e in events:
                    if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                        c[e["args"]["op_name"]] += e["dur"]
                kinds["int8" if int8 else "fp32"] = c
    print("\n| node kind, batch 1 × 50 (profiler, µs per run) | fp32 | int8 |\n|---|---|---|")
    total = PROFILED
    for op in sorted(set(kinds["fp32"]) | set(kinds["int8"]), key=lambda o: -kinds["fp32"].get(o, 0)):
        print(f"| {op} | {kinds['fp32'].get(op, 0) / total:.1f} | {kinds['int8'].get(op, 0) / total:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
