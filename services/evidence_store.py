"""Evidence received through the portal: checked (size, type) and kept once by its SHA-256
(`<evidence folder>/<first two hex digits>/<sha256>`), never changed afterwards.

Only types that a reviewer can open safely are taken, and a file's first bytes must agree
with its declared type, so that a renamed executable or an HTML page is not kept as a PDF.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from rrf.rules.errors import RrfError, said

_ = said  # refusals in the user's language in the portal (rules.errors)
MAX_BYTES = 20 * 1024 * 1024
# type: (file name endings, first bytes it must start with; None: text, which must decode as UTF-8)
TYPES: dict[str, tuple[tuple[str, ...], tuple[bytes, ...] | None]] = {
    "application/pdf": ((".pdf",), (b"%PDF-",)),
    "image/png": ((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ((".xlsx",), (b"PK\x03\x04",)),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ((".docx",), (b"PK\x03\x04",)),
    "application/vnd.oasis.opendocument.text": ((".odt",), (b"PK\x03\x04",)),
    "application/vnd.oasis.opendocument.spreadsheet": ((".ods",), (b"PK\x03\x04",)),
    "text/csv": ((".csv",), None),
    "text/plain": ((".txt",), None),
}


class EvidenceRefused(RrfError):
    """`why`: "size", "type" or "empty"."""

    def __init__(self, why: str, message: str):
        self.why = why
        super().__init__(message)


@dataclass(frozen=True)
class Upload:
    name: str  # as the sender called it (shown, never used as a path)
    data: bytes
    kind: str  # the MIME type decided by `check`


def check(name: str, data: bytes) -> Upload:
    """The upload, or EvidenceRefused naming why (too large, empty, a type that is not taken)."""
    clean = Path(name.replace("\\", "/")).name[:200] or "evidence"
    if not data:
        raise EvidenceRefused("empty", _("{file}: the file is empty", file=clean))
    if len(data) > MAX_BYTES:
        raise too_large(clean, len(data))
    suffix = Path(clean).suffix.lower()
    for kind, (suffixes, magic) in TYPES.items():
        if suffix in suffixes:
            if magic is None:
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    break
                return Upload(clean, data, kind)
            if data.startswith(magic):
                return Upload(clean, data, kind)
            break
    allowed = ", ".join(sorted(s for suffixes, _ in TYPES.values() for s in suffixes))
    raise EvidenceRefused("type", _("{file}: not a file of a type taken as evidence, or its content does not match "
                                    "its name ({allowed})", file=clean, allowed=allowed))


def too_large(name: str, size: int) -> EvidenceRefused:
    """The refusal of a file of `size` bytes, more than MAX_BYTES (also before it is read whole)."""
    return EvidenceRefused("size", _("{file}: {n} bytes, more than the {most} MiB taken", file=name, n=size,
                                     most=MAX_BYTES // 2**20))


def keep(folder: Path, upload: Upload) -> str:
    """Store the upload once by its SHA-256 and return the digest (the same bytes twice: one file)."""
    digest = hashlib.sha256(upload.data).hexdigest()
    target = folder / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{digest}.{os.getpid()}.tmp")
        tmp.write_bytes(upload.data)
        tmp.replace(target)
    return digest


def path_of(folder: Path, digest: str) -> Path | None:
    """The kept file of a digest, when it is there and still holds those bytes."""
    target = folder / digest[:2] / digest
    if not target.is_file():
        return None
    h = hashlib.sha256()
    with target.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return target if h.hexdigest() == digest else None
