"""Running the compliance flow for a command: once now (`rrf check`), or on a schedule
(`rrf serve`), on PREFECT_API_URL or on a temporary server started for the command.

The command line is handed these two functions by `rrf.launch`; it never imports flows.
"""

import os
from datetime import date
from pathlib import Path

from rrf.flows.server import prefect_api, stop_on_sigterm
from rrf.models.db import safe_url
from rrf.rules.errors import RrfError
from rrf.services.check import CheckResult
from rrf.services.context import Context


def run_once(ctx: Context, as_of: date) -> CheckResult:
    """The check as one Prefect flow run in this process, with the plan and configuration already
    loaded by the command (handed to the flow, not read again)."""
    with prefect_api() as server:
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from rrf.flows.compliance import compliance_check, handing  # Prefect loads while the server starts

        server.ready()
        # a run in this very process needs no heartbeats (they detect crashed workers), and
        # stopping their thread costs a second
        with handing(ctx), temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            return compliance_check(plan_path=str(Path(ctx.loaded.path).resolve()), as_of=as_of,
                                    notify_config=_path(ctx.settings.notify_path))


def serve(ctx: Context, *, cron: str, timezone: str, port: int | None, announce) -> None:  # noqa: ANN001
    """Serve the check on a cron schedule until Ctrl-C or SIGTERM. Each scheduled run is a process
    of Prefect's: the database URL reaches it in its environment, never as a flow parameter (it
    may hold a password); the plan and notification paths are parameters."""
    os.environ["RRF_DATABASE_URL"] = ctx.url
    stop_on_sigterm()
    with prefect_api(services=True, port=port) as server:
        from prefect.schedules import Cron

        from rrf.flows.compliance import compliance_check

        try:
            schedule = Cron(cron, timezone=timezone)
        except ValueError as exc:
            raise RrfError(f"--cron {cron!r}: {exc}") from None
        server.ready()
        announce(server.url, safe_url(ctx.url))
        compliance_check.serve(
            name="rrf-scheduled", schedules=[schedule], print_starting_message=False,
            parameters={"plan_path": str(Path(ctx.loaded.path).resolve()), "scheduled": True,
                        "notify_config": _path(ctx.settings.notify_path)},
        )


def _path(path: Path | None) -> str | None:
    return str(path) if path else None
