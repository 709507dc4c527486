"""WriterThread: chunks written in order on one thread; an error on either side stops both."""

from __future__ import annotations

import contextlib
import sys
import threading

import pytest

from gateway.platform.writer_thread import SWITCH_INTERVAL, WriterThread


def test_every_chunk_is_written_in_order_on_another_thread():
    written, threads = [], set()

    def write(chunk):
        written.append(chunk)
        threads.add(threading.get_ident())

    with WriterThread(write) as writer:
        for number in range(10):
            writer.put(number)
    assert written == list(range(10))
    assert threads and threading.get_ident() not in threads


def test_a_writer_error_reaches_the_caller_and_later_chunks_are_not_written():
    written = []

    def write(chunk):
        if chunk == 2:
            raise RuntimeError("the database went away")
        written.append(chunk)

    with pytest.raises(RuntimeError, match="went away"), WriterThread(write, depth=1) as writer:
        for number in range(100):
            writer.put(number)
    assert written == [0, 1]


def test_an_error_in_the_caller_skips_the_chunks_still_queued_and_ends_the_thread():
    started, release, written = threading.Event(), threading.Event(), []

    def write(chunk):
        started.set()
        release.wait(5)
        written.append(chunk)

    with pytest.raises(KeyError), WriterThread(write, depth=3) as writer:
        writer.put(0)
        started.wait(5)
        writer.put(1)
        writer.put(2)
        threading.Timer(0.2, release.set).start()  # once the block is left
        raise KeyError("parsing failed")
    assert written == [0]
    assert not any(thread.name == "writer" for thread in threading.enumerate())


@pytest.mark.parametrize("fails", [False, True])
def test_the_gil_changes_hands_often_while_a_writer_runs_and_as_before_after(fails):
    """The writer gets the GIL between its waits on the database without waiting out
    CPython's 5 ms switch interval; the process's interval is restored, also on error."""
    before, seen = sys.getswitchinterval(), []
    expected = pytest.raises(RuntimeError) if fails else contextlib.nullcontext()
    writer = WriterThread(lambda chunk: seen.append(sys.getswitchinterval()))
    with expected, writer:
        writer.put(1)
        if fails:
            raise RuntimeError("the parser stopped")
    assert seen in ([pytest.approx(SWITCH_INTERVAL)], [])  # a failed parse may stop first
    assert sys.getswitchinterval() == before > SWITCH_INTERVAL
