"""Streaming segmentation of files: line by line, in order, bounded memory, atomic outputs.

The batch door of the library (`segmenter segment`): lines are read as bytes and decoded one
by one (so an undecodable line is reported with its file and line number), batched through
`Segmenter.analyse`, rendered and written as they are produced. An output file is
written under a temporary name and renamed when complete, so an interrupted run never leaves
a truncated file that looks complete; `resume` skips outputs that exist.
"""

from __future__ import annotations

import codecs
import itertools
import logging
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from tqdm import tqdm

from segmenter.errors import CorpusError, InvalidInputError, SegmenterError
from segmenter.formats import OutputFormat, Parts, renderer
from segmenter.lexicon import Entry
from segmenter.pipeline import Analysis

log = logging.getLogger(__name__)


class OnError(str, Enum):
    """What to do with a line that cannot be decoded."""

    FAIL = "fail"  # stop with an error naming file and line; the output file is not written
    SKIP = "skip"  # keep the line's place (an empty line; in jsonl an object with "error"), warn
    REPLACE = "replace"  # decode with U+FFFD for the bad bytes, warn


@dataclass
class Summary:
    files: int = 0
    lines: int = 0
    chars: int = 0
    skipped: int = 0
    replaced: int = 0
    seconds: float = 0.0
    written: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """One input line: its text (None when it could not be decoded and is skipped)."""

    number: int
    text: str | None
    error: str | None = None


def read_lines(fh: Iterable[bytes], name: str, encoding: str, on_error: OnError, summary: Summary) -> Iterator[Line]:
    """Decode the raw lines of `fh` one by one; line ends (LF or CRLF) are dropped. An encoding
    that does not write LF as the byte 0x0A (UTF-16, UTF-32, EBCDIC) is decoded as one stream
    first (`_decoded_lines`): there a byte 0x0A may be half of a character (`上` is 0A 4E in UTF-16-LE)."""
    if "\n".encode(encoding) != b"\n":
        yield from _decoded_lines(fh, name, encoding, on_error, summary)
        return
    for number, raw in enumerate(fh, 1):
        raw = raw.rstrip(b"\n").removesuffix(b"\r")
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as e:
            reason = f"cannot be decoded as {encoding} ({e.reason} at byte {e.start})"
            if on_error is OnError.REPLACE:
                text = raw.decode(encoding, errors="replace")
            yield _undecodable(name, number, reason, on_error, summary, text if on_error is OnError.REPLACE else None)
            continue
        yield Line(number, text)


def _undecodable(name: str, number: int, reason: str, on_error: OnError, summary: Summary,
                 replaced: str | None) -> Line:
    """The `Line` of an undecodable line under `on_error` (`replaced`: its text with U+FFFD), or the
    `CorpusError` that stops the run."""
    if on_error is OnError.FAIL:
        raise CorpusError(name, number, reason + "; use --on-error skip|replace or --encoding")
    log.warning("%s:%d: %s; %s", name, number, reason, "skipped" if on_error is OnError.SKIP else "replaced")
    if on_error is OnError.SKIP:
        summary.skipped += 1
        return Line(number, None, reason)
    summary.replaced += 1
    return Line(number, replaced)


# Stands for one undecodable byte sequence in `_decoded_lines`: a lone surrogate, which no strict
# decoder produces, so it never stands for a character of the input.
_BAD = "\udcff"
_MARK_ERRORS = "segmenter.mark"


def _mark(e: UnicodeError) -> tuple[str, int]:
    assert isinstance(e, UnicodeDecodeError)
    return _BAD, e.end


