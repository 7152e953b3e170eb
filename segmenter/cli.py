"""`segmenter train | eval | segment | discover | serve`: thin wrappers over the library.

Every expected failure (missing file, bad corpus line, unknown model, an input or output that
cannot be read or written) is one line on stderr and exit status 2. Ctrl-C is one line and
exit status 130; a reader of standard output who leaves (`| head`) ends the run quietly with
status 141, as a tool killed by SIGPIPE.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from segmenter import __version__
from segmenter.config import Precision
from segmenter.corpus import DEV_FRACTION
from segmenter.errors import InvalidInputError, SegmenterError, missing_extra
from segmenter.process import configure_process, freeze_heap

EXIT_USAGE = 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, a shell's status for a program ended by Ctrl-C
EXIT_BROKEN_PIPE = 128 + 13  # 141, a shell's status for a program killed by SIGPIPE (13 on every Unix)


def env_models_dir() -> Path | None:
    """`SEGMENTER_MODELS_DIR`, the folder of named models of the commands without --models-dir
    (`train --init NAME`, `python -m segmenter.pseudo`), passed on as `models_dir`: the library
    itself reads no environment variable. None (the shipped models) when unset or empty."""
    env = os.environ.get("SEGMENTER_MODELS_DIR")
    return Path(env).expanduser() if env else None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _named_paths(values: Sequence[str], flag: str) -> list[tuple[str | None, str]]:
    """`--train`/`--dev` values: `NAME=PATH` (a standard and its corpus) or a bare `PATH`."""
    out: list[tuple[str | None, str]] = []
    for v in values:
        name, eq, path = v.partition("=")
        if eq and name and "/" not in name and "\\" not in name:
            if not path:
                raise InvalidInputError(f"{flag} {v!r}: no file after {name}=")
            out.append((name, path))
        else:
            out.append((None, v))
    named = [n for n, _ in out if n is not None]
    if named and len(named) != len(out):
        raise InvalidInputError(f"{flag}: give every corpus as NAME=PATH (a standard and its file), or none")
    if len(set(named)) != len(named):
        raise InvalidInputError(f"{flag}: a standard is named twice")
    return out


def _corpora(args: argparse.Namespace) -> list[Any]:
    """The `Corpus` of each standard of `segmenter train`: its files, and its dev files or split."""
    from segmenter.corpus import read_corpus, split_dev
    from segmenter.training.data import Corpus

    train_paths = _named_paths(args.train, "--train")
    dev_paths = _named_paths(args.dev or [], "--dev")
    if train_paths[0][0] is None:  # one standard from every file, as before
        if dev_paths and dev_paths[0][0] is not None:
            raise InvalidInputError("--dev NAME=PATH needs --train NAME=PATH")
        train_set = [s for _, path in train_paths for s in read_corpus(path, args.format)]
        if dev_paths:
            dev_set = [s for _, path in dev_paths for s in read_corpus(path, args.format)]
        else:
            train_set, dev_set = split_dev(train_set, args.dev_fraction)
        return [Corpus(args.standard or "", train_set, dev_set)]
    devs = {name: path for name, path in dev_paths if name is not None}
    unknown = sorted(set(devs) - {str(name) for name, _ in train_paths})
    if unknown or (dev_paths and dev_paths[0][0] is None):
        raise InvalidInputError(f"--dev names a standard with no --train corpus: {unknown or 'a bare path'}")
    corpora = []
    for name, path in train_paths:
        assert name is not None
        train_set = read_corpus(path, args.format)
        if name in devs:
            dev_set = read_corpus(devs[name], args.format)
        else:
            train_set, dev_set = split_dev(train_set, args.dev_fraction)
        corpora.append(Corpus(name, train_set, dev_set))
    return corpora


def _cmd_train(args: argparse.Namespace) -> int:
    from segmenter import recipe
    from segmenter.artifact import sha256_file
    from segmenter.tags import joint_labels

    try:
        from segmenter.training.data import pos_tag_set
        from segmenter.training.loop import train
        from segmenter.training.start import model_path
    except ModuleNotFoundError as e:  # torch, the train extra
        raise missing_extra("segmenter train", "train", e) from e

    if args.step is not None and not args.config:
        raise InvalidInputError("--step names a step of a recipe: give --config RECIPE.toml")
    followed = _apply_recipe(args) if args.config else None
    if not args.train or not args.out:
        raise InvalidInputError("give --train and --out (on the command line or in the --config recipe)")
    corpora = _corpora(args)
    cfg = recipe.train_config(args)
    # the network options given; with --init the model's own for the others, else ModelConfig's defaults
    model_options = recipe.model_options(args)
    if args.init:
        if args.pos:  # a joint model keeps its tag set; one that has none contradicts --pos
            model_options["pos"] = True
    else:
        if len(corpora) == 1:
            model_options.update(standard_dim=0)
        if args.pos:
            try:
                model_options["labels"] = joint_labels(pos_tag_set([s for c in corpora for s in c.train]))
            except ValueError as e:
                raise InvalidInputError(f"--pos: {e}") from None
    for p in [args.pretrained, *(args.teacher or [])]:
        if p and not Path(p).exists():
            raise InvalidInputError(f"{p}: no such file or directory")
    files = [path for _, path in _named_paths(args.train, "--train")]  # the same reading as _corpora's
    dev_files = [path for _, path in _named_paths(args.dev or [], "--dev")]
    meta = {
        "train_files": {str(p): sha256_file(Path(p)) for p in files},
        "dev_files": {str(p): sha256_file(Path(p)) for p in dev_files},
        "standard": (corpora[0].standard or None) if len(corpora) == 1 else None,
        "standards": {c.standard: {"train_sentences": len(c.train), "dev_sentences": len(c.dev)} for c in corpora},
        "dev_split": None if args.dev and len(dev_files) == len(files)
        else f"last {args.dev_fraction:.0%} of sentences of a training file without --dev",
        "train_sentences": sum(len(c.train) for c in corpora),
        "dev_sentences": sum(len(c.dev) for c in corpora),
        "pretrained": str(args.pretrained) if args.pretrained else None,
        "teacher": (str(args.teacher[0]) if len(args.teacher) == 1 else [str(t) for t in args.teacher])
        if args.teacher else None,
        "init": str(model_path(args.init, env_models_dir())) if args.init else None,
        "command": "segmenter " + shlex.join(args.argv),
        "recipe": followed,
        "git_commit": _git_commit(),
        "segmenter_version": __version__,
    }
    summary = train(corpora, args.out, model_options, cfg, meta=meta, resume=args.resume,
                    progress=not args.quiet, pretrained=args.pretrained, teacher=args.teacher, init=args.init,
                    models_dir=env_models_dir())
    print(json.dumps(summary))
    return 0


def _apply_recipe(args: argparse.Namespace) -> dict[str, Any]:
    """Set the options of the recipe `args.config` (its step `args.step`) that the command line
    does not give; what meta.json records of it."""
    from segmenter import recipe

    book = recipe.read_recipe(args.config)
    step, options = recipe.recipe_step(book, args.config, args.step)
    parser = argparse.ArgumentParser(add_help=False)
    _add_train_options(parser)
    words = args.argv[args.argv.index("train") + 1:] if "train" in args.argv else args.argv
    where = f"{args.config}" + (f", step {step!r}" if step else "")
    recipe.apply_recipe(args, parser, options, recipe.explicit_dests(parser, words), where)
    return recipe.recipe_meta(args.config, step)


def _cmd_eval(args: argparse.Namespace) -> int:
    from segmenter.baselines import jieba_cut, jieba_posseg, pkuseg_cut
    from segmenter.corpus import read_corpus, read_word_list, split_dev
    from segmenter.scoring import score, score_tagged
    from segmenter.segmenter import Segmenter

    gold = read_corpus(args.gold, args.format)
    if args.dev_split:
        gold = split_dev(gold, args.dev_fraction)[1]
    if args.pos and any(s.pos is None for s in gold):
        raise InvalidInputError(f"--pos needs a POS-tagged gold file (format pfr); {args.gold} has no tags")
    words = read_word_list(args.words) if args.words else None
    texts = [s.text for s in gold]
    configure_process(threads=1)  # Segmenter runs its batches side by side, one thread each
    seg = Segmenter.load(args.model, batch_size=args.batch_size, precision=args.precision,
                         user_dict=args.user_dict, standard=args.standard, models_dir=args.models_dir)
    freeze_heap()
    seg.require_pos(args.pos)
    t0 = time.perf_counter()
    tokens = seg.tokenize_batch(texts, pos=args.pos)
    seconds = time.perf_counter() - t0
    gold_words = [s.words for s in gold]
    result = _score_json(score(gold_words, [[t.text for t in toks] for toks in tokens], words), seconds)
    result["model"] = seg.name + (f" ({seg.standard})" if seg.standards else "")
    if args.user_dict:
        result["user_dict"] = {"file": str(args.user_dict), "entries": len(seg.lexicon)}
    gold_tagged = [list(zip(s.words, s.pos or ())) for s in gold]
    if args.pos:
        result["pos"] = score_tagged(gold_tagged, [[(t.text, t.pos or "") for t in toks] for toks in tokens]).to_json()
    if args.baseline == "jieba":
        if args.pos:
            tagged, jseconds = jieba_posseg(texts)
            base = _score_json(score(gold_words, [[w for w, _ in row] for row in tagged], words), jseconds)
            base["pos"] = score_tagged(gold_tagged, tagged).to_json()
            base["model"] = "jieba.posseg (tags mapped to PKU)"
        else:
            jpred, jseconds = jieba_cut(texts)
            base = _score_json(score(gold_words, jpred, words), jseconds)
            base["model"] = "jieba (default accurate mode)"
        result["baseline"] = base
    elif args.baseline == "pkuseg":
        if args.pos:
            raise InvalidInputError("--baseline pkuseg scores words only (no --pos)")
        ppred, pseconds = pkuseg_cut(texts)
        base = _score_json(score(gold_words, ppred, words), pseconds)
        base["model"] = "pkuseg (default mixed-domain model)"
        result["baseline"] = base
    if args.record:
        _record(seg, args, result)
    if args.json:
        print(json.dumps(result))
    else:
        _print_table(result, sys.stdout)
    return 0


def _record(seg: Any, args: argparse.Namespace, result: dict[str, Any]) -> None:
    """Store the score in the model's meta.json under "test" (the weights are not touched); for a
    multi-standard model under "test_by_standard" too, and under "test" for its default standard."""
    from segmenter import artifact

    if not seg.path:
        raise SegmenterError("--record needs a model loaded from a directory")
    meta = artifact.read_meta(seg.path)
    entry = {k: v for k, v in result.items() if k != "baseline"}
    entry.update(gold=str(args.gold), words=str(args.words) if args.words else None,
                 command="segmenter " + shlex.join(args.argv), date=time.strftime("%Y-%m-%d"))
    if "baseline" in result:
        entry["baseline"] = result["baseline"]
    if seg.standards:
        meta.setdefault("test_by_standard", {})[seg.standard] = entry
        if seg.standard == seg.standards[0]:
            meta["test"] = entry
    else:
        meta["test"] = entry
    artifact.write_meta(seg.path, meta)


def _score_json(s: Any, seconds: float) -> dict[str, Any]:
    return {"precision": s.precision, "recall": s.recall, "f1": s.f1, "oov_recall": s.oov_recall,
            "iv_recall": s.iv_recall, "chars": s.chars, "seconds": round(seconds, 3),
            "gold_words": s.gold_words, "pred_words": s.pred_words}


def _print_table(result: dict[str, Any], out: TextIO) -> None:
    rows = [result] + ([result["baseline"]] if "baseline" in result else [])

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{100 * v:.2f}"

    tagged = "pos" in result
    out.write(f"{'model':<36}{'P':>8}{'R':>8}{'F1':>8}{'OOV-R':>8}{'IV-R':>8}{'chars/s':>10}"
              + (f"{'POS-F1':>8}" if tagged else "") + "\n")
    for r in rows:
        cps = r["chars"] / r["seconds"] if r["seconds"] else 0.0
        out.write(f"{r['model']:<36}{pct(r['precision']):>8}{pct(r['recall']):>8}{pct(r['f1']):>8}"
                  f"{pct(r['oov_recall']):>8}{pct(r['iv_recall']):>8}{cps:>10.0f}"
                  + (f"{pct(r['pos']['f1']):>8}" if tagged else "") + "\n")


def _cmd_segment(args: argparse.Namespace) -> int:
    from segmenter.segmenter import Segmenter
    from segmenter.stream import Job, OnError, OutputFormat, WorkerModel, segment_files

    if args.workers < 1:
        raise InvalidInputError("--workers must be at least 1")
    if args.engine == "ray":
        return _segment_on_ray(args)
    try:
        "".encode(args.encoding)
    except LookupError:
        raise InvalidInputError(f"unknown encoding {args.encoding!r}") from None
    if args.threads < 0:
        raise InvalidInputError("--threads must be at least 1 (or 0: the cores divided among the workers)")
    from segmenter.process import usable_cores

    threads = args.threads or max(1, usable_cores() // args.workers)
    seg: Any
    if args.workers > 1:  # the workers load the model; here it is only checked
        seg = WorkerModel.find(args.model, models_dir=args.models_dir, precision=args.precision,
                               user_words=_user_entries(args), standard=args.standard)
    else:
        configure_process(threads=1)  # Segmenter runs its batches side by side, one thread each
        seg = Segmenter.load(args.model, precision=args.precision, user_words=_user_entries(args),
                             threads=threads, standard=args.standard, models_dir=args.models_dir)
        freeze_heap()
    job = Job(inputs=args.files, output=args.output, fmt=OutputFormat(args.format), encoding=args.encoding,
              on_error=OnError(args.on_error), pattern=args.glob, resume=args.resume, workers=args.workers,
              threads=threads, pos=args.pos, progress=not args.quiet and sys.stderr.isatty())
    summary = segment_files(seg, job)
    if not args.quiet:
        rate = summary.chars / summary.seconds if summary.seconds else 0.0
        print(f"segmenter: {summary.files} file(s), {summary.lines:,} lines, {summary.chars:,} characters in "
              f"{summary.seconds:.1f} s ({rate:,.0f} chars/s); {summary.skipped} skipped and {summary.replaced} "
              f"replaced undecodable lines; {len(summary.resumed)} output(s) already complete",
              file=sys.stderr)
    return 0


def _user_entries(args: argparse.Namespace) -> list[Any]:
    """The user dictionary of `segmenter segment`: --user-dict files, then --user-word entries."""
    from segmenter.lexicon import read_user_dict

    entries: list[Any] = [e for path in args.user_dict or [] for e in read_user_dict(path)]
    return entries + list(args.user_word or [])


def _segment_on_ray(args: argparse.Namespace) -> int:
    from segmenter.distributed import segment_files_on_ray
    from segmenter.stream import OutputFormat, WorkerModel

    if not args.files or args.files == ["-"] or args.output is None:
        raise InvalidInputError("--engine ray reads files or directories and needs --output DIR")
    if args.encoding.lower().replace("-", "") != "utf8" or args.on_error != "fail":
        raise InvalidInputError("--engine ray reads UTF-8 only (no --encoding / --on-error)")
    model = WorkerModel.find(args.model, models_dir=args.models_dir, precision=args.precision,
                             user_words=_user_entries(args), standard=args.standard)  # fail early, load nothing
    model.require_pos(args.pos)
    summary = segment_files_on_ray(args.files, args.output, model=model.path, precision=args.precision,
                                   fmt=OutputFormat(args.format), pattern=args.glob, resume=args.resume,
                                   address=args.address, concurrency=args.workers, pos=args.pos,
                                   user_words=list(model.entries), standard=model.standard)
    if not args.quiet:
        print(f"segmenter: {summary.files} file(s), {summary.lines:,} lines, {summary.chars:,} characters on Ray; "
              f"{len(summary.resumed)} output(s) already complete", file=sys.stderr)
    return 0


def _cmd_discover(args: argparse.Namespace) -> int:
    from segmenter.segmenter import Segmenter

    for path in args.files:  # a file, a pipe or FIFO (<(cmd), /dev/stdin) too, as `segment` reads them
        if path != "-" and (not Path(path).exists() or Path(path).is_dir()):
            raise InvalidInputError(f"{path}: no such file")
    if args.top is not None and args.top < 1:
        raise InvalidInputError("--top must be at least 1")
    configure_process(threads=1)
    seg = Segmenter.load(args.model, threads=1, standard=args.standard, models_dir=args.models_dir)

    def lines() -> Any:  # the files' lines, read lazily: memory stays bounded
        for path in args.files:
            with (open(sys.stdin.fileno(), encoding="utf-8", closefd=False) if path == "-"
                  else open(path, encoding="utf-8")) as fh:
                try:
                    yield from fh
                except UnicodeDecodeError as e:
                    raise InvalidInputError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from None

    t0 = time.perf_counter()
    found = seg.discover(lines(), min_count=args.min_count, top=args.top, standard=args.standard,
                         max_ngrams=args.max_ngrams)
    text = "".join(c.dict_line() + "\n" for c in found)
    if args.output is None:
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    if not args.quiet:
        print(f"segmenter: {len(found):,} candidate words in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        from segmenter_api.serve import run
    except ImportError as e:
        raise missing_extra("the service", "serve", e) from e
    run(host=args.host, port=args.port, workers=args.workers, model=args.model)
    return 0


STANDARD_HELP = ("segmentation standard of a multi-standard model (e.g. pku, ctb6, weibo; default: the one the "
                 "model name selects, else the model's first)")
MODELS_DIR_HELP = "folder of named models (default: SEGMENTER_MODELS_DIR, else the shipped models)"
PRECISION_HELP = ("inference number format: auto (default: int8 on the native kernel where it runs the model, fp32 "
                  "elsewhere), int8, fp32 (the reference) or bf16 (torch; faster where the CPU has bf16 support)")
_SubParsers = argparse._SubParsersAction  # what `ArgumentParser.add_subparsers` returns


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="segmenter", description="Chinese word segmentation with a BiRNN tagger.")
    p.add_argument("-V", "--version", action="version", version=f"segmenter {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    _add_train_command(sub)
    _add_eval_command(sub)
    _add_segment_command(sub)
    _add_discover_command(sub)
    _add_serve_command(sub)
    return p


def _add_model_choice(parser: argparse.ArgumentParser) -> None:
    """--model, --standard and --models-dir: which model a command loads (eval, segment)."""
    parser.add_argument("--model", default=None, help="model name, standard name or directory "
                        "(default: multi-fast, its pku standard)")
    parser.add_argument("--standard", help=STANDARD_HELP)
    parser.add_argument("--models-dir", default=os.environ.get("SEGMENTER_MODELS_DIR"), help=MODELS_DIR_HELP)


def _add_precision(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--precision", choices=[x.value for x in Precision], default="auto", help=PRECISION_HELP)


def _add_train_command(sub: _SubParsers) -> None:
    t = sub.add_parser("train", help="train a model from segmented corpora")
    _add_train_options(t)
    t.set_defaults(func=_cmd_train)


def _add_train_options(t: argparse.ArgumentParser) -> None:
    """The options of `segmenter train`: the data and the run's, then the network's (`ModelConfig`
    fields) and the training's (`TrainConfig` fields), generated with their defaults (`recipe`)."""
    from segmenter import recipe

    t.add_argument("--config", metavar="RECIPE.toml",
                   help="a recipe: the options of each step of a model's training (recipes/NAME.toml); options "
                        "given here override its")
    t.add_argument("--step", help="the step of the recipe to run (needed when it has several)")
    t.add_argument("--train", action="append", metavar="[NAME=]PATH",
                   help="training corpus (repeatable); NAME=PATH trains a multi-standard model with one "
                        "standard per NAME (e.g. --train pku=pfr.utf8 --train ctb6=ctb6/train.txt)")
    t.add_argument("--dev", action="append", metavar="[NAME=]PATH",
                   help="development corpus, NAME=PATH for a standard (default: the last --dev-fraction of its "
                        "--train)")
    t.add_argument("--dev-fraction", type=float, default=DEV_FRACTION,
                   help="share of a training file held out as its dev set when it has no --dev (default: %(default)s)")
    t.add_argument("--corpus-format", "--format", dest="format", choices=["auto", "seg", "pfr"], default="auto",
                   help="format of the corpora (corpus.CorpusFormat; --format is the older spelling)")
    t.add_argument("--out", help="model directory to write, e.g. models/NAME")
    t.add_argument("--standard", help="name of the segmentation standard, recorded in meta.json (e.g. pku)")
    recipe.add_network_options(t)
    recipe.add_training_options(t)
    t.add_argument("--pretrained", help="embeddings to start from (.npz of `python -m segmenter.pretrain`)")
    t.add_argument("--init", metavar="MODEL",
                   help="fine-tune a trained model: a shipped model's name (e.g. multi-fast) or a model directory. "
                        "Its vocabulary, network, parts of speech and dictionary features are kept (a network "
                        "option that contradicts them is an error); --train NAME=PATH continues its standard NAME "
                        "or adds a new one")
    t.add_argument("--teacher", action="append",
                   help="model directory to distil from (the student shares its vocabulary); repeated: an "
                        "ensemble whose mean distributions the student learns (same labels; the largest "
                        "vocabulary first)")
    t.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    t.add_argument("--quiet", action="store_true")


