"""Segmentation on Ray Data, for corpora that outgrow one machine (`pip install 'segmenter-cws[ray]'`).

- `add_tokens_column(ds, model)`: a Ray Dataset with a text column in, the same Dataset with a
  `tokens` column out (a list of `{"text", "start", "end"}` per row); the model is loaded once
  per worker (an actor class in `map_batches`).
- `tokens_for_batch(batch, seg)` (`segmenter.columns`): the same for one pandas DataFrame, pyarrow
  Table or dict of columns held without Ray.
- `segment_files_on_ray(...)`: what `segmenter segment --engine ray` runs: every input file read
  as a Dataset of lines (order kept); the workers segment each line and render its output with
  the formatter of `stream.segment_files`, and the driver writes those through the same output
  loop (`stream.write_outputs`), so the output is the single-process output line for line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from segmenter.columns import tokens_for_batch
from segmenter.errors import missing_extra
from segmenter.formats import renderer
from segmenter.lexicon import Entry, Lexicon
from segmenter.stream import (
    Line,
    OutputFormat,
    Summary,
    analyse_lines,
    expand_inputs,
    plan_outputs,
    write_outputs,
)


def _ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise missing_extra("the Ray engine", "ray", e) from e
    return ray


class _SegmentBatches:
    """`map_batches` callable: loads the model once per Ray worker."""

    def __init__(self, model: str, precision: str, text_column: str, threads: int, pos: bool,
                 entries: Sequence[Entry], standard: str | None = None, fmt: str | None = None) -> None:
        from segmenter.process import configure_process, freeze_heap
        from segmenter.segmenter import Segmenter

        configure_process(threads)
        self.seg = Segmenter.load(model, precision=precision, user_words=entries, threads=1,  # one actor, one core
                                  standard=standard)
        freeze_heap()
        self.text_column = text_column
        self.pos = pos
        self.fmt = None if fmt is None else OutputFormat(fmt)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        if self.fmt is None:
            return tokens_for_batch(batch, self.seg, self.text_column, pos=self.pos)
        return rendered_batch(batch, self.seg, self.fmt, self.text_column, pos=self.pos)


def rendered_batch(batch: dict[str, Any], seg: Any, fmt: OutputFormat, text_column: str = "text", *,
                   pos: bool = False) -> dict[str, Any]:
    """The lines of `batch[text_column]` (a CR before the cut line end removed) and an `output`
    column: each line's output text in `fmt`, by the format's renderer (`formats.FORMATS`)."""
    texts = [str(t).removesuffix("\r") for t in batch[text_column]]
    lines = [Line(0, t) for t in texts]
    parts = analyse_lines(seg.analyse, lines)  # long lines in windows, as the local engine does
    render = renderer(fmt)  # one line's output is its renderer's text, as `format_lines` joins them
    return {"text": texts, "output": [render(line, p, pos) for line, p in zip(lines, parts)]}


def add_tokens_column(ds: Any, model: str = "pku", *, text_column: str = "text", precision: str = "auto",
                      concurrency: int = 1, threads: int = 1, batch_size: int = 256, pos: bool = False,
                      user_words: Sequence[str | Entry] = (), standard: str | None = None) -> Any:
    """A Ray Dataset with a `tokens` column added (lazy, as every Ray Data transform).

    `model` is a shipped model name or a directory every worker can read; `concurrency` workers
    with `threads` torch threads each; `user_words` are the workers' user dictionary."""
    _ray()
    entries = list(Lexicon(user_words))  # validated here, before any worker starts
    return ds.map_batches(_SegmentBatches, fn_constructor_kwargs={
        "model": model, "precision": precision, "text_column": text_column, "threads": threads, "pos": pos,
        "entries": entries, "standard": standard},
        batch_size=batch_size, batch_format="numpy", concurrency=concurrency)


def segment_files_on_ray(inputs: Sequence[str], output: str, *, model: str, precision: str = "auto",
                         fmt: OutputFormat = OutputFormat.PLAIN, pattern: str = "*", resume: bool = False,
                         address: str | None = None, concurrency: int = 1, pos: bool = False,
                         user_words: Sequence[str | Entry] = (), standard: str | None = None) -> Summary:
    """Segment files or directory trees on Ray into the directory `output` (mirroring the inputs).
    Lines are UTF-8; order is preserved; empty lines are kept."""
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    # every actor holds a CPU for its whole life: leave one for the tasks that read the files,
    # or the pipeline starves (seen: concurrency 2 on a 2-CPU instance never finished)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    concurrency = max(1, min(concurrency, cpus - 1))
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    summary = Summary()
    entries = list(Lexicon(user_words))  # validated here, before any worker starts

    def segment_file(f: Path, write: Callable[[str], Any]) -> None:
        ds = ray.data.read_text(str(f.resolve()), drop_empty_lines=False)
        ds = ds.map_batches(_SegmentBatches, fn_constructor_kwargs={
            "model": model, "precision": precision, "text_column": "text", "threads": 1, "pos": pos,
            "entries": entries, "standard": standard, "fmt": fmt.value},
            batch_size=256, batch_format="numpy", concurrency=concurrency)
        for row in ds.iter_rows():
            write(row["output"])
            summary.lines += 1
            summary.chars += len(row["text"])
        summary.files += 1

    write_outputs(plan_outputs(expand_inputs(inputs, pattern), output, many=True), resume=resume,
                  summary=summary, segment_file=segment_file)
    return summary
