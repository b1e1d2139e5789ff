"""A file that appears whole or not at all: written beside its target and renamed into place, so
that a refusal or a failure midway leaves no file, and an existing one as it was."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

from rrf.rules.errors import RrfError


@contextmanager
def replacing(path: Path, *, encoding: str = "utf-8", newline: str | None = None) -> Iterator[TextIO]:
    """A text stream whose content becomes `path` when the block ends without an error; the file
    gets the mode a newly opened one would (0666 less the umask)."""
    folder = path.resolve().parent
    if not folder.is_dir():
        raise RrfError(f"{path}: the folder {folder} does not exist")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with open(fd, "w", encoding=encoding, newline=newline) as fh:
            yield fh
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
