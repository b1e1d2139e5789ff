"""The `rrf` program: the one place that puts the command line and the Prefect flows together.

It is light enough to start a check's Prefect server before anything heavy is imported (the
server then starts while the command imports and checks its input), then hands the command
line the functions that run the flow.
"""

import sys


def main() -> None:
    from rrf.cli.early import runs_flow_now

    if runs_flow_now(sys.argv[1:]):
        from rrf.flows.server import start_early

        start_early()
    from rrf.cli.app import runners
    from rrf.cli.main import main as cli_main
    from rrf.flows import runner

    runners.run_once, runners.serve, runners.web = runner.run_once, runner.serve, _web
    cli_main()


def _web(*args: object, **kwargs: object) -> None:
    from rrf.web.serve import run  # FastAPI and uvicorn are imported by `rrf web` only

    run(*args, **kwargs)