def _add_eval_command(sub: _SubParsers) -> None:
    e = sub.add_parser("eval", help="score a model on a segmented gold file (SIGHAN 2005 scoring)")
    _add_model_choice(e)
    e.add_argument("--gold", required=True)
    e.add_argument("--words", help="training word list, for OOV/IV recall")
    e.add_argument("--baseline", choices=["jieba", "pkuseg"], help="also score this baseline on the same input "
                   "(with --pos: jieba.posseg, tags mapped to the PKU set)")
    e.add_argument("--corpus-format", "--format", dest="format", choices=["auto", "seg", "pfr"], default="auto",
                   help="format of the gold file (corpus.CorpusFormat; --format is the older spelling)")
    e.add_argument("--dev-split", action="store_true",
                   help="score on the last --dev-fraction of the gold file only (a training corpus's dev split)")
    e.add_argument("--dev-fraction", type=float, default=DEV_FRACTION)
    e.add_argument("--pos", action="store_true", help="also score parts of speech (joint model, POS-tagged gold)")
    e.add_argument("--user-dict", help="user dictionary file (one word a line, optional POS)")
    e.add_argument("--batch-size", type=int, default=128)
    _add_precision(e)
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--record", action="store_true", help="store the score in the model's meta.json as its test score")
    e.set_defaults(func=_cmd_eval)


