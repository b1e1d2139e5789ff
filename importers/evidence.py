"""Evidence attached to a record: a URL is kept as given; a file is kept by path and SHA-256.

A file is read by path only for the command line's operator, on their own machine. For a portal
user the evidence is a file they upload (services.evidence_store) or a web address
(`web_address`): a path they type is never opened on the server.
"""

import hashlib
from pathlib import Path

from rrf.rules.errors import said

_ = said  # refusals in the user's language in the portal (rules.errors)


def fingerprint(evidence: str | None, base: Path | None = None) -> tuple[str | None, str | None]:
    """Return (evidence as stored, its SHA-256 or None); raise ValueError for a missing file."""
    if not evidence:
        return None, None
    if "://" in evidence:
        return evidence, None
    path = Path(evidence)
    if not path.is_absolute() and base is not None:
        path = base / path
    if path.is_dir():
        raise ValueError(f"evidence {evidence!r} is a folder: name a file")
    if not path.is_file():
        raise ValueError(f"evidence file {evidence!r} does not exist")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return str(path.resolve()), digest.hexdigest()


def web_address(evidence: str | None) -> str | None:
    """Evidence given as a web address (http:// or https://), kept as given; ValueError for anything
    else, such as a path on the server (a portal user attaches a file by uploading it)."""
    if not evidence:
        return None
    scheme = evidence.split("://", 1)[0].lower() if "://" in evidence else ""
    if scheme not in ("http", "https") or not evidence.split("://", 1)[1].strip():
        raise ValueError(_("evidence {value}: give a web address (https://...) here; attach a file by uploading "
                              "it with the record's form", value=repr(evidence)))
    return evidence
