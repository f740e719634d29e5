"""Sign-in sessions in the database: a ticket traded once for a token, only digests stored, resumed from the
cookie, ended by sign-out, idleness, a password reset or change, a role change and deactivation; and the two
web routes that set and clear the cookie (Starlette's TestClient on a real SQLite file)."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from feedback.people import accounts, sessions
from feedback.people.sessions import SessionEnded
from feedback.store.tables import LoginSession, User, utcnow
from feedback.ui.session_cookie import COOKIE, SESSION_PATH, SIGN_OUT_PATH, cookie_routes

PASSWORD = "correct horse battery"
IDLE = 60


@pytest.fixture
def maria(session) -> User:
    return accounts.create_user(session=session, actor=None, name="maria", role="annotator", password=PASSWORD)


def signed_in(session, user, now=None, **kw) -> tuple[int, str]:
    """A session of ``user`` whose browser has traded its ticket: (its id, the cookie's token)."""
    started = sessions.start_session(session=session, user=user, now=now, **kw)
    return started.session_id, sessions.trade_ticket(session=session, ticket=started.ticket, now=now)


def test_a_ticket_is_traded_once_for_a_token_and_only_digests_are_stored(session, maria):
    started = sessions.start_session(session=session, user=maria, address="10.0.0.7")
    token = sessions.trade_ticket(session=session, ticket=started.ticket)
    row = session.get(LoginSession, started.session_id)
    assert row.token_hash == sessions.digest(token) and row.ticket_hash is None and row.address == "10.0.0.7"
    assert token not in repr(row.model_dump()) and started.ticket not in repr(row.model_dump())
    assert len(token) >= 43 and token != started.ticket
    with pytest.raises(SessionEnded, match="expired"):
        sessions.trade_ticket(session=session, ticket=started.ticket)  # used
    assert sessions.resume_session(session=session, token=token, idle_minutes=IDLE) == (started.session_id, maria)


@pytest.mark.parametrize("ticket", ["", "made up", "x" * 500])
def test_an_unknown_ticket_is_refused(session, maria, ticket):
    sessions.start_session(session=session, user=maria)
    with pytest.raises(SessionEnded):
        sessions.trade_ticket(session=session, ticket=ticket)


def test_a_ticket_expires_after_a_minute(session, maria):
    started = sessions.start_session(session=session, user=maria)
    with pytest.raises(SessionEnded, match="expired"):
        sessions.trade_ticket(session=session, ticket=started.ticket,
                              now=utcnow() + sessions.TICKET_LIFE + timedelta(seconds=1))


def test_an_unknown_token_resumes_nothing(session, maria):
    signed_in(session, maria)
    assert sessions.resume_session(session=session, token="not a token", idle_minutes=IDLE) is None
    assert sessions.resume_session(session=session, token="", idle_minutes=IDLE) is None


def test_idleness_ends_a_session_and_activity_is_noted_once_a_minute(session, maria):
    session_id, token = signed_in(session, maria)
    created = session.get(LoginSession, session_id).last_seen_at
    later = utcnow() + timedelta(seconds=30)
    assert sessions.check_session(session=session, session_id=session_id, idle_minutes=IDLE, now=later) == maria
    assert session.get(LoginSession, session_id, populate_existing=True).last_seen_at == created  # < a minute
    later = utcnow() + timedelta(minutes=IDLE - 1)
    sessions.check_session(session=session, session_id=session_id, idle_minutes=IDLE, now=later)
    assert session.get(LoginSession, session_id, populate_existing=True).last_seen_at.replace(tzinfo=None) == \
        later.replace(tzinfo=None)
    too_late = later + timedelta(minutes=IDLE, seconds=1)
    with pytest.raises(SessionEnded, match=f"after {IDLE} minutes without activity"):
        sessions.resume_session(session=session, token=token, idle_minutes=IDLE, now=too_late)
    with pytest.raises(SessionEnded, match="without activity"):  # and it stays ended
        sessions.check_session(session=session, session_id=session_id, idle_minutes=IDLE)
    assert session.get(LoginSession, session_id, populate_existing=True).ended_why == sessions.IDLE


@pytest.mark.parametrize("action, why", [
    (lambda s: accounts.reset_password(session=s, actor=None, name="maria", password="a new long password"),
     sessions.PASSWORD_RESET),
    (lambda s: accounts.set_role(session=s, actor=None, name="maria", role="reviewer"), sessions.ROLE_CHANGED),
    (lambda s: accounts.set_active(session=s, actor=None, name="maria", active=False), sessions.DEACTIVATED),
])
def test_an_admins_change_ends_every_session_of_the_account(session, maria, action, why):
    mine = [signed_in(session, maria) for _ in range(3)]
    other = accounts.create_user(session=session, actor=None, name="dev", role="annotator", password=PASSWORD)
    theirs, _ = signed_in(session, other)
    action(session)
    for session_id, token in mine:
        with pytest.raises(SessionEnded, match="Signed out"):
            sessions.check_session(session=session, session_id=session_id, idle_minutes=IDLE)
        with pytest.raises(SessionEnded):
            sessions.resume_session(session=session, token=token, idle_minutes=IDLE)
        assert session.get(LoginSession, session_id, populate_existing=True).ended_why == why
    assert sessions.check_session(session=session, session_id=theirs, idle_minutes=IDLE) == other


def test_setting_the_same_role_again_ends_nothing(session, maria):
    session_id, _ = signed_in(session, maria)
    accounts.set_role(session=session, actor=None, name="maria", role="annotator")
    assert sessions.check_session(session=session, session_id=session_id, idle_minutes=IDLE) == maria


def test_changing_ones_own_password_ends_every_other_session(session, maria):
    here, _ = signed_in(session, maria)
    _elsewhere, token = signed_in(session, maria)
    accounts.change_own_password(session=session, user=maria, old=PASSWORD, new="a new long password",
                                 keep_session=here)
    assert sessions.check_session(session=session, session_id=here, idle_minutes=IDLE) == maria
    with pytest.raises(SessionEnded, match="password was changed"):
        sessions.resume_session(session=session, token=token, idle_minutes=IDLE)


def test_a_deactivated_account_ends_its_session_even_when_deactivated_behind_our_back(session, maria):
    session_id, _ = signed_in(session, maria)
    session.get(User, maria.id).active = False  # e.g. an older version, or SQL by hand
    session.commit()
    with pytest.raises(SessionEnded, match="deactivated"):
        sessions.check_session(session=session, session_id=session_id, idle_minutes=IDLE)


def test_sessions_ended_long_ago_are_deleted_at_the_next_sign_in(session, maria):
    old, _ = signed_in(session, maria, now=utcnow() - sessions.KEEP_ENDED - timedelta(days=2))
    sessions.end_session(session=session, session_id=old, now=utcnow() - sessions.KEEP_ENDED - timedelta(days=1))
    recent, _ = signed_in(session, maria)
    sessions.end_session(session=session, session_id=recent)
    signed_in(session, maria)
    ended = session.exec(select(LoginSession.id, LoginSession.ended_why).where(LoginSession.ended_at.is_not(None)))
    assert ended.all() == [(recent, sessions.SIGNED_OUT)]  # (ids are reused: ``old`` may be the newest now)


# The routes, on a real database file and Starlette's test client.

@pytest.fixture
def client(file_engine):
    app = Starlette(routes=cookie_routes(str(file_engine.url)))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def started(file_engine):
    with Session(file_engine, expire_on_commit=False) as s:
        user = accounts.create_user(session=s, actor=None, name="maria", role="annotator", password=PASSWORD)
        return user, sessions.start_session(session=s, user=user)


def test_the_session_route_sets_an_httponly_samesite_cookie_for_a_ticket_once(client, started, file_engine):
    _user, start = started
    answer = client.post(SESSION_PATH, content=start.ticket)
    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie  # plain HTTP here
    token = client.cookies[COOKIE]
    with Session(file_engine) as s:
        assert sessions.resume_session(session=s, token=token, idle_minutes=IDLE)[0] == start.session_id
    again = client.post(SESSION_PATH, content=start.ticket)
    assert again.status_code == 400 and "expired" in again.text and "set-cookie" not in again.headers


def test_the_cookie_is_secure_behind_https(file_engine, started):
    _, start = started
    with TestClient(Starlette(routes=cookie_routes(str(file_engine.url))), base_url="https://feedback.example") as c:
        assert "Secure" in c.post(SESSION_PATH, content=start.ticket).headers["set-cookie"]


def test_the_routes_answer_only_post(client):
    assert client.get(SESSION_PATH).status_code == 405
    assert client.get(SIGN_OUT_PATH).status_code == 405


def test_sign_out_ends_the_cookies_session_and_deletes_the_cookie(client, started, file_engine):
    _, start = started
    client.post(SESSION_PATH, content=start.ticket)
    token = client.cookies[COOKIE]
    answer = client.post(SIGN_OUT_PATH, content=str(start.session_id))
    assert answer.status_code == 204 and f'{COOKIE}=""' in answer.headers["set-cookie"]
    with Session(file_engine) as s, pytest.raises(SessionEnded):
        sessions.resume_session(session=s, token=token, idle_minutes=IDLE)


def test_signing_out_an_older_session_leaves_the_newer_cookie_alone(client, started, file_engine):
    user, old = started
    client.post(SESSION_PATH, content=old.ticket)
    with Session(file_engine, expire_on_commit=False) as s:
        new = sessions.start_session(session=s, user=user)
    client.post(SESSION_PATH, content=new.ticket)  # the browser signed in again in another tab
    answer = client.post(SIGN_OUT_PATH, content=str(old.session_id))  # the old tab is told it was signed out
    assert answer.status_code == 204 and "set-cookie" not in answer.headers
    with Session(file_engine) as s:
        assert sessions.resume_session(session=s, token=client.cookies[COOKIE], idle_minutes=IDLE)[0] == \
            new.session_id


@pytest.mark.parametrize("body", ["", "abc", "1" * 300])
def test_sign_out_without_a_matching_cookie_changes_nothing(client, body):
    answer = client.post(SIGN_OUT_PATH, content=body)
    assert answer.status_code == 204 and "set-cookie" not in answer.headers
