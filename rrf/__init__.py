"""rrf, the RRF compliance engine: the package root holds the version, `settings` (the settings and clock of a process) and `launch` (the program, which joins the CLI and the flows)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rrf")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
