"""The batcher on its own: a fake segmenter that records every model call and can hold one, driven
with asyncio; no server, no model, no waiting on the clock except for deadlines."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from segmenter_api.batching import Batcher, ClientGoneError, DeadlineError, Kind, QueueFullError, ShuttingDownError


@dataclass(frozen=True)
class Call:
    kind: str
    texts: tuple[str, ...]
    user_words: tuple[str, ...] = ()
    standard: str | None = None
    pos: bool = True


class FakeSegmenter:
    """Stands in for `Segmenter`: answers "<kind>:<text>" for every text in the model thread,
    records each call, holds the first one until `release` when asked to, and fails a call that
    holds the text `fail_on`."""

    name = "fake"

    def __init__(self, *, hold_first: bool = False, fail_on: str | None = None) -> None:
        self.calls: list[Call] = []
        self.hold_first = hold_first
        self.fail_on = fail_on
        self.entered = threading.Event()  # the held call has started
        self.release = threading.Event()
        self.threads: set[threading.Thread] = set()

    def analyse(self, texts, *, user_words=(), standard=None, probs=False, pos=True) -> list[str]:
        self.threads.add(threading.current_thread())
        kind = "tag" if probs else "segment"  # TAG requests need the label probabilities
        texts = tuple(texts)
        self.calls.append(Call(kind, texts, tuple(user_words), standard, pos))
        if self.hold_first and len(self.calls) == 1:
            self.entered.set()
            assert self.release.wait(5), "the held model call was never released"
        if self.fail_on in texts:
            raise RuntimeError("the model broke")
        return [f"{kind}:{t}" for t in texts]

    def texts_seen(self) -> list[str]:
        return [t for c in self.calls for t in c.texts]


def run(coro) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


def make(seg: FakeSegmenter, **options: Any) -> Batcher:
    defaults: dict[str, Any] = dict(max_texts=64, max_wait=0.0, queue_size=100, max_queued_chars=1000,
                                    max_batch_chars=1000)
    batcher = Batcher(seg, **{**defaults, **options})
    batcher.start()
    return batcher


def submit(b: Batcher, texts: list[str], done: list[str] | None = None, name: str = "", **kw: Any) -> asyncio.Task:
    """The request as a task; its name is appended to `done` when it is answered."""
    async def one() -> list[Any]:
        result = await b.submit(kw.pop("kind", Kind.SEGMENT), texts, **kw)
        if done is not None:
            done.append(name)
        return result
    return asyncio.get_running_loop().create_task(one())


async def until(condition) -> None:
    """Let the other tasks run until `condition()` holds (a bounded number of loop turns)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def hold(b: Batcher, seg: FakeSegmenter, texts: list[str] | None = None, **kw: Any) -> asyncio.Task:
    """A request whose model call is running and held: everything submitted now has to wait."""
    task = submit(b, texts or ["held"], **kw)
    assert await asyncio.to_thread(seg.entered.wait, 5)
    return task


async def serves_then_closes(b: Batcher, text: str = "next") -> None:
    """After what a test did, a new request is still answered and nothing is left counted; then close."""
    assert await b.submit(Kind.SEGMENT, [text]) == [f"segment:{text}"]
    assert b.depth == 0 and b.queued_chars == 0
    await b.close(1)


# ------------------------------------------------------------------ answers, sharing, fairness


def test_every_request_gets_its_own_results_in_order_and_waiting_requests_share_a_call():
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = make(seg)
        assert await b.submit(Kind.SEGMENT, []) == []  # nothing to do: no model call
        first = await hold(b, seg)
        a = submit(b, ["a1", "a2", "a3"])
        c = submit(b, ["c1"])
        await until(lambda: b.depth == 3)
        seg.release.set()
        assert await first == ["segment:held"]
        assert await a == ["segment:a1", "segment:a2", "segment:a3"]
        assert await c == ["segment:c1"]
        assert b.depth == 0 and b.queued_chars == 0
        await b.close(1)

    run(main())
    assert [sorted(c.texts) for c in seg.calls] == [["held"], ["a1", "a2", "a3", "c1"]]


