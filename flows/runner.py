"""Running the compliance flow for a command: once now (`rrf check`), or on a schedule
(`rrf serve`), on PREFECT_API_URL or on a temporary server started for the command.

The command line is handed these two functions by `rrf.launch`; it never imports flows.
"""

import asyncio
import os
import signal
from datetime import date
from pathlib import Path

from rrf.flows.server import prefect_api, stop_on_sigterm
from rrf.models.db import safe_url
from rrf.rules.errors import RrfError
from rrf.services.check import CheckResult
from rrf.services.context import Context


def run_once(ctx: Context, as_of: date, *, backdate: bool = False) -> CheckResult:
    """The check as one Prefect flow run in this process, with the plan and configuration already
    loaded by the command (handed to the flow, not read again)."""
    with prefect_api() as server:
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        from rrf.flows.compliance import compliance_check, handing  # Prefect loads while the server starts

        server.ready()
        # a run in this very process needs no heartbeats (they detect crashed workers), and
        # stopping their thread costs a second
        with handing(ctx), temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            # by hand, someone waits at the terminal: one delivery, what fails waits for the next run
            return compliance_check(plan_path=str(Path(ctx.loaded.path).resolve()), as_of=as_of,
                                    notify_config=_path(ctx.settings.notify_path), backdate=backdate,
                                    retry_delivery=False)


def serve(ctx: Context, *, cron: str, timezone: str, port: int | None, announce) -> None:  # noqa: ANN001
    """Serve the check on a cron schedule until Ctrl-C or SIGTERM. Each scheduled run is a process
    of Prefect's: the database URL reaches it in its environment, never as a flow parameter (it
    may hold a password); the plan and notification paths, the cron and its zone are parameters.

    Stopping (SIGTERM or Ctrl-C) ends the runner inside its own event loop, lets Prefect send what
    it still holds (logs, events) while the server is up, and only then stops the server: the
    process ends within seconds, whatever it was doing."""
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
        runner = _stoppable_runner("rrf-scheduled")
        runner.add_flow(compliance_check, name="rrf-scheduled", schedules=[schedule], parameters={
            "plan_path": str(Path(ctx.loaded.path).resolve()), "scheduled": True,
            "notify_config": _path(ctx.settings.notify_path), "cron": cron, "timezone": timezone})
        signal.signal(signal.SIGINT, runner.handle_sigterm)  # Ctrl-C stops it the same way
        try:
            asyncio.run(runner.start(webserver=False))
        finally:
            _drain_prefect()


def _stoppable_runner(name: str):  # noqa: ANN202 (a Prefect Runner)
    """Prefect's Runner, whose SIGTERM handler schedules its async stop on its own event loop.
    (Prefect's own handler calls the sync `stop()` from inside the running loop, which only
    creates the coroutine -- "coroutine 'Runner.astop' was never awaited" -- and then raises
    SystemExit through the loop.)"""
    from prefect.runner import Runner

    class Stoppable(Runner):
        def handle_sigterm(self, *args: object, **kwargs: object) -> None:
            if self.stopping:
                return  # a second SIGTERM: already on the way out
            loop = asyncio.get_running_loop()  # the handler runs on the main thread, inside the loop
            loop.call_soon_threadsafe(lambda: loop.create_task(self._stop_once_started()))

        async def _stop_once_started(self) -> None:
            while not self.started and not self.stopping:  # SIGTERM while the runner was starting
                await asyncio.sleep(0.1)
            if not self.stopping:
                await self.astop()

    return Stoppable(name=name, pause_on_shutdown=True)


def _drain_prefect(timeout: float = 5) -> None:
    """Send the logs and events Prefect still holds while its server is up, so that nothing tries
    to reach a stopped server at exit."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=timeout)
        except Exception:  # noqa: BLE001 (best effort on the way out; the runs are already logged)
            pass


def _path(path: Path | None) -> str | None:
    return str(path) if path else None