def _decoded_lines(fh: Iterable[bytes], name: str, encoding: str, on_error: OnError,
                   summary: Summary) -> Iterator[Line]:
    """`read_lines` for an encoding whose LF is not the byte 0x0A: the bytes decoded as one stream
    (a BOM read once, at the start), then split on LF."""
    codecs.register_error(_MARK_ERRORS, _mark)
    decoder = codecs.getincrementaldecoder(encoding)(errors=_MARK_ERRORS)
    number = 0
    pending: list[str] = []  # the decoded pieces of the line read so far

    def line(text: str) -> Line:
        text = text.removesuffix("\r")
        if _BAD not in text:
            return Line(number, text)
        reason = f"cannot be decoded as {encoding} (undecodable bytes at character {text.index(_BAD)})"
        return _undecodable(name, number, reason, on_error, summary, text.replace(_BAD, "\ufffd"))

    for block in itertools.chain(fh, [None]):
        try:
            piece = decoder.decode(block) if block is not None else decoder.decode(b"", final=True)
        except UnicodeError as e:  # raised outside the error handler, e.g. "UTF-16 stream does not start with BOM"
            raise CorpusError(name, number + 1, f"cannot be decoded as {encoding}: {e}; give the byte order "
                              f"(e.g. --encoding {encoding}-le or -be)") from None
        if "\n" not in piece:
            pending.append(piece)
            continue
        first, *middle, last = piece.split("\n")
        for text in ["".join([*pending, first]), *middle]:
            number += 1
            yield line(text)
        pending = [last]
    if "".join(pending):
        number += 1
        yield line("".join(pending))


Analyse = Callable[[list[str]], list[Analysis]]


def format_lines(lines: Sequence[Line], parts: Sequence[Parts], fmt: OutputFormat, pos: bool = False) -> str:
    """The output text of a chunk of lines, rendered from their analyses (`parts[i]` of `lines[i]`)
    by the format's renderer (`formats.FORMATS`); `pos`: words carry their part of speech."""
    render = renderer(fmt)
    return "".join(render(line, segs, pos) for line, segs in zip(lines, parts))


