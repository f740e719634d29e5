"""Throttling sign-ins: failed attempts slow down guessing, and few password checks run at once.

Every failed sign-in is recorded (the name tried, whether or not an account has it, and the client's address).
Once a name has ``NAME_LIMIT`` failures within ``WINDOW``, or an address ``ADDRESS_LIMIT``, further attempts
are refused without checking the password until a delay has passed since the last failure: ``FIRST_DELAY``,
doubled with each further failure, at most ``MAX_DELAY``. The refusal is the same for a name that has no
account. A successful sign-in clears its name's failures. Separately, at most ``CONCURRENT_CHECKS`` argon2
verifications (64 MiB each) run at once in the process; a sign-in that waits ``BUSY_WAIT`` for one is refused.

The functions here are helpers: they never commit (``authenticate`` owns the transaction).
"""

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, func, select

from feedback.errors import FeedbackError, SignInFailed
from feedback.store.tables import SignInFailure

NAME_LIMIT = 5  # failures for one name within WINDOW before its sign-ins are delayed
ADDRESS_LIMIT = 20  # failures from one client address within WINDOW before its sign-ins are delayed
WINDOW = timedelta(minutes=15)  # how long a failure counts
FIRST_DELAY = timedelta(seconds=1)  # the delay once a limit is reached; it doubles with each further failure
MAX_DELAY = timedelta(minutes=15)  # the longest delay
CONCURRENT_CHECKS = 4  # argon2 verifications (64 MiB each) running at once in this process
BUSY_WAIT = 2.0  # seconds a sign-in waits for a free check before "the server is busy"

NAME_CHARS, ADDRESS_CHARS = 200, 100  # the columns' lengths: longer input is cut (no account has such a name)
BUSY = "The server is busy checking other sign-ins: try again in a few seconds"

_checks = threading.BoundedSemaphore(CONCURRENT_CHECKS)


class SignInThrottled(SignInFailed):
    """Too many failed sign-ins for a name or from an address: the password was not checked."""


class ServerBusy(FeedbackError):
    """Every password check slot stayed busy for ``BUSY_WAIT`` seconds."""


def name_key(name: str | None) -> str:
    """The name as sign-in looks it up (surrounding spaces removed), as stored in ``SignInFailure``."""
    return (name or "").strip()[:NAME_CHARS]


def _address_key(address: str | None) -> str | None:
    """The address as stored; None unless it is a non-empty string (Streamlit's AppTest gives a mock object)."""
    return address[:ADDRESS_CHARS] if isinstance(address, str) and address else None


def _aware(moment: datetime) -> datetime:
    """SQLite gives back timestamps without their zone; every timestamp here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _retry_at(session: Session, column, value: str, limit: int, now: datetime) -> datetime | None:
    """When attempts matching ``column == value`` may be made again, or None when they are not throttled."""
    count, last = session.exec(select(func.count(SignInFailure.id), func.max(SignInFailure.created_at))
                               .where(column == value, SignInFailure.created_at > now - WINDOW)).one()
    if count < limit or last is None:
        return None
    delay = min(FIRST_DELAY * 2 ** min(count - limit, 30), MAX_DELAY)
    return _aware(last) + delay


def _wait_text(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def refuse_if_throttled(session: Session, *, name: str | None, address: str | None, now: datetime) -> None:
    """Raise ``SignInThrottled`` (saying when to try again) while the name or the address is throttled."""
    found = [(_retry_at(session, SignInFailure.name, name_key(name), NAME_LIMIT, now), "for this account")]
    if _address_key(address):
        found.append((_retry_at(session, SignInFailure.address, _address_key(address), ADDRESS_LIMIT, now),
                      "from your address"))
    blocked = [(at, where) for at, where in found if at is not None and at > now]
    if blocked:
        at, where = max(blocked)
        raise SignInThrottled(f"Too many failed sign-ins {where}: try again in {_wait_text(at - now)}")


def record_failure(session: Session, *, name: str | None, address: str | None, now: datetime) -> None:
    """Add a failed sign-in (not committed)."""
    session.add(SignInFailure(name=name_key(name), address=_address_key(address), created_at=now))


def clear_failures(session: Session, *, name: str | None) -> None:
    """Forget the failed sign-ins for ``name`` (after a successful sign-in; not committed)."""
    session.exec(delete(SignInFailure).where(SignInFailure.name == name_key(name)))


@contextmanager
def password_check() -> Iterator[None]:
    """A slot to verify one password in; ``ServerBusy`` when none frees up within ``BUSY_WAIT`` seconds."""
    if not _checks.acquire(timeout=BUSY_WAIT):
        raise ServerBusy(BUSY)
    try:
        yield
    finally:
        _checks.release()
