"""The signed-in user's own account: who they are, and changing their password. The service
(services.users.change_password) checks the current password and ends the user's other sessions."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from rrf.services import users
from rrf.services.access import Viewer
from rrf.web.respond import page
from rrf.web.session import check_csrf, ctx_of, current_viewer, language

router = APIRouter()


@router.get("/account")
def account(request: Request, done: str = "", viewer: Viewer = Depends(current_viewer)) -> Response:
    return page(request, "account.html.j2", viewer, problems=[], changed=done == "password",
                min_password=users.MIN_PASSWORD)


@router.post("/account/password")
async def change_password(request: Request, viewer: Viewer = Depends(current_viewer)) -> Response:
    await check_csrf(request)
    form = await request.form()
    token = request.session.get("session")
    try:
        users.change_password(ctx_of(request), viewer, current=str(form.get("current", "")),
                              new=str(form.get("new", "")), repeated=str(form.get("repeated", "")),
                              client=request.client.host if request.client else "unknown", token=str(token))
    except users.UserError as refused:
        return page(request, "account.html.j2", viewer, 400, problems=refused.lines_in(language(request, viewer)),
                    changed=False, min_password=users.MIN_PASSWORD)
    return RedirectResponse("/account?done=password", status_code=303)