def _add_segment_command(sub: _SubParsers) -> None:
    from segmenter.formats import FORMATS, formats_help

    s = sub.add_parser("segment", help="segment text: one output line per input line, words separated by spaces")
    s.add_argument("files", nargs="*", help="input files or directories (default: standard input)")
    _add_model_choice(s)
    s.add_argument("--output", "-o", help="output file, or directory mirroring the inputs (default: stdout)")
    s.add_argument("--format", choices=list(FORMATS), default="plain", help=formats_help())
    s.add_argument("--glob", default="*", help="file name pattern inside input directories (default: *)")
    s.add_argument("--encoding", default="utf-8", help="input encoding, e.g. gb18030, gbk, big5 (default: utf-8)")
    s.add_argument("--on-error", choices=["fail", "skip", "replace"], default="fail",
                   help="a line that cannot be decoded: fail (exit 2), skip (keep its place empty), replace")
    s.add_argument("--workers", type=int, default=1, help="processes, each with its own model (default: 1)")
    s.add_argument("--threads", type=int, default=0,
                   help="model batches run at once in each process, one torch thread each "
                        "(default 0: the cores divided among the workers)")
    s.add_argument("--resume", action="store_true", help="skip outputs that are already complete")
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    s.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="ray: run on a Ray cluster (pip install 'segmenter-cws[ray]'); --workers: the actor count")
    s.add_argument("--address", help="Ray cluster address (default: start a local Ray instance)")
    _add_precision(s)
    s.add_argument("--pos", action="store_true",
                   help="add each word's part of speech (word/POS, a jsonl 'pos' field, a conll column; joint models)")
    s.add_argument("--user-dict", action="append", metavar="FILE",
                   help="user dictionary: one word a line, optional POS after a space or tab, '#' comments; "
                   "a line with spaces inside the word ('中 将') forces that split (repeatable)")
    s.add_argument("--user-word", action="append", metavar="WORD",
                   help="one user word (or 'A B' forced split), added after --user-dict (repeatable)")
    s.set_defaults(func=_cmd_segment)


