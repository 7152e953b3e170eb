"""Request coalescing: concurrent requests for one model are run as one model batch.

A bounded queue per model; a worker takes the first waiting job, then keeps taking jobs until
the batch holds `max_texts` texts or `max_wait` seconds have passed, and runs the batch in a
dedicated thread so that the event loop never blocks on the model.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from segmenter import Segmenter
from segmenter.errors import SegmenterError

log = logging.getLogger(__name__)


class Kind(str, Enum):
    SEGMENT = "segment"
    TAG = "tag"


class QueueFullError(SegmenterError):
    """More requests are waiting for the model than the queue holds."""


@dataclass
class _Job:
    kind: Kind
    texts: Sequence[str]
    future: asyncio.Future[list[Any]] = field(repr=False)
    pos: bool = False
    user_words: tuple[str, ...] = ()
    standard: str | None = None

    @property
    def group(self) -> tuple[Kind, bool, tuple[str, ...], str | None]:
        """Jobs of one group run as one model call."""
        return self.kind, self.pos, self.user_words, self.standard


class Batcher:
    def __init__(self, seg: Segmenter, *, max_texts: int, max_wait: float, queue_size: int,
                 on_batch: Callable[[int, int, Kind], None] | None = None) -> None:
        self.seg = seg
        self.max_texts = max_texts
        self.max_wait = max_wait
        self.queue: asyncio.Queue[_Job] = asyncio.Queue(maxsize=queue_size)
        self.on_batch = on_batch
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"model-{seg.name}")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"batcher-{self.seg.name}")

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        while not self.queue.empty():
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    async def submit(self, kind: Kind, texts: Sequence[str], *, pos: bool = False,
                     user_words: Sequence[str] = (), standard: str | None = None) -> list[Any]:
        """Results for `texts`, in order: token lists (SEGMENT) or char-tag lists (TAG); with
        parts of speech (`pos`) and this request's `user_words` on top of the model's dictionary,
        in `standard` (multi-standard models; None: the model's default)."""
        if not texts:
            return []
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        try:
            self.queue.put_nowait(_Job(kind, texts, future, pos, tuple(user_words), standard))
        except asyncio.QueueFull:
            raise QueueFullError(f"server busy: {self.queue.maxsize} requests already wait for the model") from None
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self.queue.get()]
            n = len(jobs[0].texts)
            deadline = loop.time() + self.max_wait
            while n < self.max_texts:
                try:
                    timeout = deadline - loop.time()
                    job = self.queue.get_nowait() if timeout <= 0 else await asyncio.wait_for(self.queue.get(), timeout)
                except (asyncio.QueueEmpty, TimeoutError):
                    break
                jobs.append(job)
                n += len(job.texts)
            try:
                results = await loop.run_in_executor(self._executor, self._process, jobs)
            except Exception as e:  # handed to every waiting request
                log.exception("model batch failed")
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(e)
                continue
            for job, res in zip(jobs, results):
                if not job.future.done():
                    job.future.set_result(res)

    def _process(self, jobs: list[_Job]) -> list[list[Any]]:
        """Runs in the model thread: one model call per group (kind, pos, user words, standard) in
        the batch."""
        out: list[list[Any]] = [[] for _ in jobs]
        groups: dict[tuple[Kind, bool, tuple[str, ...], str | None], list[int]] = {}
        for i, j in enumerate(jobs):
            groups.setdefault(j.group, []).append(i)
        for (kind, pos, user_words, standard), idx in groups.items():
            run = self.seg.tokenize_batch if kind is Kind.SEGMENT else self.seg.tag_batch
            texts = [t for i in idx for t in jobs[i].texts]
            results = run(texts, pos=pos, user_words=user_words, standard=standard)
            at = 0
            for i in idx:
                k = len(jobs[i].texts)
                out[i] = results[at:at + k]
                at += k
            if self.on_batch is not None:
                self.on_batch(len(texts), sum(map(len, texts)), kind)
        return out
