"""Evidence attached to a record: a URL is kept as given; a file is kept by path and SHA-256."""

import hashlib
from pathlib import Path


def fingerprint(evidence: str | None, base: Path | None = None) -> tuple[str | None, str | None]:
    """Return (evidence as stored, its SHA-256 or None); raise ValueError for a missing file."""
    if not evidence:
        return None, None
    if "://" in evidence:
        return evidence, None
    path = Path(evidence)
    if not path.is_absolute() and base is not None:
        path = base / path
    if not path.is_file():
        raise ValueError(f"evidence file {evidence!r} does not exist")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return str(path.resolve()), digest.hexdigest()