def _add_discover_command(sub: _SubParsers) -> None:
    d = sub.add_parser("discover", help="propose a domain's words from its raw text, as a user dictionary "
                       "('WORD COUNT' lines, best first)")
    d.add_argument("files", nargs="+", metavar="RAW", help="UTF-8 text files ('-': standard input)")
    _add_model_choice(d)
    d.add_argument("--min-count", type=int, default=5, help="least occurrences of a candidate (default: 5)")
    d.add_argument("--top", type=int, help="at most this many words (default: every candidate)")
    d.add_argument("--max-ngrams", type=int, default=1_000_000,
                   help="n-gram counts held at most, the rarest pruned first: bounds memory (about 400 bytes "
                        "each; default: 1000000)")
    d.add_argument("--output", "-o", help="file to write (default: standard output)")
    d.add_argument("--quiet", "-q", action="store_true", help="no summary on standard error")
    d.set_defaults(func=_cmd_discover)


def _add_serve_command(sub: _SubParsers) -> None:
    v = sub.add_parser("serve", help="start the REST service (settings: SEGMENTER_* environment variables)")
    v.add_argument("--host", help="address to listen on (default: SEGMENTER_HOST or 127.0.0.1)")
    v.add_argument("--port", type=int, help="port (default: SEGMENTER_PORT or 8000)")
    v.add_argument("--workers", type=int, help="worker processes, each with its own model (default: 1)")
    v.add_argument("--model", help="the default model, and the only one loaded unless SEGMENTER_MODELS lists more "
                   "(default: SEGMENTER_DEFAULT_MODEL or multi-fast)")
    v.set_defaults(func=_cmd_serve)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.command == "train" else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    args.argv = argv
    if args.command in ("eval", "segment"):
        from segmenter.process import bound_backend_caches

        bound_backend_caches()
    try:
        status = int(args.func(args))
        if sys.stdout is not None:
            sys.stdout.flush()  # here, where a full disk is an error like any other, not at exit
        return status
    except BrokenPipeError:  # the reader of the output left (`| head`): not an error to report
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("segmenter: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (SegmenterError, ValueError) as e:  # ValueError: config validation (e.g. dropout out of range)
        message = f"segmenter: error: {e}"
    except OSError as e:  # a file the library does not name (e.g. a full disk under print)
        message = f"segmenter: error: {e.filename + ': ' if e.filename else ''}{e.strerror or e}"
    if not _flushed_stdout():
        _discard_stdout()
    print(message, file=sys.stderr)
    return EXIT_USAGE


def _flushed_stdout() -> bool:
    """Whether what is written to standard output reached it (False: its disk is full, its reader left)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError:
        return False
    return True


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so that Python's flush at exit finds no broken pipe
    or full disk to report as a traceback."""
    if sys.stdout is None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (a test's capture): nothing is flushed at exit
        pass


if __name__ == "__main__":
    sys.exit(main())
