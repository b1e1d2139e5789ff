"""What the portal and the institution report show, for one user: the overview of the items in
their scope and one item's page. Scope is enforced here (services.access), never in templates.

Decisions for the overview are kept per (plan, day, records) and computed again only when a
record was added, so a page view costs one small query when nothing changed.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TextIO

from rrf.models import escalations, progress
from rrf.models.tables import Acknowledgement, ImportBatch, Notice, Outbox, ProgressRecord
from rrf.rules import Decision, LoadedPlan, evaluate
from rrf.rules.escalate import Waiver
from rrf.rules.exposure import ItemExposure, item_exposure
from rrf.rules.evaluate import evaluate_item, evaluate_one, trajectory_start
from rrf.rules.errors import RrfError, said
from rrf.rules.plan import Evidence as RequiredDocument
from rrf.rules.plan import Item
from rrf.rules.progress import standing
from rrf.rules.records import required_documents
from rrf.rules.serialize import decision_dict
from rrf.rules.vocab import STATUSES
from rrf.importers.evidence import fingerprint
from rrf.services import evidence_store
from rrf.services.access import NotFound, Viewer, institutions_of, require_item, sees
from rrf.services.audit import safe_cell
from rrf.services.context import Context
from rrf.services.identity import LOCAL
from rrf.services.progress import history_entries
from rrf.services.store import reading

SORTS = ("due", "status", "id", "progress")
SEVERITY_ORDER = {s: n for n, s in enumerate(("missed", "reversed", "at_risk", "no_data", "on_track", "met_late", "met"))}

_ = said  # the overview's refusals: in the portal user's language (rules.errors)


@dataclass(frozen=True)
class Conflict:
    """Two source documents give different values for the same figure; `adopted` is the plan's."""

    what: Literal["due", "funding"]
    adopted: Any
    alternatives: tuple[tuple[Any, str, str], ...]  # (value, document, quote)


@dataclass(frozen=True)
class Row:
    item: Item
    decision: Decision
    institution: str
    institutions: frozenset[str]
    conflicts: tuple[Conflict, ...]

    @property
    def share(self) -> Decimal | None:
        """How far along (0..1) a target is; None for a milestone or no record."""
        d = self.decision
        if not isinstance(d.goal, Decimal) or not isinstance(d.actual, Decimal) or d.goal <= 0:
            return None
        return min(d.actual / d.goal, Decimal(1))


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    institution: str | None = None
    due_before: date | None = None
    sort: str = "due"

    def check(self, loaded: LoadedPlan) -> "Filters":
        problems = []
        if self.status is not None and self.status not in STATUSES:
            problems.append(_("status {value}: expected one of {known}", value=repr(self.status),
                              known=", ".join(STATUSES)))
        if self.institution is not None and self.institution not in loaded.plan.institutions:
            problems.append(_("institution {value} is not in the plan", value=repr(self.institution)))
        if self.sort not in SORTS:
            problems.append(_("sort {value}: expected one of {known}", value=repr(self.sort), known=", ".join(SORTS)))
        if problems:
            raise RrfError(problems)
        return self


@dataclass(frozen=True)
class Overview:
    as_of: date
    rows: list[Row]  # filtered and sorted
    counts: dict[str, int]  # per status, over the filtered rows
    institutions: list[str]  # those the user may filter by
    total: int  # items in the user's scope before filtering


@dataclass(frozen=True)
class Told:
    notice: Notice
    message: Outbox | None


@dataclass(frozen=True)
class ItemView:
    row: Row
    records: list[dict[str, Any]]
    told: list[Told]
    acks: list[Acknowledgement]
    measure_name: dict[str, str] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)  # every waiver of the item, oldest first
    exposure: ItemExposure | None = None  # its part of its payment request, when it is in one
    documents: dict[str, RequiredDocument] = field(default_factory=dict)  # the documents any version requires, by name

    def waivers_on(self, day: date) -> list[Waiver]:
        return [w for w in self.waivers if w.active_on(day)]


