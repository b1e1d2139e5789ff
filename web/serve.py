"""`rrf web`: the portal served by uvicorn on the settings of the command."""

from typing import Callable

import uvicorn

from rrf.services.context import Context
from rrf.web.app import create_app


def run(ctx: Context, *, host: str, port: int, announce: Callable[[str], None]) -> None:
    app = create_app(ctx)  # checks the plan and makes the database's cookie key before serving
    announce(f"portal on http://{host}:{port}/ (plan {ctx.loaded.path}; stop with Ctrl+C)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False,
                proxy_headers=True, forwarded_allow_ips="127.0.0.1")
