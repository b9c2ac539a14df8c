"""The server entry point: the Streamlit app (``streamlit_app.py``) plus two small HTTP routes
that set and clear the session cookie (Streamlit's script runs over a websocket and cannot).

``streamlit run serve.py`` (``make run``) finds ``app`` below and serves it with uvicorn. Thin,
like the pages: the routes read the request, call the services, answer.

* ``GET /_cr/session?code=…&next=/path`` trades a one-time sign-in code for a session cookie
  (opaque random token; HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS) and redirects to
  ``next`` (a path on this site only).
* ``GET /_cr/sign-out`` clears the cookie (the session itself was revoked by the services) and
  redirects to the sign-in page.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import streamlit as st
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from review import audit
from review.errors import ReviewError
from review.services.sessions import COOKIE_NAME

#: tells the app's script the cookie routes exist (same process)
os.environ["COMPETENCY_REVIEW_COOKIE_ROUTES"] = "1"

_SERVICE = None


def _service():  # type: ignore[no-untyped-def]
    global _SERVICE
    if _SERVICE is None:
        from review.config import data_dir
        from review.services import ReviewService

        _SERVICE = ReviewService(data_dir=data_dir())
    return _SERVICE


def _safe_next(raw: str | None) -> str:
    """Only a path on this site: never ``//evil.example`` or ``https://…``."""
    if not raw:
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//"):
        return "/"
    return raw


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def open_session(request: Request) -> Response:
    target = _safe_next(request.query_params.get("next"))
    client = f"web {request.client.host}" if request.client else "web"
    try:
        with audit.client_scope(client):
            token, max_age = _service().open_session(request.query_params.get("code", ""), client)
    except ReviewError:
        return RedirectResponse("/", status_code=303)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def sign_out(request: Request) -> Response:
    response = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


app = st.App(
    "streamlit_app.py",
    routes=[
        Route("/_cr/session", open_session, methods=["GET"]),
        Route("/_cr/sign-out", sign_out, methods=["GET"]),
    ],
)