def conflicts_of(loaded: LoadedPlan, item: Item) -> tuple[Conflict, ...]:
    out = []
    if item.due_disputed:
        out.append(Conflict("due", item.due, tuple((a.value, a.doc, a.quote) for a in item.due_alternatives)))
    measure = loaded.plan.measures.get(item.measure)
    if measure and measure.funding_disputed:
        out.append(Conflict("funding", measure.funding_eur,
                            tuple((a.value, a.doc, a.quote) for a in measure.funding_alternatives)))
    return tuple(out)


def _row(loaded: LoadedPlan, item: Item, decision: Decision) -> Row:
    plan = loaded.plan
    own = plan.measures[item.measure].institution if item.measure in plan.measures else ""
    return Row(item, decision, own, frozenset(institutions_of(plan, item)), conflicts_of(loaded, item))


_KEPT: dict[tuple[str, str, date, tuple[int, int]], tuple[Decision, ...]] = {}
KEEP = 8


def _decisions(loaded: LoadedPlan, url: str, as_of: date) -> tuple[Decision, ...]:
    """Every item's decision, computed again only when the plan, the day or the records changed."""
    with reading(url) as session:
        version = progress.version(session=session)
        key = (loaded.sha256, url, as_of, version)
        if key not in _KEPT:
            records = progress.observations(session=session)
            if len(_KEPT) >= KEEP:
                _KEPT.pop(next(iter(_KEPT)))
            _KEPT[key] = tuple(evaluate(loaded.plan, records, as_of))
    return _KEPT[key]


def overview(ctx: Context, viewer: Viewer, *, as_of: date, filters: Filters = Filters()) -> Overview:
    """Every item in the user's scope as of a day, filtered and sorted, with the counts per status."""
    loaded = ctx.loaded
    filters.check(loaded)
    decisions = _decisions(loaded, ctx.url, as_of)
    items = [(d.item, d) for d in decisions]  # as the plan in force that day has them
    rows = [_row(loaded, it, d) for it, d in items if sees(viewer, loaded.plan, it)]
    total = len(rows)
    scope = sorted({i for r in rows for i in r.institutions})
    if filters.status:
        rows = [r for r in rows if r.decision.status == filters.status]
    if filters.institution:
        rows = [r for r in rows if filters.institution in r.institutions]
    if filters.due_before:
        rows = [r for r in rows if r.decision.due < filters.due_before]
    rows.sort(key=_sort_key(filters.sort))
    counts = {s: 0 for s in STATUSES}
    for r in rows:
        counts[r.decision.status] += 1
    return Overview(as_of, rows, counts, scope, total)


def _sort_key(sort: str):  # noqa: ANN202
    if sort == "status":
        return lambda r: (SEVERITY_ORDER[r.decision.status], r.decision.due, r.item.id)
    if sort == "id":
        return lambda r: r.item.id
    if sort == "progress":
        return lambda r: (r.share is None, r.share if r.share is not None else 0, r.item.id)
    return lambda r: (r.decision.due, r.item.id)


def item_view(ctx: Context, viewer: Viewer, item_id: str, *, as_of: date) -> ItemView:
    """One item for the user (NotFound outside their scope): decision, records, who was told what."""
    return item_views(ctx, viewer, [item_id], as_of=as_of)[0]


def item_views(ctx: Context, viewer: Viewer, item_ids: list[str], *, as_of: date) -> list[ItemView]:
    """Several items' pages from one reading of the store (the institution reports)."""
    loaded = ctx.loaded
    items = [require_item(viewer, loaded.plan, item_id) for item_id in item_ids]
    only = items[0].id if len(items) == 1 else None  # one item: read just its rows
    records: dict[str, list[ProgressRecord]] = defaultdict(list)
    told: dict[str, list[Told]] = defaultdict(list)
    acks: dict[str, list[Acknowledgement]] = defaultdict(list)
    waived: dict[str, list[Waiver]] = defaultdict(list)
    batches: dict[int, ImportBatch | None] = {}
    with reading(ctx.url) as session:
        if session is not None:
            for r in progress.list_records(session=session, item_id=only):
                records[r.item_id].append(r)
                if r.import_batch_id and r.import_batch_id not in batches:
                    batches[r.import_batch_id] = progress.batch_of(session=session, batch_id=r.import_batch_id)
            for n, m in escalations.told_about(session=session, item_id=only):
                told[n.item_id].append(Told(n, m))
            for a in escalations.acks_for(session=session, item_id=only):
                acks[a.item_id].append(a)
            for w in escalations.waivers(session=session, item_id=only):
                waived[w.item_id].append(w)
    return [_view(loaded, item, records[item.id], batches, told[item.id], acks[item.id], as_of, waived[item.id])
            for item in items]


