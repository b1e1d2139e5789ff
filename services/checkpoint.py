"""Signed checkpoints of the two chains' heads, kept outside the database.

A chain that lives only in the database cannot tell that its last entries were deleted, or that
an entry was changed and every later hash computed again. So, after every logged check (and
every acknowledgement and waiver), when a signing key is configured (`RRF_AUDIT_KEY`, made by
`rrf audit keygen`), the heads of the evaluation log and of the trail (entry number, hash,
number of entries) are signed with Ed25519 and written to a new file of the checkpoint folder
(`RRF_CHECKPOINT_DIR`): `checkpoint-000001.json`, `-000002`, ..., never rewritten, each naming the
SHA-256 of the one before. `rrf audit verify` then checks every checkpoint's signature with the
public key, and that the database still holds each signed head with the same hash (as CloudTrail's
digest files and Certificate Transparency's signed tree heads do).

The key is a file, never in the database: whoever can only change the database cannot sign.
"""

import base64
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from rrf.models import db as dbm
from rrf.models import trail
from rrf.models.verify import Broken
from rrf.rules.dates import RIGA
from rrf.rules.errors import RrfError
from rrf.rules.i18n import N_, Words
from rrf.services.context import Context
from rrf.services import store

log = logging.getLogger(__name__)

FORMAT = "rrf-checkpoint/1"
NAME = re.compile(r"checkpoint-(\d{6,})\.json")
PRIVATE, PUBLIC = "audit-key.pem", "audit-key.pub.pem"
ATTEMPTS = 20  # writers that lose the race for a number try the next one