def test_a_call_takes_one_text_from_each_request_in_turn_so_a_short_request_finishes_first():
    seg = FakeSegmenter(hold_first=True)
    done: list[str] = []

    async def main():
        b = make(seg, max_texts=2)
        first = await hold(b, seg)
        long = submit(b, [f"a{i}" for i in range(1, 7)], done, "long")
        short = submit(b, ["b1", "b2"], done, "short")
        await until(lambda: b.depth == 3)
        seg.release.set()
        await asyncio.gather(first, long, short)
        await b.close(1)

    run(main())
    assert done == ["short", "long"]
    # the order inside a call is the round's (which request it starts with rotates from call to call)
    assert [sorted(c.texts) for c in seg.calls] == [["held"], ["a1", "b1"], ["a2", "b2"], ["a3", "a4"], ["a5", "a6"]]


@pytest.mark.parametrize("options, long_text", [({"max_batch_chars": 10}, "a" * 10), ({"max_texts": 1}, "a")],
                         ids=["call-filled-by-characters", "call-filled-by-count"])
def test_a_short_request_is_not_held_behind_a_long_one_that_fills_every_call(options, long_text):
    seg = FakeSegmenter(hold_first=True)
    done: list[str] = []

    async def main():
        b = make(seg, **options)
        first = await hold(b, seg)
        long = submit(b, [long_text] * 6, done, "long")
        short = submit(b, ["b"], done, "short")
        await until(lambda: b.depth == 3)
        seg.release.set()
        await asyncio.gather(first, long, short)
        await b.close(1)

    run(main())
    assert done == ["short", "long"], [c.texts for c in seg.calls]


def test_a_call_holds_at_most_max_batch_chars_but_a_longer_text_still_runs_alone():
    seg = FakeSegmenter()
    texts = ["aaaa", "bbbb", "cccc", "d" * 12, "eee"]

    async def main():
        b = make(seg, max_batch_chars=10)
        assert await b.submit(Kind.SEGMENT, texts) == [f"segment:{t}" for t in texts]
        await b.close(1)

    run(main())
    assert [c.texts for c in seg.calls] == [("aaaa", "bbbb"), ("cccc",), ("d" * 12,), ("eee",)]


def test_a_call_holds_at_most_max_texts_texts():
    seg = FakeSegmenter()

    async def main():
        b = make(seg, max_texts=3)
        await b.submit(Kind.SEGMENT, [str(i) for i in range(8)])
        await b.close(1)

    run(main())
    assert [len(c.texts) for c in seg.calls] == [3, 3, 2]
    assert seg.texts_seen() == [str(i) for i in range(8)]


def test_requests_arriving_within_max_wait_share_one_call():
    seg = FakeSegmenter()

    async def main():
        b = make(seg, max_wait=0.1)
        a = submit(b, ["a"])
        await asyncio.sleep(0)  # the batcher has woken up and waits for company
        await asyncio.sleep(0)
        c = submit(b, ["c"])
        assert await asyncio.gather(a, c) == [["segment:a"], ["segment:c"]]
        await b.close(1)

    run(main())
    assert [sorted(c.texts) for c in seg.calls] == [["a", "c"]]