def _decision(loaded: LoadedPlan, item: Item, records: list, as_of: date) -> Decision:  # noqa: ANN001
    """The item's decision as `rrf status` makes it (the plan in force that day, the trajectory's
    start); an item not in force that day (added later, or removed) is judged as its plan has it."""
    try:
        return evaluate_one(loaded.plan, item.id, records, as_of)
    except KeyError:
        return evaluate_item(item, records, as_of, start=trajectory_start(loaded.plan, item))


def _view(loaded: LoadedPlan, item: Item, rows: list[ProgressRecord], batches: dict[int, ImportBatch | None],
          told: list[Told], acks: list[Acknowledgement], as_of: date, waivers: list[Waiver]) -> ItemView:
    observations = [progress.observation_of(r) for r in rows]
    decision = _decision(loaded, item, [o for o in standing(observations) if o.as_of <= as_of], as_of)
    measure = loaded.plan.measures.get(item.measure)
    names = {"lv": measure.name_lv, "en": measure.name_en} if measure else {}
    return ItemView(_row(loaded, decision.item, decision), history_entries(rows, batches), told, acks, names, waivers,
                    item_exposure(loaded.plan, decision), required_documents(loaded.plan, item))


@dataclass(frozen=True)
class Evidence:
    path: Path
    sha256: str
    name: str  # the file name to give the download
    kind: str | None  # its MIME type, when it was uploaded


def evidence(ctx: Context, viewer: Viewer, record_id: int) -> Evidence:
    """A record's evidence file, for a user who may see its item, when it is still the file that
    was recorded (same SHA-256); NotFound otherwise, RrfError when the file changed or moved.
    Evidence uploaded through the portal is served from the evidence store, under its own name; a
    file named by path only when the command line's local operator recorded it."""
    with reading(ctx.url) as session:
        row = progress.get_record(session=session, record_id=record_id)
    if row is None or row.evidence is None or row.evidence_sha256 is None:
        raise NotFound(f"no evidence file for record {record_id}")
    require_item(viewer, ctx.loaded.plan, row.item_id)
    if row.evidence_type is not None:
        kept = evidence_store.path_of(ctx.settings.evidence_path, row.evidence_sha256)
        if kept is None:
            raise RrfError(f"the evidence of record {record_id} is missing from the evidence store or changed")
        return Evidence(kept, row.evidence_sha256, row.evidence, row.evidence_type)
    if row.recorded_by is not None and not row.recorded_by.startswith(LOCAL):
        # a file named by path is served only as the command line's own operator recorded it: never
        # a path a portal account gave (before 0.2.0 an imported file's evidence column could)
        raise NotFound(f"no evidence file for record {record_id}")
    path = Path(row.evidence)
    if not path.is_file() or fingerprint(str(path))[1] != row.evidence_sha256:
        raise RrfError(f"the evidence of record {record_id} is no longer the file that was recorded")
    return Evidence(path, row.evidence_sha256, path.name, None)


CSV_COLUMNS = ["id", "name", "institution", "status", "actual", "goal", "due", "days_left", "projected_on",
               "reached_on", "explanation_lv", "explanation_en"]


def write_csv(view: Overview, lang: str, fh: TextIO) -> None:
    """The overview's rows as CSV a spreadsheet opens safely (no cell is read as a formula)."""
    writer = csv.writer(fh)
    writer.writerow(CSV_COLUMNS)
    for r in view.rows:
        d = decision_dict(r.item, r.decision)
        d.update(name=d["name"][lang], institution=r.institution, explanation_lv=d["explanations"]["lv"],
                 explanation_en=d["explanations"]["en"])
        writer.writerow([safe_cell(d.get(c)) for c in CSV_COLUMNS])
