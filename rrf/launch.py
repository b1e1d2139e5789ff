"""The `rrf` program: the one place that puts the command line, the Prefect flows and the web
portal together.

It is light enough to start a check's Prefect server before anything heavy is imported (the
server then starts while the command imports and checks its input), then hands the command
line the functions that run the flow and the portal. Those import Prefect, FastAPI and uvicorn
only when called, so other commands never pay for them. The command line itself imports what a
command runs only when it runs (see rrf.cli.main): `rrf --help` loads no implementation.
"""

import sys
from typing import Any, Callable


def main() -> None:
    from rrf.cli.early import runs_flow_now

    if runs_flow_now(sys.argv[1:]):
        from rrf.flows.server import start_early

        start_early()
    from rrf.cli.app import runners
    from rrf.cli.main import main as cli_main

    runners.run_once, runners.serve = _later("rrf.flows.runner", "run_once"), _later("rrf.flows.runner", "serve")
    runners.web = _later("rrf.web.serve", "run")
    cli_main()


def _later(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, imported when first called."""

    def call(*args: Any, **kwargs: Any) -> Any:
        from importlib import import_module

        return getattr(import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call
