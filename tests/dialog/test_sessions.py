"""The phone's Redis state: one lock per phone, saved only by the turn that holds it,
renewed for a long turn; a dialog's answers expire with the dialog."""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor

import pytest

from flows.session import Session
from gateway.dialog import sessions
from gateway.dialog.sessions import PhoneBusy, session_store
from gateway.platform import services

PHONE = "+989121234567"


@pytest.fixture
def store(app):
    return session_store(services.current())


def session_at(state: str, **data) -> Session:
    return Session(state=state, data=dict(data), updated_at=1000.0)


def test_a_turn_that_lost_its_lock_does_not_overwrite_the_newer_session(store, caplog):
    with store.turn(PHONE) as slow:
        store.redis.delete(store.key("lock", PHONE))  # its lock expired mid-turn
        with store.turn(PHONE) as fast:  # a second message got the phone meanwhile
            fast.save(session_at("confirm", national_id="0012345679"))
        slow.save(session_at("ask_national_id"))
    with store.turn(PHONE) as later:
        assert later.session.state == "confirm"
    assert "phone_lock_lost" in caplog.text


def test_a_second_message_waits_for_the_first_then_gives_up(store, monkeypatch):
    monkeypatch.setattr(sessions, "LOCK_WAIT", 0.2)
    with store.turn(PHONE), pytest.raises(PhoneBusy), store.turn(PHONE):
        pass
    with store.turn(PHONE):  # released: free again
        pass


def test_a_long_turn_renews_its_lock(store, monkeypatch):
    monkeypatch.setattr(sessions, "KEEP_ALIVE_AFTER", 0)
    with store.turn(PHONE) as turn:
        store.redis.pexpire(store.key("lock", PHONE), 500)  # nearly run out
        turn.keep_alive()
        assert store.redis.pttl(store.key("lock", PHONE)) > 50_000


def test_the_answers_expire_with_the_dialog_and_the_rest_stays_a_day(store):
    with store.turn(PHONE) as turn:
        turn.save(session_at("confirm", national_id="0012345679", pension_number="123456"))
    answers_ttl = store.redis.ttl(store.key("answers", PHONE))
    assert 0 < answers_ttl <= services.settings().SESSION_TIMEOUT_MINUTES * 60 + 60
    assert store.redis.ttl(store.key("session", PHONE)) > 23 * 3600
    assert "0012345679" not in store.redis.get(store.key("session", PHONE)).decode()
    store.redis.delete(store.key("answers", PHONE))  # as when the dialog's time is up
    with store.turn(PHONE) as turn:
        assert (turn.session.state, turn.session.data) == ("confirm", {})


def test_no_key_names_the_phone(store):
    with store.turn(PHONE, rate_window=60) as turn:
        turn.save(session_at("ask_pension_number", national_id="0012345679"))
    keys = [key.decode() for key in store.redis.scan_iter()]
    assert keys and not [key for key in keys if "9121234567" in key]


def test_each_thread_runs_its_turns_on_one_connection_of_its_own(store):
    """A thread's scripts share its connection (no pool round trip per script); another
    thread has its own, and the connections go back to the pool with their store."""

    def connection_of_turn() -> int:
        with store.turn(PHONE) as turn:
            turn.save(session_at("ask_national_id"))
        return id(store._threads.client.connection)

    first, again = connection_of_turn(), connection_of_turn()
    with ThreadPoolExecutor(1) as other_thread:
        elsewhere = other_thread.submit(connection_of_turn).result()
    assert first == again != elsewhere
    pool = store.redis.connection_pool
    in_use = len(pool._in_use_connections)
    del store._threads  # the store (and its threads' clients) gone
    gc.collect()
    assert len(pool._in_use_connections) < in_use
