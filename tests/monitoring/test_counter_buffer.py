"""The counter buffer: increments gathered in the process, written together, never lost to
a failed write."""

from __future__ import annotations

from collections import Counter

from gateway.monitoring.counter_buffer import CounterBuffer


class FlakyStore:
    def __init__(self, failures: int = 0):
        self.failures = failures
        self.written: list[Counter] = []

    def write(self, database, counts):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database down")
        self.written.append((database, Counter(counts)))


def test_increments_are_merged_and_written_in_one_go():
    store = FlakyStore()
    buffer = CounterBuffer(store.write)
    buffer.add("db", Counter({"a": 1}), interval=3600)
    buffer.add("db", Counter({"a": 2, "b": 1}), interval=3600)
    assert store.written == []  # nothing until the flush
    buffer.flush()
    assert store.written == [("db", Counter({"a": 3, "b": 1}))]
    buffer.flush()
    assert len(store.written) == 1  # nothing twice


def test_counts_that_fail_to_write_are_kept_for_the_next_flush():
    store = FlakyStore(failures=1)
    buffer = CounterBuffer(store.write)
    buffer.add("db", Counter({"a": 1}), interval=3600)
    buffer.flush()
    buffer.add("db", Counter({"a": 1}), interval=3600)
    buffer.flush()
    assert store.written == [("db", Counter({"a": 2}))]


def test_the_flusher_thread_writes_without_being_asked():
    store = FlakyStore()
    buffer = CounterBuffer(store.write)
    buffer.add("db", Counter({"a": 1}), interval=0.05)
    import time

    deadline = time.monotonic() + 5
    while not store.written and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.written == [("db", Counter({"a": 1}))]
