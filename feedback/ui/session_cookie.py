"""The sign-in cookie: the two web routes that set and clear it, and the browser calls that reach them.

Streamlit's scripts talk to the browser over a websocket and cannot set a cookie, least of all an HttpOnly one.
So ``server.py`` serves the app with two more routes (Starlette, through ``st.App``):

- ``POST /_feedback/session`` with a sign-in's one-time ticket as its body answers with the session's token in
  an HttpOnly, SameSite=Lax cookie (Secure over HTTPS). After signing in, the page posts the ticket with
  ``keep_signed_in``; a reload, a bookmark or a second tab then sends the cookie, which the app reads
  (``st.context.cookies``) to resume the session.
- ``POST /_feedback/sign-out`` with a session's id as its body ends that session and deletes the cookie, when
  the cookie is that session's (``forget_cookie`` after signing out; a tab signed out because its session
  ended leaves alone a newer session the browser has since). Cross-site requests carry no SameSite=Lax
  cookie, so neither route does anything for another site.

Only the token's SHA-256 is stored (``feedback.people.sessions``).
"""

import logging
from functools import cache

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.people.sessions import SessionEnded, forget_session, trade_ticket
from feedback.store.engine import make_engine

COOKIE = "feedback_session"
SESSION_PATH, SIGN_OUT_PATH = "/_feedback/session", "/_feedback/sign-out"
COOKIE_DAYS = 30  # the browser keeps the cookie this long; the server ends the session after the idle timeout
MAX_BODY = 200  # a ticket is 43 characters

log = logging.getLogger(__name__)


def _set(response: Response, request: Request, token: str | None) -> None:
    """Set (``token``) or delete (None) the cookie, Secure when the request came over HTTPS."""
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    if token is None:
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    else:
        response.set_cookie(COOKIE, token, max_age=COOKIE_DAYS * 86400, path="/", secure=secure, httponly=True,
                            samesite="lax")


def cookie_routes(database_url: str, pool_size: int = 5) -> list[Route]:
    """The routes ``server.py`` adds to Streamlit's server, on the app's database."""

    @cache
    def engine() -> Engine:
        return make_engine(database_url, pool_size=pool_size)

    def trade(ticket: str) -> str:
        with Session(engine(), expire_on_commit=False) as s:
            return trade_ticket(session=s, ticket=ticket)

    def forget(token: str, session_id: int) -> bool:
        with Session(engine(), expire_on_commit=False) as s:
            return forget_session(session=s, token=token, session_id=session_id)

    async def session_route(request: Request) -> Response:
        body = (await request.body())[:MAX_BODY].decode("ascii", "replace")
        try:
            token = await run_in_threadpool(trade, body.strip())
        except SessionEnded as e:
            return Response(str(e), status_code=400, media_type="text/plain")
        except SQLAlchemyError:
            log.exception("could not trade a sign-in ticket")
            return Response("The database is not available", status_code=503, media_type="text/plain")
        response = Response(status_code=204)
        _set(response, request, token)
        return response

    async def sign_out_route(request: Request) -> Response:
        body = (await request.body())[:MAX_BODY].decode("ascii", "replace").strip()
        token = request.cookies.get(COOKIE)
        if not (token and body.isdigit()):
            return Response(status_code=204)
        try:
            if not await run_in_threadpool(forget, token, int(body)):
                return Response(status_code=204)  # the cookie is another (newer) session's: keep it
        except SQLAlchemyError:
            log.exception("could not end a session at sign-out")
        response = Response(status_code=204)
        _set(response, request, None)
        return response

    return [Route(SESSION_PATH, session_route, methods=["POST"]),
            Route(SIGN_OUT_PATH, sign_out_route, methods=["POST"])]


# The browser side: a component with no markup whose script posts once per ticket (a rerun that draws it again
# does not post again). Trusted code of ours: no data text ever goes into it but the ticket, as JSON.
_POST_ONCE = """
export default function (component) {
  const { data } = component;
  if (!data || !data.path) return;  // nothing due: drawn anyway, so the page's elements keep their places
  const sent = (window.__feedbackPosted = window.__feedbackPosted || new Set());
  const key = data.path + " " + data.body;
  if (sent.has(key)) return;
  sent.add(key);
  fetch(data.path, { method: "POST", body: data.body, credentials: "same-origin", cache: "no-store" })
    .catch(() => sent.delete(key));
}
"""


@cache
def _poster():
    return st.components.v2.component("feedback_session_cookie", js=_POST_ONCE)


def keep_signed_in(ticket: str) -> None:
    """After signing in: the browser trades ``ticket`` for the cookie (the app checks that it did)."""
    _poster()(data={"path": SESSION_PATH, "body": ticket}, key=SLOT)


def forget_cookie(session_id: int) -> None:
    """After signing out of ``session_id``: the browser asks the server to delete its cookie, if still that one."""
    _poster()(data={"path": SIGN_OUT_PATH, "body": str(session_id)}, key=SLOT)


def nothing_due() -> None:
    """The same element with nothing to post. The poster is drawn on every run, in the same place: drawn only
    when due, it shifted every element after it when it went, so the browser drew the whole page anew beside
    the old one (two forms on the Rate page for a moment after the first click)."""
    _poster()(data={"path": None}, key=SLOT)


SLOT = "app.cookie"
