"""Recording progress: one record, a correction, a whole file, and an item's history.

Records are appended, never changed: a correction is a new record naming the one it replaces.
"""

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.exc import IntegrityError

from rrf.importers.evidence import fingerprint, web_address
from rrf.importers.progress_file import ImportFileError, file_sha256, read_progress_file
from rrf.models import progress
from rrf.models import db as dbm
from rrf.models.tables import ImportBatch, ProgressRecord
from rrf.rules.errors import RrfError, said
from rrf.rules.records import CheckedRecord, check_correction, check_record
from rrf.rules.serialize import number
from rrf.rules.vocab import milestone_value
from rrf.services import access, evidence_store
from rrf.services.access import Viewer
from rrf.services.context import Context
from rrf.services.evidence_store import Upload
from rrf.services.identity import acting
from rrf.services.store import append_import, readable, reading, transaction

_ = said  # refusals: English on the command line, the user's language in the portal (rules.errors)


def _with_evidence(checked: CheckedRecord, *, local: bool) -> tuple[CheckedRecord, str | None]:
    """`local`: the evidence may be a file on this machine (the command line's operator); for a
    portal user only a web address (importers.evidence)."""
    try:
        stored, digest = fingerprint(checked.evidence) if local else (web_address(checked.evidence), None)
    except ValueError as exc:
        raise RrfError(exc.args[0]) from None
    return replace(checked, evidence=stored), digest


def record(ctx: Context, *, item_id: str, value: str, as_of: str, source: str, breakdown: str | None = None,
           evidence: str | None = None, reporter: str | None = None, by: Viewer | None = None,
           upload: Upload | None = None, evidence_for: str | None = None) -> tuple[ProgressRecord, CheckedRecord]:
    """Check one reported figure against the plan and the rights of who reports it (`by`; the
    command line's operator when None), and append it (nothing is written when it is bad).
    `upload`: evidence received by the portal, kept by its SHA-256 (instead of `evidence`).
    `evidence_for`: which of the item's required documents the evidence is."""
    checked = check_record(ctx.loaded.plan, item_id=item_id, value=value, as_of=as_of, source=source,
                           today=ctx.today(), breakdown=breakdown, reporter=reporter,
                           evidence=upload.name if upload is not None else evidence, evidence_for=evidence_for)
    actor = acting(ctx, by)
    access.require(actor, "record", ctx.loaded.plan, checked.item_id, checked.breakdown_key)
    checked, digest, kind = _evidence_of(ctx, checked, upload, local=by is None)
    with transaction(ctx.url) as session:
        row = progress.append_record(session=session, record=checked, evidence_sha256=digest, recorded_at=ctx.now(),
                                     recorded_by=actor.name, evidence_type=kind)
    return row, checked


def _evidence_of(ctx: Context, checked: CheckedRecord, upload: Upload | None, *,
                 local: bool) -> tuple[CheckedRecord, str | None, str | None]:
    """The record with its evidence as stored, the evidence's SHA-256 and type."""
    if upload is None:
        checked, digest = _with_evidence(checked, local=local)
        return checked, digest, None
    digest = evidence_store.keep(ctx.settings.evidence_path, upload)
    return replace(checked, evidence=upload.name), digest, upload.kind


def checked_from(row: ProgressRecord) -> CheckedRecord:
    return CheckedRecord(
        item_id=row.item_id, as_of=row.as_of, value=row.value, done=row.done,
        breakdown_key=row.breakdown_key, source=row.source, reporter=row.reporter,
        evidence=row.evidence, corrects=row.corrects, reason=row.reason, evidence_for=row.evidence_for,
    )


def correct(ctx: Context, *, record_id: int, value: str | None, reason: str, source: str, as_of: str | None = None,
            breakdown: str | None = None, evidence: str | None = None, reporter: str | None = None,
            by: Viewer | None = None, upload: Upload | None = None,
            evidence_for: str | None = None) -> tuple[ProgressRecord, ProgressRecord, CheckedRecord]:
    """Append a correction of record `record_id` (value None: withdraw it), when `by` may report
    both the corrected record's part and the correction's. Returns (the new record, the
    corrected one, what was checked)."""
    actor = acting(ctx, by)
    try:
        with transaction(ctx.url, existing=True) as session:
            original = progress.get_record(session=session, record_id=record_id)
            if original is None:
                raise RrfError(_("there is no record #{id}", id=record_id))
            later = progress.correction_of(session=session, record_id=record_id)
            if later is not None:
                raise RrfError(_("record #{id} was already corrected by #{later}: correct #{later} instead",
                                    id=record_id, later=later.id))
            checked = check_correction(
                ctx.loaded.plan, original=checked_from(original), original_id=record_id, reason=reason,
                source=source, today=ctx.today(), value=value, as_of=as_of, breakdown=breakdown,
                reporter=reporter, evidence=upload.name if upload is not None else evidence,
                evidence_for=evidence_for,
            )
            for key in {original.breakdown_key, checked.breakdown_key}:
                access.require(actor, "correct", ctx.loaded.plan, original.item_id, key)
            checked, digest, kind = _evidence_of(ctx, checked, upload, local=by is None)
            row = progress.append_record(session=session, record=checked, evidence_sha256=digest,
                                         recorded_at=ctx.now(), recorded_by=actor.name, evidence_type=kind)
    except IntegrityError:
        raise RrfError(_("record #{id} was corrected by another process meanwhile; nothing was written",
                            id=record_id)) from None
    return row, original, checked