def test_kinds_user_words_standards_and_parts_of_speech_run_as_separate_calls():
    seg = FakeSegmenter(hold_first=True)
    batches: list[tuple[int, int, Kind]] = []

    async def main():
        b = make(seg, on_batch=lambda n, chars, kind: batches.append((n, chars, kind)))
        first = await hold(b, seg)
        tasks = [submit(b, ["s1"]), submit(b, ["t1"], kind=Kind.TAG), submit(b, ["u1"], user_words=["北京大学"]),
                 submit(b, ["m1"], standard="msr"), submit(b, ["s2", "s3"]), submit(b, ["t2"], kind=Kind.TAG),
                 submit(b, ["p1"], pos=False)]
        await until(lambda: b.depth == 8)
        seg.release.set()
        await first
        results = await asyncio.gather(*tasks)
        await b.close(1)
        return results

    results = run(main())
    assert results == [["segment:s1"], ["tag:t1"], ["segment:u1"], ["segment:m1"], ["segment:s2", "segment:s3"],
                       ["tag:t2"], ["segment:p1"]]
    calls = {Call(c.kind, tuple(sorted(c.texts)), c.user_words, c.standard, c.pos) for c in seg.calls[1:]}
    assert calls == {Call("segment", ("s1", "s2", "s3")), Call("tag", ("t1", "t2")),
                                  Call("segment", ("u1",), user_words=("北京大学",)),
                                  Call("segment", ("m1",), standard="msr"), Call("segment", ("p1",), pos=False)}
    assert len(seg.calls) == 6
    assert sorted(batches) == sorted([(1, 4, Kind.SEGMENT), (3, 6, Kind.SEGMENT), (2, 4, Kind.TAG),
                                      (1, 2, Kind.SEGMENT), (1, 2, Kind.SEGMENT), (1, 2, Kind.SEGMENT)])


def test_a_failing_model_call_fails_its_requests_and_the_next_ones_run():
    seg = FakeSegmenter(hold_first=True, fail_on="boom")

    async def main():
        b = make(seg)
        first = await hold(b, seg)
        a = submit(b, ["ok"])
        bad = submit(b, ["boom"])
        await until(lambda: b.depth == 3)
        seg.release.set()
        await first
        for task in (a, bad):  # one call: every request in it gets the error
            with pytest.raises(RuntimeError, match="the model broke"):
                await task
        assert b.depth == 0 and b.queued_chars == 0
        assert await b.submit(Kind.SEGMENT, ["later"]) == ["segment:later"]
        await b.close(1)

    run(main())


# ------------------------------------------------------------------ admission


def test_characters_waiting_are_bounded_but_one_large_request_enters_an_empty_queue():
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = make(seg, max_queued_chars=10)
        first = await hold(b, seg, ["y" * 25])  # over the bound, but alone: admitted, and now in the model
        assert b.queued_chars == 0
        a = submit(b, ["aaa", "aaa"])
        await until(lambda: b.depth == 2)
        assert b.queued_chars == 6
        with pytest.raises(QueueFullError, match=r"6 characters already wait .*limit 10"):
            await b.submit(Kind.SEGMENT, ["bbbbb"])
        assert b.queued_chars == 6 and b.depth == 2  # the refused request left no trace
        c = submit(b, ["cccc"])  # exactly at the bound
        await until(lambda: b.depth == 3)
        assert b.queued_chars == 10
        seg.release.set()
        assert await asyncio.gather(first, a, c) == [["segment:" + "y" * 25], ["segment:aaa"] * 2, ["segment:cccc"]]
        assert b.queued_chars == 0 and b.depth == 0
        assert await b.submit(Kind.SEGMENT, ["x" * 25]) == ["segment:" + "x" * 25]  # empty again: admitted
        await b.close(1)

    run(main())
    assert "bbbbb" not in seg.texts_seen()


def test_requests_waiting_are_bounded_by_queue_size():
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = make(seg, queue_size=2)
        first = await hold(b, seg)
        a = submit(b, ["a"])
        await until(lambda: b.depth == 2)
        with pytest.raises(QueueFullError, match="2 requests already wait"):
            await b.submit(Kind.SEGMENT, ["b"])
        seg.release.set()
        await asyncio.gather(first, a)
        await serves_then_closes(b, "b")  # room again

    run(main())


# ------------------------------------------------------------------ dropped work


async def past_its_deadline(b: Batcher) -> None:
    with pytest.raises(DeadlineError, match=r"0\.05 s"):
        await b.submit(Kind.SEGMENT, ["late1", "late2"], timeout=0.05)


