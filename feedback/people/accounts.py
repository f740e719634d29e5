"""Accounts: passwords (argon2id), signing in, roles and deactivation.

A password is never stored, logged or put in an error message: only its argon2 hash is kept. Signing in
fails with one message, "Wrong name or password", whatever was wrong (unknown name, wrong password,
deactivated account, account without a password), and an unknown name costs the same hash verification
as a known one. Failed sign-ins are recorded and throttled (``feedback.people.throttle``). Only admins (or
the local operator, ``actor=None``) manage accounts, and the last active admin can be neither demoted nor
deactivated.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, func, select

from feedback.errors import FeedbackError, NotFound, SignInFailed
from feedback.people import sessions, throttle
from feedback.people.names import MIN_PASSWORD
from feedback.people.permissions import ADMIN, ROLES, require
from feedback.people.users import clean_name
from feedback.store.tables import User, utcnow
from feedback.store.transactions import begin_write

MAX_PASSWORD = 1024  # argon2 takes any length; a cap keeps a sign-in form from hashing megabytes
WRONG = "Wrong name or password"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def check_password(password: str) -> None:
    """Refuse a password that breaks the policy (at least ``MIN_PASSWORD`` characters)."""
    if len(password or "") < MIN_PASSWORD:
        raise FeedbackError(f"A password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise FeedbackError(f"A password has at most {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (checked against the policy first)."""
    check_password(password)
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not anybody's password: verified for unknown names")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@contextmanager
def _writing(session: Session) -> Iterator[None]:
    """One write transaction: committed on success, rolled back on any error."""
    begin_write(session)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise FeedbackError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}")
    return role


def find_user(session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name.strip())).first()


def get_user(session: Session, name: str) -> User:
    """The user called ``name``; ``NotFound`` otherwise."""
    user = find_user(session, name or "")
    if user is None:
        raise NotFound(f"No user named {(name or '').strip()!r}")
    return user


def count_active_admins(session: Session) -> int:
    return session.exec(select(func.count(User.id)).where(User.role == ADMIN, User.active)).one()


def _keep_an_admin(session: Session, user: User, change: str) -> None:
    """Refuse ``change`` when it would leave no active admin."""
    if user.role == ADMIN and user.active and count_active_admins(session) <= 1:
        raise FeedbackError(f"{user.name} is the last active admin and cannot be {change}: "
                            "make another user admin first")


def create_user(*, session: Session, actor: User | None, name: str, role: str, password: str) -> User:
    """Create an account. A user who exists only through imported labels (no password) gets it instead."""
    require(actor, ADMIN, "create accounts")
    name, role = clean_name(name), _check_role(role)
    password_hash = hash_password(password)  # slow: before taking the write lock
    with _writing(session):
        user = find_user(session, name)
        if user is not None and user.password_hash is not None:
            raise FeedbackError(f"A user named {name!r} already exists")
        user = user or User(name=name)
        user.role, user.password_hash, user.active = role, password_hash, True
        session.add(user)
    return user


def authenticate(*, session: Session, name: str, password: str, address: str | None = None,
                 now: datetime | None = None) -> User:
    """The active user with this name and password; ``SignInFailed`` ("Wrong name or password") otherwise.

    ``address`` is the client's address (None when unknown). Failures are recorded and throttled (see
    ``feedback.people.throttle``): while a name or address is throttled the password is not checked at all.
    ``now`` is for tests (default: the current time)."""
    now = now or utcnow()
    throttle.refuse_if_throttled(session, name=name, address=address, now=now)
    user = find_user(session, name or "") if len(password or "") <= MAX_PASSWORD else None
    known = user is not None and user.password_hash is not None
    with throttle.password_check():
        right = _verify(user.password_hash if known else _dummy_hash(), password or "")  # same work if unknown
    if not (known and right and user.active):
        with _writing(session):
            throttle.record_failure(session, name=name, address=address, now=now)
        raise SignInFailed(WRONG)
    rehash = _hasher.check_needs_rehash(user.password_hash)
    new_hash = _hasher.hash(password) if rehash else None
    with _writing(session):
        user = session.get(User, user.id)
        user.password_hash = new_hash or user.password_hash
        user.last_login_at = now
        throttle.clear_failures(session, name=name)
    return user


def set_role(*, session: Session, actor: User | None, name: str, role: str) -> User:
    """Give ``name`` the role ``role`` (admin, reviewer or annotator)."""
    require(actor, ADMIN, "change roles")
    _check_role(role)
    with _writing(session):
        user = get_user(session, name)
        if role != ADMIN:
            _keep_an_admin(session, user, "demoted")
        if user.role != role:
            sessions.end_sessions_of(session, user.id, why=sessions.ROLE_CHANGED)
        user.role = role
    return user


def reset_password(*, session: Session, actor: User | None, name: str, password: str) -> User:
    """Give ``name`` a new password: the old one stops working and every session of ``name`` ends at once."""
    require(actor, ADMIN, "reset passwords")
    password_hash = hash_password(password)
    with _writing(session):
        user = get_user(session, name)
        user.password_hash = password_hash
        sessions.end_sessions_of(session, user.id, why=sessions.PASSWORD_RESET)
    return user


def change_own_password(*, session: Session, user: User | None, old: str, new: str,
                        keep_session: int | None = None) -> User:
    """``user`` replaces their own password, proving they know the current one. Every other session of theirs
    ends (``keep_session``: the one they changed it from, which stays signed in)."""
    if user is None:
        raise SignInFailed("Sign in to change your password")
    stored = session.get(User, user.id)
    if stored is not None and not stored.active:
        raise SignInFailed("This account is deactivated; nothing was changed")
    if stored is None or stored.password_hash is None or not _verify(stored.password_hash, old or ""):
        raise SignInFailed("The current password is wrong; nothing was changed")
    if new == old:
        raise FeedbackError("The new password is the same as the current one")
    password_hash = hash_password(new)
    with _writing(session):
        stored = session.get(User, user.id)
        stored.password_hash = password_hash
        sessions.end_sessions_of(session, user.id, why=sessions.PASSWORD_CHANGED, keep=keep_session)
    return stored


def set_active(*, session: Session, actor: User | None, name: str, active: bool) -> User:
    """Deactivate (``active=False``: every session ends, signed out at their next click, cannot sign in) or
    reactivate ``name``."""
    require(actor, ADMIN, "activate or deactivate accounts")
    with _writing(session):
        user = get_user(session, name)
        if not active:
            _keep_an_admin(session, user, "deactivated")
            sessions.end_sessions_of(session, user.id, why=sessions.DEACTIVATED)
        user.active = active
    return user


def list_users(*, session: Session, actor: User | None) -> list[User]:
    """Every user, by name (admins only)."""
    require(actor, ADMIN, "list accounts")
    return list(session.exec(select(User).order_by(User.name)).all())
