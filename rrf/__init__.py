"""rrf, the RRF compliance engine: the package root holds the version, `settings` (the settings and clock of a process) and `launch` (the program, which joins the CLI and the flows)."""


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed package's metadata when first asked for: importing
    importlib.metadata and finding the package cost every command about 20 ms, `rrf --help` too,
    where only the modules that record or show the engine's version need it."""
    if name != "__version__":
        raise AttributeError(f"module 'rrf' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("rrf")
    except PackageNotFoundError:  # running from a source tree that was not installed
        found = "0.0.0+source"
    globals()["__version__"] = found
    return found
