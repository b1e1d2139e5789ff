"""Signing in and out, the language switch and the health endpoint (the pages without a user)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from rrf import __version__
from rrf.rules.i18n import N_, Words
from rrf.services import health, users
from rrf.web.respond import page
from rrf.web.session import check_csrf, ctx_of, language, safe_next

router = APIRouter()
REFUSED = {
    "bad": N_("Wrong user name or password."),
    "throttled": N_("Too many failed sign-ins: wait 15 minutes and try again."),
    "disabled": N_("This account is disabled: ask the RRF office."),
}


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/") -> Response:
    return page(request, "sign_in.html.j2", None, error=None, next=safe_next(next), username="",
                no_accounts=not users.anyone(ctx_of(request)))


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    name, password = str(form.get("username", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    client = request.client.host if request.client else "unknown"
    try:
        viewer = users.sign_in(ctx_of(request), name=name, password=password, client=client)
    except users.SignInRefused as refused:
        _ = Words(language(request))
        return page(request, "sign_in.html.j2", None, status=429 if refused.why == "throttled" else 401,
                    error=_(REFUSED[refused.why]), next=target, username=name[:60], no_accounts=False)
    lang, earlier = request.session.get("lang"), request.session.get("session")
    if isinstance(earlier, str):  # signing in again ends the session before, for every copy of its cookie
        users.end_session(ctx_of(request), earlier)
    request.session.clear()  # a new session: a new CSRF token
    request.session.update(session=users.open_session(ctx_of(request), viewer), **({"lang": lang} if lang else {}))
    return RedirectResponse(target, status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await check_csrf(request)
    token = request.session.get("session")
    if isinstance(token, str):
        users.end_session(ctx_of(request), token)  # for good: a copy of the cookie is refused from now on
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/") -> Response:
    if lang in ("lv", "en"):
        request.session["lang"] = lang
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/health")
def health_check(request: Request) -> Response:
    """For monitoring: 200 when the plan loads and the database answers, 503 otherwise."""
    report = health.check(ctx_of(request))
    return JSONResponse({"version": __version__, **report}, status_code=200 if report["status"] == "ok" else 503)