def chunks(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    buf: list[Line] = []
    for line in lines:
        buf.append(line)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


SegmentChunk = Callable[[list[Line]], str]


# A line longer than this many characters is segmented in windows of about this size, a few at a
# time, each ending after sentence-final punctuation or whitespace where its second half has one:
# the memory of a huge line stays proportional to its own size (its text and its output), not to
# the pipeline's per-character work (README: memory of long lines).
LONG_LINE = 100_000
_WINDOW_ENDS = ("。", "！", "？", "!", "?", "；", ";", "…", " ", "\u3000", "\t")
_WINDOWS_PER_CALL = 8


def windows(text: str, size: int = LONG_LINE) -> list[tuple[int, int]]:
    """[start, end) windows that cover `text` in order, each at most `size` characters."""
    out = []
    start = 0
    while len(text) - start > size:
        end = start + size
        cut = max(text.rfind(ch, start + size // 2, end) for ch in _WINDOW_ENDS)
        if cut >= 0:
            end = cut + 1
        out.append((start, end))
        start = end
    out.append((start, len(text)))
    return out


def _long_line(analyse: Analyse, text: str) -> Parts:
    """The analyses of one huge line, window by window."""
    out: Parts = []
    spans = windows(text)
    for k in range(0, len(spans), _WINDOWS_PER_CALL):
        part = spans[k:k + _WINDOWS_PER_CALL]
        out += zip((s for s, _ in part), analyse([text[a:b] for a, b in part]))
    return out


def analyse_lines(analyse: Analyse, chunk: Sequence[Line]) -> list[Parts]:
    """The analyses of a chunk of lines: the lines up to LONG_LINE characters in one call, a longer
    one window by window (`_long_line`), a skipped one none."""
    texts = [line.text for line in chunk if line.text is not None and len(line.text) <= LONG_LINE]
    it = iter(analyse(texts))
    parts: list[Parts] = []
    for line in chunk:
        if line.text is None:
            parts.append([])
        elif len(line.text) > LONG_LINE:
            parts.append(_long_line(analyse, line.text))
        else:
            parts.append([(0, next(it))])
    return parts


def segment_chunk_with(analyse: Analyse, fmt: OutputFormat, pos: bool = False) -> SegmentChunk:
    """A function from a chunk of lines to its formatted output (skipped lines get no words)."""

    def run(chunk: list[Line]) -> str:
        return format_lines(chunk, analyse_lines(analyse, chunk), fmt, pos)

    return run


def expand_inputs(paths: Sequence[str], pattern: str) -> list[tuple[Path, Path]]:
    """(file, path relative to its root) for every input: a file as itself, a directory as every
    regular file below it matching `pattern`, sorted. An input that is neither a directory nor a
    regular file (a pipe such as `<(cmd)` or `/dev/stdin`, a FIFO, a device) is read as a stream."""
    out: list[tuple[Path, Path]] = []
    wrong = f"--glob {pattern!r}: give a pattern of file names below the input directories, such as '*.txt'"
    if not pattern or Path(pattern).is_absolute() or ".." in Path(pattern).parts:
        raise InvalidInputError(wrong)
    for p in map(Path, paths):
        if p.is_dir():
            try:
                files = sorted(f for f in p.rglob(pattern) if f.is_file())
            except (NotImplementedError, ValueError) as e:  # other patterns pathlib refuses, e.g. 'a**'
                raise InvalidInputError(f"{wrong} ({e})") from None
            out += [(f, f.relative_to(p)) for f in files]
        elif p.exists():
            out.append((p, Path(p.name)))
        else:
            raise CorpusError(str(p), None, "no such file or directory")
    return out


def writes_in_place(path: Path) -> bool:
    """Whether an output is written through rather than replaced by a renamed temporary: an
    existing character device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe), also
    behind a symbolic link. A new path or a regular file is replaced whole (behind a link: the
    link's target, the link stays), so a failed run never leaves half an output."""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return False


def _may_replace(path: Path) -> bool:
    """Whether writing `path` may destroy a file's content: it is a regular file, or a link to one,
    or new (a device, FIFO or socket is written through: a tty or a pipe may be both read and written):
    what `writes_in_place` does not write through, and a path that cannot be looked at."""
    try:
        return not writes_in_place(path)
    except OSError:  # not a directory on the way, a loop of links: nothing there to write through
        return True


@contextmanager
def writing(name: Path | str) -> Iterator[None]:
    """An `OSError` of writing the output `name` as a `SegmenterError` naming it; a broken pipe
    (the reader of standard output or of a FIFO left) stays a `BrokenPipeError`, the program's to handle."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as e:
        raise SegmenterError(f"{name}: cannot be written ({e.strerror or e})") from None


class AtomicWriter:
    """A text file written under a temporary name and renamed into place by `commit()`; an
    output that `writes_in_place` is opened and written directly (nothing to rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp: Path | None = None
        with writing(path):
            if writes_in_place(path):
                self.fh: TextIO = path.open("w", encoding="utf-8", newline="\n")
                return
            self.target = path.resolve() if path.is_symlink() else path  # a link stays; its target is replaced
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = self.target.with_name(f".{self.target.name}.tmp-{os.getpid()}")
            self.fh = self.tmp.open("w", encoding="utf-8", newline="\n")

    def write(self, text: str) -> None:
        with writing(self.path):
            self.fh.write(text)

    def commit(self) -> None:
        with writing(self.path):
            self.fh.close()
            if self.tmp is not None:
                os.replace(self.tmp, self.target)

    def abort(self) -> None:
        try:
            self.fh.close()
        except OSError:  # the unwritten rest of a failed output: it is discarded anyway
            pass
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)


@contextmanager
def atomic_output(path: Path) -> Iterator[AtomicWriter]:
    """An `AtomicWriter` renamed into place when the block ends normally, removed otherwise
    (also when the rename itself fails)."""
    writer = AtomicWriter(path)
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.abort()
        raise


def check_plan(inputs: Sequence[str], output: str | None, flag: str = "--output", many: bool = False) -> None:
    """An output (given as `flag`) that is none of the inputs; a directory when `many` files or a
    directory are read, else no directory."""
    if output is None:
        return
    out = Path(output)
    if (many or any(Path(p).is_dir() for p in inputs)) and out.exists() and not out.is_dir():
        raise InvalidInputError(f"{flag} {output} is not a directory, but several files or a directory are read: "
                                "give a directory")
    if not many and out.is_dir():
        raise InvalidInputError(f"{flag} {output} is a directory: give a file name, or {output.rstrip('/')}/ "
                                "to write into the directory")
    if _may_replace(out) and any(Path(p).resolve() == out.resolve() for p in inputs):
        raise InvalidInputError(f"{flag} {output} is also an input")


def plan_outputs(files: Sequence[tuple[Path, Path]], output: str, many: bool) -> list[tuple[Path, Path]]:
    """(input, output file) pairs of a run that writes files, checked before anything is written:
    no output is an input or a directory, no two inputs share an output. Temporary files that an
    interrupted run of the same plan left beside its outputs are removed."""
    if many:
        plan = [(f, Path(output) / rel) for f, rel in files]
    else:
        plan = [(f, Path(output)) for f, _ in files[:1]]
    sources = {f.resolve(): f for f, _ in files}
    seen: dict[Path, Path] = {}
    for f, target in plan:
        key = target.resolve()
        if key in sources and _may_replace(target):
            raise InvalidInputError(f"output {target} would overwrite the input {sources[key]}: "
                                    "choose another --output")
        if key in seen:
            raise InvalidInputError(f"inputs {seen[key]} and {f} would both be written to {target}: "
                                    "segment them into different --output directories")
        if target.is_dir():
            raise InvalidInputError(f"output {target} is a directory: choose another --output")
        seen[key] = f
    for _, target in plan:
        remove_stale_temporaries(target)
    return plan


def write_outputs(plan: Sequence[tuple[Path, Path]], *, resume: bool, summary: Summary,
                  segment_file: Callable[[Path, Callable[[str], Any]], None],
                  on_resumed: Callable[[Path], Any] | None = None) -> None:
    """The output loop of every engine: for each (input, output) of a checked plan
    (`plan_outputs`), keep an output that is complete already (with `resume`), else have
    `segment_file(input, write)` write it under a temporary name renamed into place at its end."""
    for f, target in plan:
        if resume and target.is_file():
            summary.resumed.append(str(target))
            if on_resumed is not None:
                on_resumed(f)
            continue
        with atomic_output(target) as writer:
            segment_file(f, writer.write)
        summary.written.append(str(target))


def remove_stale_temporaries(target: Path) -> None:
    """Delete `.NAME.tmp-PID` files of `target` whose process no longer runs (a killed run's)."""
    if not target.parent.is_dir():
        return
    for tmp in target.parent.glob(f".{target.name}.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ------------------------------------------------------------------ worker processes
@dataclass(frozen=True)
class WorkerModel:
    """What every worker process loads: a model directory with the settings of the run. `find`
    checks a model name, its standard and the dictionary without loading the model (the
    parent of worker processes never needs it); `of` describes a loaded `Segmenter`."""

    path: str
    precision: str
    entries: tuple[Entry, ...] = ()
    standard: str | None = None
    pos_tagger: bool = False

    @classmethod
    def of(cls, seg: Any) -> WorkerModel:
        return cls(str(seg.path.resolve()) if seg.path else seg.name, seg.precision.value, tuple(seg.lexicon),
                   seg.standard if seg.standards else None, seg.pos_tags is not None)

    @classmethod
    def find(cls, model: str, *, models_dir: str | None = None, precision: str = "auto",
             user_words: Sequence[str | Entry] = (), standard: str | None = None) -> WorkerModel:
        from segmenter.artifact import read_config, verify
        from segmenter.config import Precision
        from segmenter.lexicon import Lexicon
        from segmenter.registry import resolve
        from segmenter.tags import pos_of_labels

        try:
            Precision(precision)
        except ValueError:
            raise InvalidInputError(f"unknown precision {precision!r}") from None
        path, named = resolve(model, models_dir)
        meta = verify(path)  # the files' checksums: a corrupt model fails here, not in every worker
        config = read_config(path)
        standard = standard or named
        known: tuple[str, ...] = config.standards or ((str(meta["standard"]),) if meta.get("standard") else ())
        if standard is not None and standard not in known:
            raise InvalidInputError(f"model {path.name} has no standard {standard!r}; its standards: "
                                    f"{', '.join(known) or '(one, unnamed)'}")
        entries = tuple(Lexicon(user_words))  # every entry checked here, once
        return cls(str(path.resolve()), precision, entries, standard if config.standards else None,
                   pos_of_labels(config.labels) is not None)

    def require_pos(self, pos: bool) -> None:
        from segmenter.segmenter import require_pos

        require_pos(pos, self.pos_tagger, Path(self.path).name)


_WORKER: SegmentChunk | None = None
_WORKER_ERROR: Exception | None = None


def _init_worker(model: WorkerModel, threads: int, fmt: str, pos: bool) -> None:
    """Load the model of a worker process (which ignores SIGINT). A failure is kept and raised by the
    first chunk the worker gets, so the parent reports it (a raising initializer would be restarted forever)."""
    global _WORKER, _WORKER_ERROR
    from segmenter.process import configure_process, freeze_heap
    from segmenter.segmenter import Segmenter

    # Ctrl-C reaches the whole process group: the parent reports it and ends the pool, the workers
    # stay quiet (a worker's KeyboardInterrupt would print a traceback each)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_process(threads=1)  # parallelism comes from the worker processes and Segmenter threads
    try:
        seg = Segmenter.load(model.path, precision=model.precision, user_words=model.entries, threads=threads,
                             standard=model.standard)
        seg.require_pos(pos)
    except Exception as e:  # any failure is the parent's to report
        _WORKER_ERROR = e
        return
    freeze_heap()
    _WORKER = segment_chunk_with(seg.analyse, OutputFormat(fmt), pos)


def _run_in_worker(chunk: list[Line]) -> str:
    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    assert _WORKER is not None
    return _WORKER(chunk)


def ordered_map(pool: Any, items: Iterable[list[Line]], window: int) -> Iterator[str]:
    """Results of the worker pool in input order, with at most `window` chunks in flight (so a
    huge input is never read ahead into memory)."""
    pending: deque[Any] = deque()
    for item in items:
        pending.append(pool.apply_async(_run_in_worker, (item,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


# ------------------------------------------------------------------ the run
@dataclass
class Job:
    """What `segment_files` does; the CLI fills it from its options."""

    inputs: list[str]  # files or directories; ["-"] or [] for standard input
    output: str | None = None  # None: standard output; a file; or a directory (mirrors the inputs)
    fmt: OutputFormat = OutputFormat.PLAIN
    encoding: str = "utf-8"
    on_error: OnError = OnError.FAIL
    pattern: str = "*"
    resume: bool = False
    workers: int = 1
    threads: int = 1  # Segmenter threads of each worker process
    pos: bool = False  # tokens carry their part of speech (joint models)
    chunk_lines: int = 1024
    progress: bool = True


def segment_files(seg: Any, job: Job, stdout: BinaryIO | None = None) -> Summary:
    """Segment every input of `job` with the `Segmenter` `seg` (or `job.workers` processes that
    each load `seg`, a `Segmenter` or a `WorkerModel`) and write the outputs; returns counts. Raises `CorpusError` for
    a missing or unreadable input or (with `OnError.FAIL`) an undecodable line, `SegmenterError` for
    an output that cannot be written; no output file is then left in place, complete outputs
    written before it stay. A reader of standard output who leaves is a `BrokenPipeError`."""
    stdin = not job.inputs or job.inputs == ["-"]
    if stdin and sys.stdin is None:
        raise InvalidInputError("standard input is closed: give input files")
    if stdout is None and job.output is None:
        if sys.stdout is None:
            raise InvalidInputError("standard output is closed: give --output")
        stdout = sys.stdout.buffer
    summary = Summary()
    files = [] if stdin else expand_inputs(job.inputs, job.pattern)
    many = job.output is not None and (len(files) > 1 or any(Path(p).is_dir() for p in job.inputs)
                                       or job.output.endswith(("/", os.sep)))
    if stdin and many:
        raise InvalidInputError("standard input is written to one file: give --output FILE, not a directory")
    check_plan([] if stdin else job.inputs, job.output, many=many)
    total = sum(f.stat().st_size for f, _ in files) or None
    bar = tqdm(total=total, unit="B", unit_scale=True, disable=not job.progress, file=sys.stderr,
               mininterval=1.0, desc="segment")
    seg.require_pos(job.pos)  # fail before reading anything
    if isinstance(seg, WorkerModel) and job.workers < 2:
        raise InvalidInputError("a WorkerModel is loaded by worker processes: give job.workers > 1, or a Segmenter")
    if job.workers > 1:
        pool = _worker_pool(seg if isinstance(seg, WorkerModel) else WorkerModel.of(seg), job)
    else:
        pool, one = None, segment_chunk_with(seg.analyse, job.fmt, job.pos)

    def run(items: Iterable[list[Line]]) -> Iterator[str]:
        return ordered_map(pool, items, 2 * job.workers) if pool is not None else map(one, items)

    def counted(fh: BinaryIO, name: str) -> Iterator[bytes]:
        try:
            for raw in fh:
                bar.update(len(raw))
                yield raw
        except OSError as e:
            raise CorpusError(name, None, f"cannot be read ({e.strerror or e})") from None

    def process(fh: BinaryIO, name: str, write: Callable[[str], Any]) -> None:
        lines = read_lines(counted(fh, name), name, job.encoding, job.on_error, summary)
        for text in run(chunks(_counting(lines, summary), job.chunk_lines)):
            write(text)
            if job.progress:
                elapsed = time.perf_counter() - t0
                bar.set_postfix_str(f"{summary.lines:,} lines, {summary.chars / max(elapsed, 1e-9):,.0f} chars/s",
                                    refresh=False)
        summary.files += 1

    def process_file(f: Path, write: Callable[[str], Any]) -> None:
        try:
            fh = f.open("rb")
        except OSError as e:
            raise CorpusError(str(f), None, f"cannot be read ({e.strerror or e})") from None
        with fh:
            process(fh, str(f), write)

    def to_stdout(text: str) -> None:
        assert stdout is not None
        with writing("standard output"):
            stdout.write(text.encode("utf-8"))

    t0 = time.perf_counter()
    try:
        if stdin and job.output is None:
            process(sys.stdin.buffer, "<stdin>", to_stdout)
        elif stdin:
            assert job.output is not None
            remove_stale_temporaries(Path(job.output))
            write_outputs([(Path("-"), Path(job.output))], resume=job.resume, summary=summary,
                          segment_file=lambda _, write: process(sys.stdin.buffer, "<stdin>", write))
        elif job.output is None:
            for f, _ in files:
                process_file(f, to_stdout)
        else:
            write_outputs(plan_outputs(files, job.output, many), resume=job.resume, summary=summary,
                          segment_file=process_file, on_resumed=lambda f: bar.update(f.stat().st_size))
        if stdout is not None:
            with writing("standard output"):
                stdout.flush()
    finally:
        bar.close()
        if pool is not None:
            pool.terminate()
    summary.seconds = time.perf_counter() - t0
    return summary


def _worker_pool(model: WorkerModel, job: Job) -> Any:
    """`job.workers` processes that each load `model`, started with SIGINT ignored: a Ctrl-C while
    they start (before `_init_worker` runs) would stop a starting interpreter with a fatal error.
    An ignored signal stays ignored across exec, and Python keeps it so."""
    # the CLI gives each worker cores / workers (`job.threads`): never oversubscribes
    main = threading.current_thread() is threading.main_thread()  # only there can signals be set
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        return multiprocessing.get_context("spawn").Pool(
            job.workers, initializer=_init_worker, initargs=(model, job.threads, job.fmt.value, job.pos))
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)


def _counting(lines: Iterable[Line], summary: Summary) -> Iterator[Line]:
    for line in lines:
        summary.lines += 1
        summary.chars += len(line.text or "")
        yield line
