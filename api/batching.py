"""Request coalescing with fair, bounded work: concurrent requests for one model share model
batches, and no request holds the model while others wait.

- Admission: at most `queue_size` requests and `max_queued_chars` characters wait for a model
  (a request that alone exceeds the character bound is admitted only into an empty queue); more
  is a 503 (`QueueFullError`).
- Fairness: a model call takes texts round-robin from the waiting requests, one text from each
  in turn, up to `max_texts` texts and `max_batch_chars` characters; a huge request is cut into
  many calls and short requests that arrive meanwhile ride along in the next one.
- Dropped work: a request whose client disconnected, whose deadline passed, or which the server
  gave up on has its remaining texts removed before they reach the model.
- Shutdown (`close`): no new requests; what is queued is finished within `timeout` seconds,
  the rest answered with `ShuttingDownError` (503), and the model thread is joined.

The model runs in a dedicated thread, so that the event loop never blocks on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from segmenter import Analysis, Entry, Segmenter

log = logging.getLogger(__name__)


class Kind(str, Enum):
    SEGMENT = "segment"
    TAG = "tag"  # also the label probabilities


class QueueFullError(Exception):
    """More requests or characters are waiting for the model than the queue admits."""


class ShuttingDownError(Exception):
    """The server is shutting down and does not take or finish this request."""


class DeadlineError(Exception):
    """The request was not answered within its deadline."""


class ClientGoneError(Exception):
    """The client disconnected before its answer was ready."""


@dataclass(eq=False)
class _Job:
    kind: Kind
    texts: Sequence[str]
    future: asyncio.Future[list[Analysis]] = field(repr=False)
    user_words: tuple[str | Entry, ...] = ()
    standard: str | None = None
    pos: bool = True  # parts of speech wanted (else the model does not decode them)
    deadline: float | None = None  # loop time
    next: int = 0  # the next text to hand to the model
    done: int = 0  # texts with results
    in_flight: int = 0  # texts in the model call running now
    results: list[Any] = field(default_factory=list)  # an Analysis per text, None until done
    dropped: bool = False

    @property
    def group(self) -> tuple[Kind, tuple[str | Entry, ...], str | None, bool]:
        """Texts of one group run as one model call."""
        return self.kind, self.user_words, self.standard, self.pos


class Batcher:
    def __init__(self, seg: Segmenter, *, max_texts: int, max_wait: float, queue_size: int,
                 max_queued_chars: int = 2_000_000, max_batch_chars: int = 1_000,
                 on_batch: Callable[[int, int, Kind], None] | None = None) -> None:
        self.seg = seg
        self.max_texts = max_texts
        self.max_wait = max_wait
        self.queue_size = queue_size
        self.max_queued_chars = max_queued_chars
        self.max_batch_chars = max_batch_chars
        self.on_batch = on_batch
        self.jobs: deque[_Job] = deque()
        self.queued_chars = 0
        self.closing = False
        self._wake: asyncio.Event | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"model-{seg.name}")
        self._task: asyncio.Task[None] | None = None
        self._turn = -1  # where the last model call started its round (`_take`)

    @property
    def depth(self) -> int:
        """Requests waiting or in progress."""
        return len(self.jobs)

    def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"batcher-{self.seg.name}")

    async def close(self, timeout: float = 10.0) -> None:
        """Stop taking requests; finish the queue within `timeout` seconds, answer what is left
        with `ShuttingDownError`, and stop."""
        self.closing = True
        end = time.monotonic() + timeout
        while self.jobs and time.monotonic() < end:
            await asyncio.sleep(0.02)
        self.drop_all(ShuttingDownError("the server is shutting down; retry on another instance"))
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    def drop_all(self, error: Exception) -> None:
        """Answer every waiting request with `error` and forget its remaining texts."""
        for job in list(self.jobs):
            self._drop(job, error)

    async def submit(self, kind: Kind, texts: Sequence[str], *, user_words: Sequence[str | Entry] = (),
                     standard: str | None = None, timeout: float | None = None,
                     disconnected: Callable[[], Awaitable[Any]] | None = None, pos: bool = True) -> list[Analysis]:
        """The `Analysis` of each of `texts`, in order (with label probabilities for TAG), with
        this request's `user_words` over the model's dictionary, in `standard`; `pos` False: no
        parts of speech (the model skips them). `timeout`: seconds
        until `DeadlineError`. `disconnected`: an awaitable that returns when the client has left
        (its work is then dropped: `ClientGoneError`)."""
        if not texts:
            return []
        if self.closing:
            raise ShuttingDownError("the server is shutting down; retry on another instance")
        chars = sum(map(len, texts))
        if len(self.jobs) >= self.queue_size:
            raise QueueFullError(f"server busy: {self.queue_size} requests already wait for the model")
        if self.jobs and self.queued_chars + chars > self.max_queued_chars:
            raise QueueFullError(f"server busy: {self.queued_chars:,} characters already wait for the model "
                                 f"(limit {self.max_queued_chars:,})")
        loop = asyncio.get_running_loop()
        job = _Job(kind, texts, loop.create_future(), tuple(user_words), standard, pos,
                   None if timeout is None else loop.time() + timeout, results=[None] * len(texts))
        self.jobs.append(job)
        self.queued_chars += chars
        assert self._wake is not None
        self._wake.set()
        watcher = asyncio.ensure_future(disconnected()) if disconnected is not None else None
        try:
            waiting: set[asyncio.Future[Any]] = {job.future} | ({watcher} if watcher is not None else set())
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if job.future in done:
                return job.future.result()
            if watcher is not None and watcher in done:
                self._drop(job, ClientGoneError("the client disconnected"))
                raise ClientGoneError("the client disconnected")
            self._drop(job, DeadlineError(f"no answer within {timeout:g} s (request_timeout_s)"))
            raise DeadlineError(f"no answer within {timeout:g} s (request_timeout_s)")
        except asyncio.CancelledError:
            self._drop(job, ClientGoneError("the request was cancelled"))
            raise
        finally:
            if watcher is not None:
                watcher.cancel()

    def _drop(self, job: _Job, error: Exception) -> None:
        if job.dropped:
            return
        job.dropped = True
        self.queued_chars -= sum(map(len, job.texts[job.next:]))
        job.next = len(job.texts)
        if job.in_flight == 0 and job in self.jobs:
            self.jobs.remove(job)
        if not job.future.done():
            job.future.set_exception(error)
            job.future.exception()  # retrieved: no "exception never retrieved" warning for a gone client

    def _take(self) -> list[tuple[_Job, int, int]]:
        """Slices (job, first, end) of the next model call, round-robin over the waiting jobs; each
        call starts its round one job later than the previous call, so that a job whose texts fill
        a call alone (texts of `max_batch_chars`, or `max_texts` 1) takes turns with the others."""
        taken: dict[_Job, list[int]] = {}
        given: dict[_Job, int] = {}  # characters of each job in this call
        n = chars = 0
        progress = True
        waiting = [j for j in self.jobs if not j.dropped and j.next < len(j.texts)]
        if waiting:
            self._turn = (self._turn + 1) % len(waiting)
            waiting = waiting[self._turn:] + waiting[:self._turn]
        # Each job's share of the call: with many requests waiting, a large one adds only its share,
        # so the call (which every request in it waits for) stays short; alone it takes it all.
        share = self.max_batch_chars // max(1, len(waiting))
        while progress and n < self.max_texts:
            progress = False
            for job in waiting:
                if job.dropped or job.next >= len(job.texts):
                    continue
                size = len(job.texts[job.next])
                if n and (chars + size > self.max_batch_chars or given.get(job, 0) + size > share and job in given):
                    continue
                span = taken.setdefault(job, [job.next, job.next])
                span[1] += 1
                job.next += 1
                n += 1
                chars += size
                given[job] = given.get(job, 0) + size
                self.queued_chars -= size
                progress = True
                if n >= self.max_texts:
                    break
        for job, (first, end) in taken.items():
            job.in_flight += end - first
        return [(job, first, end) for job, (first, end) in taken.items()]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wake is not None
        while True:
            if not any(not j.dropped and j.next < len(j.texts) for j in self.jobs):
                self._wake.clear()
                await self._wake.wait()
                if self.max_wait > 0:  # let concurrent requests join this batch
                    await asyncio.sleep(self.max_wait)
            now = loop.time()
            for job in list(self.jobs):
                if job.deadline is not None and now > job.deadline:
                    self._drop(job, DeadlineError("no answer within the request deadline (request_timeout_s)"))
            slices = self._take()
            if not slices:
                continue
            try:
                results = await loop.run_in_executor(self._executor, self._process, slices)
            except Exception as e:  # handed to every request of the call
                log.exception("model batch failed")
                for job, first, end in slices:
                    job.in_flight -= end - first
                    self._drop(job, e)
                    if job in self.jobs and job.in_flight == 0:
                        self.jobs.remove(job)
                continue
            for (job, first, end), res in zip(slices, results):
                job.results[first:end] = res
                job.done += end - first
                job.in_flight -= end - first
                if job.dropped:
                    if job.in_flight == 0 and job in self.jobs:
                        self.jobs.remove(job)
                    continue
                if job.done == len(job.texts):
                    self.jobs.remove(job)
                    if not job.future.done():
                        job.future.set_result(job.results)

    def _process(self, slices: list[tuple[_Job, int, int]]) -> list[list[Any]]:
        """Runs in the model thread: one model call per group (kind, user words, standard)."""
        out: list[list[Any]] = [[] for _ in slices]
        groups: dict[tuple[Kind, tuple[str | Entry, ...], str | None, bool], list[int]] = {}
        for i, (job, _, _) in enumerate(slices):
            groups.setdefault(job.group, []).append(i)
        for (kind, user_words, standard, pos), idx in groups.items():
            texts = [t for i in idx for t in slices[i][0].texts[slices[i][1]:slices[i][2]]]
            results = self.seg.analyse(texts, user_words=user_words, standard=standard, probs=kind is Kind.TAG,
                                       pos=pos)
            at = 0
            for i in idx:
                k = slices[i][2] - slices[i][1]
                out[i] = results[at:at + k]
                at += k
            if self.on_batch is not None:
                self.on_batch(len(texts), sum(map(len, texts)), kind)
        return out
