"""Speed of torch's CPU LSTM (oneDNN) alone for the network shapes considered for the models.

    python bench/lstm_shapes.py

For each (hidden, input width): one forward and one backward one-directional `nn.LSTM` over a
(batch, length, width) float32 input, as `BiRNNTagger` runs them, timed over repeated calls on
one torch thread; prints characters (batch x length) per second for the pair. It measures the
network's core only, not embeddings, the tag layer, Viterbi or text handling: what a smaller
hidden size or input width can buy before the rest of the pipeline counts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe

SHAPES = "128x200,64x200,64x128,64x96,48x128,48x96,32x96"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default=SHAPES, help="comma-separated HIDDENxWIDTH pairs")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--length", type=int, default=50)
    p.add_argument("--calls", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)

    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    print(f"# {describe()}; batch {args.batch}, length {args.length}, {args.threads} torch thread(s)")
    print("| hidden | input width | ms per pair of directions | chars/s |")
    print("|---|---|---|---|")
    for shape in args.shapes.split(","):
        hidden, width = (int(v) for v in shape.split("x"))
        fwd, bwd = nn.LSTM(width, hidden, batch_first=True), nn.LSTM(width, hidden, batch_first=True)
        x = torch.randn(args.batch, args.length, width)
        with torch.inference_mode():
            for _ in range(3):
                fwd(x), bwd(x)
            t = time.perf_counter()
            for _ in range(args.calls):
                fwd(x), bwd(x)
            dt = (time.perf_counter() - t) / args.calls
        print(f"| {hidden} | {width} | {dt * 1e3:.2f} | {args.batch * args.length / dt:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
