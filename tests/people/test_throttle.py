"""Failed sign-ins are recorded and throttled per account and per address, without checking the password while
throttled, and only a few password checks run at once."""

import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from feedback.errors import SignInFailed
from feedback.people import accounts, throttle
from feedback.store.tables import SignInFailure, User, utcnow

PASSWORD = "correct horse battery"
T0 = utcnow()


@pytest.fixture
def maria(session) -> User:
    return accounts.create_user(session=session, actor=None, name="maria", role="annotator", password=PASSWORD)


@pytest.fixture
def verifies(monkeypatch) -> list[str]:
    """Count the argon2 checks (the real check still runs)."""
    calls, real = [], accounts._verify

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    return calls


def sign_in(session, name, password, *, at=T0, address=None) -> User:
    return accounts.authenticate(session=session, name=name, password=password, address=address, now=at)


def fail(session, name, *, at=T0, address=None) -> str:
    """Sign in with a wrong password; the error message."""
    with pytest.raises(SignInFailed) as caught:
        sign_in(session, name, "wrong password!", at=at, address=address)
    return str(caught.value)


def test_200_wrong_passwords_then_the_right_one_is_refused_until_the_delay_has_passed(session, maria):
    messages = [fail(session, "maria") for _ in range(200)]
    assert messages[:throttle.NAME_LIMIT] == ["Wrong name or password"] * throttle.NAME_LIMIT
    assert set(messages[throttle.NAME_LIMIT:]) == {"Too many failed sign-ins for this account: try again in 1 second"}
    with pytest.raises(SignInFailed, match="^Too many failed sign-ins for this account: try again in 1 second$"):
        sign_in(session, "maria", PASSWORD)
    assert sign_in(session, "maria", PASSWORD, at=T0 + throttle.FIRST_DELAY).name == "maria"


def test_the_delay_doubles_with_each_further_failure(session, maria):
    at = T0
    for _ in range(throttle.NAME_LIMIT):
        fail(session, "maria", at=at)
    waits = []
    for _ in range(6):
        message = fail(session, "maria", at=at)  # refused: not a new failure
        waits.append(message.rsplit("in ", 1)[1])
        at += throttle.FIRST_DELAY * 2 ** len(waits[:-1])
        assert fail(session, "maria", at=at) == "Wrong name or password"  # the delay passed: checked, failed
    assert waits == ["1 second", "2 seconds", "4 seconds", "8 seconds", "16 seconds", "32 seconds"]


def test_the_delay_is_capped(session, maria):
    at = T0
    for _ in range(throttle.NAME_LIMIT + 40):
        session.add(SignInFailure(name="maria", created_at=at))
    session.commit()
    assert fail(session, "maria", at=at) == "Too many failed sign-ins for this account: try again in 15 minutes"


def test_no_password_is_checked_while_throttled(session, maria, verifies):
    for _ in range(throttle.NAME_LIMIT):
        fail(session, "maria")
    assert len(verifies) == throttle.NAME_LIMIT
    for _ in range(50):
        fail(session, "maria")
    with pytest.raises(SignInFailed, match="Too many"):
        sign_in(session, "maria", PASSWORD)
    assert len(verifies) == throttle.NAME_LIMIT


def test_an_unknown_name_gets_the_same_answers_as_an_account(session, maria):
    known = [fail(session, "maria") for _ in range(throttle.NAME_LIMIT + 3)]
    unknown = [fail(session, "nobody") for _ in range(throttle.NAME_LIMIT + 3)]
    assert unknown == known and "Too many" in known[-1]


def test_one_address_is_throttled_across_many_names(session, maria, verifies):
    for n in range(throttle.ADDRESS_LIMIT):
        assert fail(session, f"user{n}", address="203.0.113.9") == "Wrong name or password"
    assert fail(session, "someone-else", address="203.0.113.9") == \
        "Too many failed sign-ins from your address: try again in 1 second"
    with pytest.raises(SignInFailed, match="from your address"):
        sign_in(session, "maria", PASSWORD, address="203.0.113.9")
    assert len(verifies) == throttle.ADDRESS_LIMIT
    assert sign_in(session, "maria", PASSWORD, address="198.51.100.1").name == "maria"  # another address
    assert sign_in(session, "maria", PASSWORD, address="203.0.113.9", at=T0 + throttle.FIRST_DELAY).name == "maria"


def test_failures_stop_counting_after_the_window(session, maria):
    for _ in range(throttle.NAME_LIMIT):
        fail(session, "maria")
    assert "Too many" in fail(session, "maria", at=T0 + timedelta(seconds=0.5))
    assert sign_in(session, "maria", PASSWORD, at=T0 + throttle.WINDOW + timedelta(seconds=1)).name == "maria"


def test_failures_are_recorded_with_the_name_as_sign_in_reads_it_and_the_address(session, maria):
    fail(session, "  maria ", address="203.0.113.9")
    fail(session, "ghost")
    found = session.exec(select(SignInFailure).order_by(SignInFailure.id)).all()
    assert [(f.name, f.address) for f in found] == [("maria", "203.0.113.9"), ("ghost", None)]


def test_success_clears_the_accounts_failures(session, maria):
    for _ in range(throttle.NAME_LIMIT - 1):
        fail(session, "maria", address="203.0.113.9")
    fail(session, "ghost", address="203.0.113.9")
    sign_in(session, "maria", PASSWORD)
    assert [f.name for f in session.exec(select(SignInFailure)).all()] == ["ghost"]
    for _ in range(throttle.NAME_LIMIT - 1):
        assert fail(session, "maria") == "Wrong name or password"  # counting starts again


def test_parallel_wrong_tries_never_run_more_checks_at_once_than_allowed(file_engine, monkeypatch):
    lock, running, most = threading.Lock(), [0], [0]

    def slow_verify(password_hash: str, password: str) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(accounts, "_verify", slow_verify)
    errors: list[str] = []

    def attempt(n: int) -> None:
        with Session(file_engine) as s:
            try:
                accounts.authenticate(session=s, name=f"user{n}", password="wrong password!")
            except SignInFailed as e:
                errors.append(str(e))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == throttle.CONCURRENT_CHECKS
    assert errors == ["Wrong name or password"] * 16


def test_a_sign_in_that_waits_too_long_for_a_check_is_told_the_server_is_busy(session, maria, monkeypatch):
    monkeypatch.setattr(throttle, "BUSY_WAIT", 0.01)
    for _ in range(throttle.CONCURRENT_CHECKS):
        throttle._checks.acquire()
    try:
        with pytest.raises(throttle.ServerBusy, match="server is busy"):
            sign_in(session, "maria", PASSWORD)
    finally:
        for _ in range(throttle.CONCURRENT_CHECKS):
            throttle._checks.release()
    assert sign_in(session, "maria", PASSWORD).name == "maria"