async def cancelled(b: Batcher) -> None:
    task = submit(b, ["gone1", "gone2"])
    await until(lambda: b.depth == 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("drop", [past_its_deadline, cancelled], ids=["deadline", "cancelled"])
def test_a_waiting_request_that_is_dropped_is_answered_and_its_texts_never_run(drop):
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = make(seg)
        first = await hold(b, seg)
        await drop(b)
        assert b.depth == 1 and b.queued_chars == 0
        seg.release.set()
        await first
        await serves_then_closes(b)

    run(main())
    assert seg.texts_seen() == ["held", "next"]


def test_a_deadline_answers_even_while_the_model_still_holds_the_request():
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = make(seg, max_texts=1)
        task = submit(b, ["r1", "r2", "r3"], timeout=0.05)
        assert await asyncio.to_thread(seg.entered.wait, 5)
        with pytest.raises(DeadlineError):
            await task  # answered at its deadline, not when the model call ends
        assert not seg.release.is_set()
        seg.release.set()
        await serves_then_closes(b)  # the held call's bookkeeping is undone

    run(main())
    assert seg.texts_seen() == ["r1", "next"]


def test_a_client_that_disconnects_has_its_remaining_texts_dropped():
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = make(seg, max_texts=1)
        gone = asyncio.Event()
        task = submit(b, ["a1", "a2", "a3"], disconnected=gone.wait)
        assert await asyncio.to_thread(seg.entered.wait, 5)  # a1 is in the model
        other = submit(b, ["b1"])
        await until(lambda: b.depth == 2)
        gone.set()
        with pytest.raises(ClientGoneError):
            await task
        seg.release.set()
        assert await other == ["segment:b1"]
        assert b.depth == 0 and b.queued_chars == 0
        await b.close(1)

    run(main())
    assert seg.texts_seen() == ["a1", "b1"]


def test_drop_all_answers_every_waiting_request_and_the_batcher_keeps_serving():
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = make(seg)
        first = await hold(b, seg)
        a = submit(b, ["a"])
        await until(lambda: b.depth == 2)
        b.drop_all(RuntimeError("dropped by the test"))
        for task in (first, a):
            with pytest.raises(RuntimeError, match="dropped by the test"):
                await task
        seg.release.set()
        await serves_then_closes(b, "after")

    run(main())
    assert seg.texts_seen() == ["held", "after"]


# ------------------------------------------------------------------ shutdown


def test_close_finishes_the_queue_refuses_new_requests_and_joins_the_model_thread():
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = make(seg)
        first = await hold(b, seg)
        a = submit(b, ["a1", "a2"])
        await until(lambda: b.depth == 2)
        closing = asyncio.get_running_loop().create_task(b.close(timeout=5))
        await until(lambda: b.closing)
        with pytest.raises(ShuttingDownError):
            await b.submit(Kind.SEGMENT, ["new"])
        seg.release.set()
        await closing
        assert await first == ["segment:held"] and await a == ["segment:a1", "segment:a2"]
        with pytest.raises(ShuttingDownError):
            await b.submit(Kind.SEGMENT, ["newer"])

    run(main())
    assert seg.texts_seen() == ["held", "a1", "a2"]
    assert seg.threads and not any(t.is_alive() for t in seg.threads)


class ReleasingExecutor(ThreadPoolExecutor):
    """The model thread, which lets the held model call go only when the batcher joins it."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__(1)
        self.release = release

    def shutdown(self, wait: bool = True, **kw: Any) -> None:
        self.release.set()
        super().shutdown(wait, **kw)


def test_close_answers_what_is_unfinished_at_its_timeout_with_shutting_down():
    seg = FakeSegmenter(hold_first=True)

    async def main():
        b = Batcher(seg, max_texts=64, max_wait=0.0, queue_size=100)
        b._executor = ReleasingExecutor(seg.release)  # the model is busy until close gives up on it
        b.start()
        first = await hold(b, seg)
        a = submit(b, ["a1"])
        await until(lambda: b.depth == 2)
        await b.close(timeout=0.05)
        for task in (first, a):  # the one in the model and the one waiting
            with pytest.raises(ShuttingDownError, match="shutting down"):
                await task

    run(main())
    assert seg.texts_seen() == ["held"]  # nothing was started after the timeout
    assert seg.threads and not any(t.is_alive() for t in seg.threads)