def correctable(ctx: Context, record_id: int, *, by: Viewer | None = None) -> dict[str, Any]:
    """A record as its history shows it (with `item_id`), when `by` may correct it. NotFound: no
    such record, or its item lies outside the scope; Forbidden: the role or the key is not theirs."""
    actor = acting(ctx, by)
    with reading(ctx.url) as session:
        row = progress.get_record(session=session, record_id=record_id)
        later = None if row is None else progress.correction_of(session=session, record_id=record_id)
    if row is None:
        raise access.NotFound(f"no record #{record_id}")
    access.require(actor, "correct", ctx.loaded.plan, row.item_id, row.breakdown_key)
    shown = history_entries([row], {})[0]
    return {**shown, "item_id": row.item_id, "corrected_by": later.id if later else None}


@dataclass(frozen=True)
class FileImport:
    batch: ImportBatch
    added: bool  # False: the same bytes were imported before (that earlier import is `batch`)
    corrections: int = 0


def import_file(ctx: Context, file: Path, *, checking: Callable[[], None] | None = None,
                writing: Callable[[], None] | None = None, by: Viewer | None = None,
                name: str | None = None) -> FileImport:
    """Append every row of a CSV or XLSX file in one transaction, or none (ImportFileError lists
    every bad row, also a row `by` may not report). Nothing is created before the file proved
    good; the same file twice adds nothing. `name`: the file's name as its sender called it."""
    actor = acting(ctx, by)
    existing = readable(ctx.url, upgrade_older=True)
    if existing is not None and file.is_file():
        with dbm.session_scope(existing) as session:
            earlier = progress.find_batch(session=session, sha256=file_sha256(file))
        if earlier is not None:
            existing.dispose()
            return FileImport(earlier, False)

    corrected_keys: dict[int, str | None] = {}  # the breakdown key of each record a row corrects

    def lookup(record_id: int):  # noqa: ANN202  (a record to be corrected, and its correction if any)
        """None also for a record of an item outside the user's scope: "no such record", as the
        correction form says (its item is not named)."""
        if existing is None:
            return None
        with dbm.session_scope(existing) as session:
            row = progress.get_record(session=session, record_id=record_id)
            if row is None or not access.in_scope(actor, ctx.loaded.plan, row.item_id):
                return None
            later = progress.correction_of(session=session, record_id=record_id)
            corrected_keys[record_id] = row.breakdown_key
            return checked_from(row), (later.id if later else None)

    shown = name or str(file)  # as the user gave it: the path on the command line, the upload's name
    try:
        parsed = read_progress_file(file, ctx.loaded.plan, ctx.today(), lookup=lookup, on_row=checking, name=shown,
                                    local_evidence=by is None)
    finally:
        if existing is not None:
            existing.dispose()
    refused = []
    for r in parsed.rows:
        try:  # a correction also needs the right to correct the record it replaces (as `correct`)
            access.require(actor, "import", ctx.loaded.plan, r.record.item_id, r.record.breakdown_key)
            if r.record.corrects is not None:
                access.require(actor, "correct", ctx.loaded.plan, r.record.item_id, corrected_keys[r.record.corrects])
        except RrfError as exc:
            refused.append(_("{file}:{line}: {problem}", file=shown, line=r.line, problem=exc.problems[0]))
    if refused:
        raise ImportFileError(refused)
    batch, added = append_import(
        ctx.url, file_name=name or file.name, sha256=parsed.sha256, rows=parsed.rows, on_row=writing, at=ctx.now(),
        clash=f"{shown}: another process imported this file or corrected one of its records "
              "at the same time; nothing was written from this run", recorded_by=actor.name)
    return FileImport(batch, added, sum(1 for r in parsed.rows if r.record.corrects is not None))


def history(ctx: Context, item_id: str, *, by: Viewer | None = None) -> list[dict[str, Any]]:
    """Every record of an item in the scope of who asks (`by`, else the operator), oldest first,
    with where it came from and what replaced it; also of an id the plan no longer has (renamed or
    removed), as long as records of it are kept, to who sees every item."""
    viewer = acting(ctx, by)
    if not viewer.sees_all:
        access.require_item(viewer, ctx.loaded.plan, item_id)  # outside the scope: "no item", like an unknown id
    with reading(ctx.url) as session:
        rows = progress.list_records(session=session, item_id=item_id)
        batches: dict[int, ImportBatch | None] = {}
        for r in rows:
            if r.import_batch_id and r.import_batch_id not in batches:
                batches[r.import_batch_id] = progress.batch_of(session=session, batch_id=r.import_batch_id)
    if not rows and not ctx.loaded.plan.knows(item_id):
        raise RrfError(f"unknown id {item_id!r} (known: {', '.join(ctx.loaded.plan.ids)})")
    return history_entries(rows, batches)


def history_entries(rows: list[ProgressRecord], batches: dict[int, ImportBatch | None]) -> list[dict[str, Any]]:
    corrected_by = {r.corrects: r.id for r in rows if r.corrects is not None}
    out = []
    for r in rows:
        batch = batches.get(r.import_batch_id) if r.import_batch_id else None
        withdrawn = r.corrects is not None and r.value is None and r.done is None
        out.append({
            "record": r.id,
            "as_of": r.as_of.isoformat(),
            "breakdown_key": r.breakdown_key,
            "value": number(r.value) if r.value is not None else milestone_value(r.done),
            "withdrawn": withdrawn,
            "recorded_at": r.recorded_at.isoformat(),
            "reporter": r.reporter,
            "source": r.source,
            "evidence": r.evidence,
            "evidence_sha256": r.evidence_sha256,
            "evidence_for": r.evidence_for,
            "import": None if batch is None else {
                "file": batch.file_name, "sha256": batch.file_sha256, "row": r.import_row, "import": batch.id},
            "corrects": r.corrects,
            "reason": r.reason,
            "corrected_by": corrected_by.get(r.id),
            "in_force": r.id not in corrected_by and not withdrawn,
            "recorded_by": r.recorded_by,
        })
    return out
