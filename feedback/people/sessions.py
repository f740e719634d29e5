"""Sign-in sessions kept in the database, so that a reload, a bookmark or a second tab stays signed in, and
so that a session ends when it should.

Signing in makes a ``LoginSession`` with a one-time *ticket* (random, valid ``TICKET_LIFE``). The browser
trades the ticket for a *token* (``trade_ticket``), which it keeps in an HttpOnly cookie; the database keeps
only SHA-256 digests of both (the secrets are 256 random bits: a slow password hash adds nothing). A new
tab or a reload sends the cookie and ``resume_session`` finds the session again; the tab that signed in keeps
the session's id and checks it on every run (``check_session``).

A session ends (``ended_at`` and why) when its user signs out, stays idle longer than the timeout, has their
password reset or changed (every *other* session of theirs, for a change), has their role changed or is
deactivated. The next run of any tab of an ended session shows the sign-in form and says why.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select

from feedback.errors import FeedbackError, SignInFailed
from feedback.store.tables import LoginSession, User, utcnow
from feedback.store.transactions import writing

TICKET_LIFE = timedelta(minutes=1)  # between signing in and the browser trading its ticket for the cookie
TOUCH_EVERY = timedelta(minutes=1)  # last activity is written at most this often (one write a minute a tab)
KEEP_ENDED = timedelta(days=30)  # ended sessions are kept this long (who was signed in when), then deleted
ADDRESS_CHARS = 100

SIGNED_OUT, IDLE, PASSWORD_RESET, PASSWORD_CHANGED, ROLE_CHANGED, DEACTIVATED = (
    "signed out", "idle", "password reset", "password changed", "role changed", "deactivated")
_NOTICES = {
    SIGNED_OUT: "Signed out.",
    PASSWORD_RESET: "Signed out: an admin reset this account's password. Sign in with the new one.",
    PASSWORD_CHANGED: "Signed out: this account's password was changed. Sign in with the new one.",
    ROLE_CHANGED: "Signed out: an admin changed this account's role. Sign in again.",
    DEACTIVATED: "Signed out: this account has been deactivated.",
}


class SessionEnded(FeedbackError):
    """The session is over; the message says why (for the sign-in page)."""


@dataclass(frozen=True)
class Started:
    """A new session: its id (kept by the tab that signed in) and the ticket its browser trades for a cookie."""

    session_id: int
    ticket: str


def digest(secret: str) -> str:
    """The SHA-256 of a ticket or token, as stored."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite gives back timestamps without their zone; every timestamp here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def notice(why: str | None, idle_minutes: int) -> str:
    """What the sign-in page says about a session ended for ``why``."""
    if why == IDLE:
        return f"Signed out after {idle_minutes} minutes without activity."
    return _NOTICES.get(why or "", "Signed out.")


def start_session(*, session: Session, user: User | None, address: str | None = None,
                  now: datetime | None = None) -> Started:
    """A new session for ``user`` (just authenticated), with its one-time ticket. Also deletes this user's
    sessions that ended more than ``KEEP_ENDED`` ago. ``SignInFailed`` for no user or a deactivated one."""
    if user is None or not user.active:
        raise SignInFailed("Sign in with an active account")
    now = now or utcnow()
    ticket = secrets.token_urlsafe(32)
    where = address[:ADDRESS_CHARS] if isinstance(address, str) and address else None
    with writing(session):
        session.exec(delete(LoginSession).where(LoginSession.user_id == user.id,
                                                LoginSession.ended_at < now - KEEP_ENDED))
        row = LoginSession(user_id=user.id, ticket_hash=digest(ticket), ticket_expires_at=now + TICKET_LIFE,
                           address=where, created_at=now, last_seen_at=now)
        session.add(row)
    return Started(session_id=row.id, ticket=ticket)


def trade_ticket(*, session: Session, ticket: str, now: datetime | None = None) -> str:
    """The session's token (for the browser's cookie) in exchange for its ticket, which then stops working.
    ``SessionEnded`` for a ticket that is unknown, used, expired, or of a session already over."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with writing(session):
        row = session.exec(select(LoginSession).where(LoginSession.ticket_hash == digest(ticket or ""))).first()
        if row is None or row.ended_at is not None or _aware(row.ticket_expires_at) < now:
            raise SessionEnded("This sign-in has expired: sign in again")
        row.ticket_hash, row.ticket_expires_at, row.token_hash = None, None, digest(token)
        session.add(row)
    return token


def _live_user(session: Session, row: LoginSession, idle_minutes: int, now: datetime) -> User:
    """The session's user, after ending the session (and raising ``SessionEnded``) when it is over; notes the
    activity (at most once a ``TOUCH_EVERY``)."""
    if row.ended_at is not None:
        raise SessionEnded(notice(row.ended_why, idle_minutes))
    user = session.get(User, row.user_id)
    why = None
    if user is None or not user.active:
        why = DEACTIVATED
    elif now - _aware(row.last_seen_at) > timedelta(minutes=idle_minutes):
        why = IDLE
    if why is not None:
        end_session(session=session, session_id=row.id, why=why, now=now)
        raise SessionEnded(notice(why, idle_minutes))
    if now - _aware(row.last_seen_at) >= TOUCH_EVERY:
        with writing(session):
            session.exec(update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
    return user


def check_session(*, session: Session, session_id: int, idle_minutes: int, now: datetime | None = None) -> User:
    """The user of the session ``session_id`` (kept by the tab that signed in); ``SessionEnded`` when over."""
    row = session.get(LoginSession, session_id, populate_existing=True)
    if row is None:
        raise SessionEnded(notice(SIGNED_OUT, idle_minutes))
    return _live_user(session, row, idle_minutes, now or utcnow())


def resume_session(*, session: Session, token: str, idle_minutes: int,
                   now: datetime | None = None) -> tuple[int, User] | None:
    """The session id and user of a browser's cookie ``token``; None for a token of no session (a cookie from
    another database, or long deleted); ``SessionEnded`` (saying why) for one that is over."""
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == digest(token or ""))).first()
    if row is None:
        return None
    return row.id, _live_user(session, row, idle_minutes, now or utcnow())


def end_session(*, session: Session, session_id: int, why: str = SIGNED_OUT, now: datetime | None = None) -> None:
    """End one session (nothing happens to one already over)."""
    with writing(session):
        session.exec(update(LoginSession).where(LoginSession.id == session_id, LoginSession.ended_at.is_(None))
                     .values(ended_at=now or utcnow(), ended_why=why))


def forget_session(*, session: Session, token: str, session_id: int) -> bool:
    """A browser's sign-out: whether its cookie ``token`` is the one of ``session_id`` (ended then). A tab
    signed out after its session ended must not end a newer session the browser's cookie has since."""
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == digest(token or ""))).first()
    if row is None or row.id != session_id:
        return False
    end_session(session=session, session_id=row.id)
    return True


def end_sessions_of(session: Session, user_id: int, *, why: str, keep: int | None = None) -> None:
    """End every session of ``user_id`` but ``keep`` (a helper inside the caller's write transaction: not
    committed)."""
    query = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(LoginSession.id != keep)
    session.exec(query.values(ended_at=utcnow(), ended_why=why))


def ticket_traded(*, session: Session, session_id: int) -> bool:
    """Whether the browser of ``session_id`` has its cookie (its ticket was traded)."""
    row = session.get(LoginSession, session_id, populate_existing=True)
    return row is not None and row.token_hash is not None
