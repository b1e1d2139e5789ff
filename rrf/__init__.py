"""rrf: the command line of the RRF compliance engine."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rrf")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