class Head(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    entry: int = Field(ge=0)  # the last entry's number (0: the chain is empty)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    entries: int = Field(ge=0)


class Checkpoint(BaseModel):
    """One checkpoint file: what is signed, and the signature (base64) over its canonical JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format: str = Field(pattern=f"^{re.escape(FORMAT)}$")
    sequence: int = Field(ge=1)
    written_at: str  # ISO 8601, UTC, to the second: signed as written
    log: Head
    trail: Head
    previous: str | None = Field(pattern=r"^[0-9a-f]{64}$")  # SHA-256 of the previous checkpoint file
    key: str = Field(pattern=r"^[0-9a-f]{64}$")  # SHA-256 of the raw public key
    signature: str

    def signed(self) -> bytes:
        body = self.model_dump(mode="json", exclude={"signature"})
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @property
    def at(self) -> str:
        try:
            return f"{datetime.fromisoformat(self.written_at).astimezone(RIGA):%Y-%m-%d %H:%M:%S %Z}"  # as every time shown
        except ValueError:
            return self.written_at


@dataclass(frozen=True)
class Found:
    """A checkpoint file as read: its parsed content (None: unreadable) and its bytes."""

    path: Path
    number: int
    raw: bytes
    checkpoint: Checkpoint | None
    error: str | None = None


@dataclass(frozen=True)
class Signed:
    """What the checkpoints say of the chains: `key` is the fingerprint checked against (None:
    checkpoints are not configured), `problem` the first one found."""

    folder: Path
    key: str | None
    count: int = 0
    latest: Checkpoint | None = None
    covered: int = 0  # the highest log entry a checkpoint signs
    problem: Broken | None = None


# -- keys ---------------------------------------------------------------------------------------

def fingerprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def keygen(folder: Path) -> tuple[Path, Path, str]:
    """A new key pair in `folder` (made if missing): the private key readable by its owner only
    (0600), the public key for the auditors; (private, public, fingerprint). Never overwrites."""
    private, public = folder / PRIVATE, folder / PUBLIC
    if folder.exists() and not folder.is_dir():
        raise RrfError(f"--output {folder}: that is a file; name a folder for the key pair")
    for path in (private, public):
        if path.exists():
            raise RrfError(f"{path} exists: a key is never overwritten (choose another --output)")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    _write_new(private, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()), 0o600)
    _write_new(public, key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo), 0o644)
    return private, public, fingerprint(key.public_key())


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)  # whatever the umask


def _pem(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RrfError(f"{what} {path}: cannot read it: {exc.strerror}") from None


def private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_pem(path, "RRF_AUDIT_KEY"), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise RrfError(f"RRF_AUDIT_KEY {path}: not an unencrypted Ed25519 private key in PEM (see rrf audit keygen)")
    return key


def public_key(path: Path) -> Ed25519PublicKey:
    data = _pem(path, "the public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:  # the private key serves too: its public half is taken
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            key = None
    if not isinstance(key, Ed25519PublicKey):
        raise RrfError(f"{path}: not an Ed25519 public key in PEM (see rrf audit keygen)")
    return key


def verifying_key(ctx: Context, given: Path | None = None) -> Ed25519PublicKey | None:
    """The public key to check checkpoints with: `given`, else RRF_AUDIT_PUBLIC_KEY, else the
    public half of RRF_AUDIT_KEY; None when none is configured."""
    path = given or ctx.settings.audit_public_key
    if path is not None:
        return public_key(path)
    if ctx.settings.audit_key is not None:
        return private_key(ctx.settings.audit_key).public_key()
    return None


# -- writing ------------------------------------------------------------------------------------

def after_write(ctx: Context) -> Checkpoint | None:
    """Sign the chains' heads now, if a signing key is configured (RRF_AUDIT_KEY). Called once what
    it signs is committed, so it never undoes it: a checkpoint that cannot be written is a
    warning (the next one signs everything before it too)."""
    if ctx.settings.audit_key is None:
        return None
    try:
        return write(ctx)
    except Exception as exc:  # noqa: BLE001 (the run is committed; see the docstring)
        log.warning("no checkpoint was written to %s: %s", ctx.settings.checkpoint_path, exc)
        return None


def write(ctx: Context, key: Ed25519PrivateKey | None = None) -> Checkpoint | None:
    """A new signed checkpoint of the heads as committed now (None: there is no store yet)."""
    key = key or private_key(ctx.settings.audit_key)  # type: ignore[arg-type]
    folder = ctx.settings.checkpoint_path
    folder.mkdir(parents=True, exist_ok=True)
    with store.store_or_none(ctx.url) as session:
        if session is None:
            return None
        (log_seq, log_hash, log_count), (trail_seq, trail_hash, trail_count) = trail.heads(session=session)
    for _ in range(ATTEMPTS):
        last = _latest(folder)
        body = Checkpoint(
            format=FORMAT, sequence=(last.number if last else 0) + 1,
            written_at=ctx.now().astimezone(timezone.utc).isoformat(timespec="seconds"),
            log=Head(entry=log_seq, hash=log_hash, entries=log_count),
            trail=Head(entry=trail_seq, hash=trail_hash, entries=trail_count),
            previous=hashlib.sha256(last.raw).hexdigest() if last else None,
            key=fingerprint(key.public_key()), signature="")
        done = body.model_copy(update={"signature": base64.b64encode(key.sign(body.signed())).decode("ascii")})
        try:
            _write_new(folder / f"checkpoint-{done.sequence:06d}.json",
                       (json.dumps(done.model_dump(mode="json"), indent=2) + "\n").encode("utf-8"), 0o444)
            return done
        except FileExistsError:  # another process wrote this number first: take the next
            continue
    raise RuntimeError(f"no free checkpoint number in {folder} after {ATTEMPTS} tries")


# -- reading and checking -----------------------------------------------------------------------

def _numbered(folder: Path) -> list[tuple[int, Path]]:
    """The checkpoint files' numbers and paths, by number (none read)."""
    if not folder.is_dir():
        return []
    named = ((NAME.fullmatch(p.name), p) for p in folder.iterdir())
    return sorted((int(m.group(1)), p) for m, p in named if m)


def _latest(folder: Path) -> Found | None:
    """The highest-numbered checkpoint file, read (a writer needs only it: its number and hash)."""
    numbered = _numbered(folder)
    return read(numbered[-1][1], numbered[-1][0]) if numbered else None


def files(folder: Path) -> list[Found]:
    """The checkpoint files of `folder`, by number (an unreadable one has its error)."""
    return [read(path, number) for number, path in _numbered(folder)]


def read(path: Path, number: int | None = None) -> Found:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RrfError(f"{path}: cannot read it: {exc.strerror}") from None
    try:
        checkpoint = Checkpoint.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return Found(path, number or 0, raw, None, f"{where}: {first['msg']}" if where else first["msg"])
    return Found(path, number if number is not None else checkpoint.sequence, raw, checkpoint)


def signature_problem(found: Found, key: Ed25519PublicKey) -> Broken | None:
    """Why a checkpoint file is not one this key signed (None: it is)."""
    c, name = found.checkpoint, found.path.name
    if c is None:
        return Broken(None, None, N_("{file} is not a readable checkpoint: {error}"),
                      {"file": name, "error": found.error})
    if c.sequence != found.number:
        return Broken(None, None, N_("{file} says it is checkpoint {n}"), {"file": name, "n": c.sequence})
    mine = fingerprint(key)
    if c.key != mine:
        return Broken(None, None, N_("checkpoint {n} was signed with another key ({other}), not with {key}"),
                      {"n": c.sequence, "other": c.key[:16], "key": mine[:16]})
    try:
        key.verify(base64.b64decode(c.signature, validate=True), c.signed())
    except (InvalidSignature, ValueError):
        return Broken(None, None, N_("checkpoint {n} does not carry a valid signature of key {key}: it was forged "
                                     "or changed"), {"n": c.sequence, "key": mine[:16]})
    return None


HashAt = Callable[[int], str | None]


def head_problem(c: Checkpoint, log_hash_at: HashAt, log_last: int, trail_hash_at: HashAt | None = None,
                 trail_last: int = 0) -> Broken | None:
    """Whether the chains still hold the heads checkpoint `c` signed (the trail's, unless
    `trail_hash_at` is None): a head that is gone is a truncation, another hash a rewrite."""
    heads = [(c.log, log_hash_at, log_last, False)]
    if trail_hash_at is not None:
        heads.append((c.trail, trail_hash_at, trail_last, True))
    for head, hash_at, last, is_trail in heads:
        if head.entry == 0:
            continue
        values = {"n": c.sequence, "at": c.at, "seq": head.entry, "last": last}
        found = hash_at(head.entry)
        if found is None:
            why = (N_("the trail was truncated after entry {last}: checkpoint {n} of {at} signed trail entry {seq}, "
                      "which is no longer there") if is_trail else
                   N_("the log was truncated after entry {last}: checkpoint {n} of {at} signed entry {seq}, which "
                      "is no longer there"))
            return Broken(None, None, why, values)
        if found != head.hash:
            why = (N_("trail entry {seq} is not the one checkpoint {n} of {at} signed: the trail was rewritten "
                      "(entries changed and their hashes computed again)") if is_trail else
                   N_("entry {seq} is not the one checkpoint {n} of {at} signed: the log was rewritten (entries "
                      "changed and their hashes computed again)"))
            return Broken(None, None, why, values)
    return None


def examine(folder: Path, key: Ed25519PublicKey | None, log_hash_at: HashAt, log_last: int,
            trail_hash_at: HashAt | None = None, trail_last: int = 0) -> Signed:
    """Every checkpoint in `folder`, oldest first: numbered 1, 2, ... without a gap, each signed
    by `key`, each naming its predecessor's SHA-256, each head still in the chains."""
    if key is None:
        return Signed(folder, None)
    mine, found = fingerprint(key), files(folder)
    signed = Signed(folder, mine, len(found), found[-1].checkpoint if found else None,
                    max((f.checkpoint.log.entry for f in found if f.checkpoint), default=0))
    previous: Found | None = None
    for f in found:
        problem = _sequence_problem(f, previous, folder) or signature_problem(f, key)
        if problem is None:
            problem = head_problem(f.checkpoint, log_hash_at, log_last, trail_hash_at, trail_last)  # type: ignore[arg-type]
        if problem is not None:
            return Signed(signed.folder, mine, signed.count, signed.latest, signed.covered, problem)
        previous = f
    return signed


def _sequence_problem(f: Found, previous: Found | None, folder: Path) -> Broken | None:
    expected = previous.number + 1 if previous else 1
    if f.number == expected + 1:
        return Broken(None, None, N_("checkpoint {n} is missing from {folder}"), {"n": expected, "folder": str(folder)})
    if f.number != expected:
        return Broken(None, None, N_("checkpoints {first}-{last} are missing from {folder}"),
                      {"first": expected, "last": f.number - 1, "folder": str(folder)})
    if f.checkpoint is not None and previous is not None and \
            f.checkpoint.previous != hashlib.sha256(previous.raw).hexdigest():
        return Broken(None, None, N_("checkpoint {n} does not follow checkpoint {prev}: it names another "
                                     "predecessor"), {"n": f.number, "prev": previous.number})
    return None


def in_store(session: Session, folder: Path, key: Ed25519PublicKey | None, log_last: int, trail_last: int) -> Signed:
    """`examine` against the chains in the store (log and trail as counted by their walk)."""
    return examine(folder, key, lambda seq: trail.log_hash_at(session=session, seq=seq), log_last,
                   lambda seq: trail.hash_at(session=session, seq=seq), trail_last)


def described(signed: Signed, entries: int, lang: str = "en") -> str:
    """What the checkpoints vouch for, or why there are none to check (`rrf audit verify`, the portal)."""
    _ = Words(lang)
    if signed.key is None:
        return _("checkpoints: not configured (RRF_AUDIT_KEY, or RRF_AUDIT_PUBLIC_KEY to check them; see rrf audit "
                 "keygen), so a log whose last runs were deleted, or rewritten with its hashes computed again, "
                 "would look intact")
    if signed.latest is None:
        return _("checkpoints: none in {folder} yet (the next check writes one)", folder=str(signed.folder))
    c = signed.latest
    return _.ngettext("signed: checkpoint {seq} of {at} (key {key}) holds entries 1-{entry} of the log and 1-{trail} "
                      "of the trail; {n} entry since is not signed yet",
                      "signed: checkpoint {seq} of {at} (key {key}) holds entries 1-{entry} of the log and 1-{trail} "
                      "of the trail; {n} entries since are not signed yet",
                      max(entries - signed.covered, 0), seq=c.sequence, at=c.at, key=signed.key[:16],
                      entry=c.log.entry, trail=c.trail.entry)
