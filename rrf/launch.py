"""The `rrf` console script: light enough to start a check's Prefect server before anything
heavy is imported (see flows.server.start_early), then the command line itself."""

import sys

from rrf.flows.server import start_early


def main() -> None:
    start_early(sys.argv)
    from rrf.cli.main import main as cli_main

    cli_main()
