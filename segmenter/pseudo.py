"""A standard's training corpus extended with other text labelled by a model in that standard.

    python -m segmenter.pseudo --model TEACHER --standard pku --base pfr199801_pos.utf8 \\
        --out-train pku_plus.pos --out-dev pku_dev.pos ctb6/train.txt weibo/train.txt ...

Cross-standard pseudo-labels for distillation: the teacher segments (and, with a part-of-speech
tagger and a tagged base corpus, tags) the raw text of every FILE in `--standard`; the
sentences follow the base corpus's training part in `--out-train`, so that a student trained
with `--train pku=OUT_TRAIN --dev pku=OUT_DEV --teacher TEACHER` sees PKU-standard labels (the
teacher's) on news, web text, novels and micro-blogs, not on one month of 1998 newspaper only.
With `--out-dev`, the base corpus's development part (its last `--dev-fraction`, as
`segmenter train` splits it) goes there untouched and stays out of `--out-train`; without it
(a base with a development file of its own) all of the base is training. FILES should be
training files only: development text of any standard must stay out of training.

FILES are segmented corpora (`corpus.read_corpus`) whose words are joined into raw text; their
own segmentation is not used. A FILE also given as `--hold-out` (PFR, whose development set is
its last 10%) gives only its training part. Output is in PFR form (`word/POS`, the first line with a PFR
sentence ID so that `--corpus-format auto` reads it) when the base has parts of speech, else
words separated by spaces. A labelled sentence that the PFR form cannot hold (`corpus.pfr_line`)
is left out and counted. Outputs are written atomically and may not be inputs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from segmenter.cli import env_models_dir
from segmenter.corpus import Sentence, pfr_line, read_corpus, split_dev, training_sentences
from segmenter.errors import InvalidInputError, SegmenterError
from segmenter.process import configure_process
from segmenter.segmenter import Segmenter
from segmenter.stream import atomic_output, check_plan

log = logging.getLogger(__name__)

PFR_FIRST_ID = "19980101-01-001-001/m"  # marks the file as PFR for format detection


def label(seg: Segmenter, texts: Sequence[str], pos: bool, batch: int = 512) -> Iterator[Sentence]:
    """The `Segmenter` `seg`'s sentence for every text, in its standard, with parts of speech if `pos`."""
    for i in range(0, len(texts), batch):
        for a in seg.analyse(texts[i:i + batch]):
            words = a.words()
            yield Sentence(words, [str(p) for p in a.word_pos()] if pos else None)


def write_corpus(path: Path, gold: Iterable[Sentence], labelled: Iterable[Sentence],
                 pfr: bool) -> tuple[int, int, int]:
    """Write the `gold` sentences, then the `labelled` ones, one a line, atomically (a failed
    run leaves no file); returns (gold written, labelled written, labelled left out). A gold
    sentence the PFR form cannot hold is an error; a labelled one is left out and counted."""
    counts = [0, 0, 0]
    with atomic_output(path) as out:
        for k, sentences in enumerate((gold, labelled)):
            for sent in sentences:
                line = pfr_line(sent) if pfr else " ".join(sent.words)
                if line is None:
                    if k == 0:
                        raise ValueError(f"a sentence of the base corpus cannot be written in the PFR form: "
                                         f"{sent.text[:40]!r}")
                    counts[2] += 1
                    continue
                out.write(f"{PFR_FIRST_ID} {line}\n" if pfr and counts[0] + counts[1] == 0 else line + "\n")
                counts[k] += 1
    return counts[0], counts[1], counts[2]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m segmenter.pseudo", description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+", help="segmented corpora whose raw text the model labels")
    p.add_argument("--model", required=True, help="the labelling model (name or directory), e.g. the teacher")
    p.add_argument("--standard", help="the standard to label in (default: the model's)")
    p.add_argument("--base", required=True, help="the standard's own training corpus (gold labels first)")
    p.add_argument("--dev-fraction", type=float, default=0.1,
                   help="the base corpus's last share kept out as its development set (as segmenter train)")
    p.add_argument("--out-train", required=True)
    p.add_argument("--out-dev", help="where the base's development part goes (default: no split)")
    p.add_argument("--hold-out", action="append", default=[],
                   help="a file of FILES whose last --dev-fraction is a development set: left out (repeatable)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    t0 = time.perf_counter()
    try:
        for flag, out in (("--out-train", args.out_train), ("--out-dev", args.out_dev)):
            check_plan([args.base, *args.files], out, flag)
        if args.out_dev and Path(args.out_dev).resolve() == Path(args.out_train).resolve():
            raise InvalidInputError("--out-train and --out-dev name the same file")
        configure_process(threads=1)  # Segmenter runs its batches side by side, one thread each
        base_train = read_corpus(args.base)
        pfr = base_train[0].pos is not None
        base_dev: list[Sentence] = []
        if args.out_dev:
            base_train, base_dev = split_dev(base_train, args.dev_fraction)
        texts = [s.text for s in training_sentences(args.files, args.hold_out, args.dev_fraction)]
        seg = Segmenter.load(args.model, standard=args.standard, threads=args.threads, models_dir=env_models_dir())
        if pfr:
            seg.require_pos(True)
        n_base, n_labelled, skipped = write_corpus(Path(args.out_train), base_train, label(seg, texts, pfr), pfr)
        dev_note = ""
        if args.out_dev:
            n_dev = write_corpus(Path(args.out_dev), base_dev, [], pfr)[0]
            dev_note = f"; {args.out_dev}: {n_dev}"
    except (SegmenterError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.out_train}: {n_base} base + {n_labelled} labelled sentences ({skipped} left out)"
          f"{dev_note}; {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
