"""The project-level progress reports (PNRR_Indicatori_Target) as one cumulative record per target and month.

For each month that has reports, a target's record is the sum over projects of each project's
latest value as of that month (a project's value carries forward to later months), dated the
last day of the month. A target linked to several indicators sums them all; a link whose
indicator's unit cannot be compared with the target's (a percentage counted in euros, say) is
not used, and is reported.

A reduction target (`direction = "decrease"`) or a level indicator (`indicator = "level"`)
gets no records from the project reports: each project states its own level (the water lost
per kilometre of its network, the share of it lost), and neither their sum nor any other
figure made of them is the target's value. Its links are not used and are listed; a report
row whose indicator then gives no target a value is counted under NOT_A_TOTAL (under
NOT_COMPARABLE when another of its links is refused for its units). In the published files
this concerns T0028 and T0029 (linear and percentage water losses, 141 projects each, linked
only to the reductions M2C4-00-ITA-34 and -35: their 86 rows with a usable month), and the
links of T0049 and T0077 to M1C1-140-ITA-1, M1C1-00-ITA-31 and -34 (T0077's rows still count
for M1C1-146; T0049's other links are refused for their units).

Every row not used is counted under its reason, with examples.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rrf.importers.italia.files import (MONTHS, REPORT_COLUMNS, REPORTER, Skipped, month_end, number_slug,
                              parse_italian_number, parse_year, read_table, sha256_of, unit_kind)
from rrf.importers.italia.plan import IndicatorMap, read_map
from rrf.rules.plan import Item, Plan
from rrf.rules.errors import RrfError
from rrf.rules.i18n import N_, Words
from rrf.rules.figures import out_of_bounds
from rrf.rules.records import CheckedRecord, ImportRow

# Why a report row is not used (summary order; a row is counted under the first that applies: the
# last three when its indicator gives no target a value, by what one of the indicator's links has).
MISSING_VALUE = "missing value (valore_realizzato empty)"
BAD_VALUE = "valore_realizzato not a number"
NEGATIVE_VALUE = "negative valore_realizzato"
NO_MONTH = "unknown month: mese or anno empty"
UNKNOWN_MONTH = "unknown month: mese not an Italian month name"
BAD_YEAR = "anno not a year"
AFTER_EXTRACTION = "month after the file's extraction date (data_di_estrazione)"
FUTURE = "month after today"
UNLINKED = "indicator not linked to any target in the map"
NOT_COMPARABLE = "indicator's unit not comparable with its targets' units"
NOT_A_TOTAL = "indicator of a reduction or level target: project values are not a total"
NOT_IN_PLAN = "indicator linked only to targets that are not targets of the plan"
SUM_OUT_OF_BOUNDS = N_("{file}: the sum for {id} as of {month} cannot be recorded: {problem}; nothing was imported")
REPORT_SKIPS = (MISSING_VALUE, BAD_VALUE, NEGATIVE_VALUE, NO_MONTH, UNKNOWN_MONTH, BAD_YEAR, AFTER_EXTRACTION,
                FUTURE, UNLINKED, NOT_COMPARABLE, NOT_A_TOTAL, NOT_IN_PLAN)

# The plan often writes "Numero" for a count of kilometres or square metres, so a count
# compares with those; percentages, money and energy compare only with their own kind, at the
# same scale (files.unit_kind).
_STRICT_KINDS = {"percent", "money", "energy", "electricity"}


def units_differ(target_unit: str, indicator_unit: str) -> str | None:
    """Why a sum of the indicator's values cannot be compared with the target's goal, or None.

    -1 is an unknown scale ("Importo"), which compares with any scale of money.
    """
    t, i = unit_kind(target_unit), unit_kind(indicator_unit)
    if t is not None and t[0] == "multiplier":
        return f"the target's unit is a bare multiplier ({target_unit!r}), the indicator's {indicator_unit!r}"
    if t == i or (t is None and i is None):
        return None
    kinds = {k[0] for k in (t, i) if k is not None}
    if len(kinds) > 1 or (kinds & _STRICT_KINDS and (t is None or i is None)):
        return f"target in {target_unit!r}, indicator in {indicator_unit!r}"
    if t is not None and i is not None and -1 not in (t[1], i[1]) and t[1] != i[1]:
        return f"target in {target_unit!r}, indicator in {indicator_unit!r}: another scale"
    return None


@dataclass
class ProgressImport:
    """The records to write (one per target and month with reports) and what happened to every row."""

    file_name: str
    sha256: str
    rows: list[ImportRow]
    read: int
    used: int
    not_used: Counter
    examples: dict[str, list[Skipped]]
    map: IndicatorMap
    unlinked_indicators: list[str]
    map_not_in_plan: list[str]
    map_milestones: list[str]
    incomparable_links: list[str]
    level_links: list[str]  # links to reduction or level targets, which get no records
    targets: int
    repeated_reports: int


def progress_from_files(reports_name: str, reports: bytes, map_name: str, map_data: bytes, plan: Plan,
                        today: date | None = None, *, examples: int = 3) -> ProgressImport:
    """Aggregate the project reports into one cumulative record per target and month."""
    imap = read_map(map_name, map_data)
    by_number: dict[str, list[Item]] = defaultdict(list)
    for it in plan.items:
        by_number[it.id.split("/", 1)[1]].append(it)
    not_in_plan: set[str] = set()
    milestones: set[str] = set()
    targets_of: dict[str, list[str]] = defaultdict(list)  # indicator -> target item ids
    linked: set[str] = set()
    incomparable: dict[str, list[str]] = defaultdict(list)  # indicator -> why, per target
    level: dict[str, list[str]] = defaultdict(list)  # indicator -> its reduction or level targets
    for link in imap.links:
        linked.add(link.indicator)
        found = by_number.get(number_slug(link.target), [])
        target = next((it for it in found if it.kind == "target"), None)
        if target is None:
            (milestones if found else not_in_plan).add(link.target)
            continue
        if target.direction == "decrease" or target.indicator == "level":
            what = "a reduction" if target.direction == "decrease" else "a level indicator"
            level[link.indicator].append(f"{target.id} <- {link.indicator}: {what}, project values are not a "
                                         f"total (map line {link.line})")
            continue
        why = units_differ(target.unit_lv or "", link.unit)
        if why is not None:
            incomparable[link.indicator].append(f"{target.id} <- {link.indicator}: {why} (map line {link.line})")
            continue
        if target.id not in targets_of[link.indicator]:
            targets_of[link.indicator].append(target.id)

    table = read_table(reports_name, reports, REPORT_COLUMNS)
    extraction_col = table.header.get("data_di_estrazione")
    i_cup, i_local, i_ind, i_val, i_month, i_year = (table.header[c] for c in REPORT_COLUMNS)
    width = max(i_cup, i_local, i_ind, i_val, i_month, i_year) + 1
    not_used: Counter = Counter()
    shown: dict[str, list[Skipped]] = defaultdict(list)
    unlinked: set[str] = set()
    read = 0
    # indicator -> [(month ordinal, line, project key, value)]
    reported: dict[str, list[tuple[int, int, tuple[str, str], Decimal]]] = defaultdict(list)
    limit = today.year * 12 + today.month - 1 if today else None
    # The same few thousand values and months recur in hundreds of thousands of rows: each
    # distinct text is read once (a Decimal, or the category and detail of why it is unusable).
    values: dict[str, Decimal | tuple[str, str]] = {}
    months: dict[tuple[str, str, str], int | tuple[str, str]] = {}

    def read_value(text: str) -> Decimal | tuple[str, str]:
        if not text:
            return (MISSING_VALUE, "")
        try:
            value = parse_italian_number(text)
        except ValueError:
            return (BAD_VALUE, repr(text))
        if (problem := out_of_bounds(value, repr(text))) is not None:
            return (BAD_VALUE, problem)
        return (NEGATIVE_VALUE, text) if value < 0 else value

    def read_month(month_text: str, year_text: str, stamp: str) -> int | tuple[str, str]:
        if not month_text or not year_text:
            return (NO_MONTH, f"mese {month_text!r}, anno {year_text!r}")
        month = MONTHS.get(month_text.lower())
        if month is None:
            return (UNKNOWN_MONTH, f"mese {month_text!r}")
        try:
            year = parse_year(year_text)
        except ValueError:
            return (BAD_YEAR, f"anno {year_text!r}")
        ordinal = year * 12 + month - 1
        try:
            extracted = date.fromisoformat(stamp) if stamp else None
        except ValueError:
            extracted = None
        if extracted is not None and ordinal > extracted.year * 12 + extracted.month - 1:
            return (AFTER_EXTRACTION, f"{month_text} {year}, extracted {extracted}")
        if limit is not None and ordinal > limit:
            return (FUTURE, f"{month_text} {year}")
        return ordinal

    def drop(category: str, line: int, ref: str, detail: str) -> None:
        not_used[category] += 1
        if len(shown[category]) < examples:
            shown[category].append(Skipped(reports_name, line, ref, category, detail))

    for line, row in table.rows:
        read += 1
        if len(row) < width:
            row = row + [""] * (width - len(row))
        ind = row[i_ind].strip()
        value_text = row[i_val].strip()
        value = values.get(value_text)
        if value is None:
            value = values[value_text] = read_value(value_text)
        if type(value) is tuple:
            drop(value[0], line, ind, value[1])
            continue
        key = (row[i_month].strip(), row[i_year].strip(),
               row[extraction_col].strip() if extraction_col is not None and extraction_col < len(row) else "")
        ordinal = months.get(key)
        if ordinal is None:
            ordinal = months[key] = read_month(*key)
        if type(ordinal) is tuple:
            detail = ordinal[1] + (f", valore_realizzato {value_text}" if ordinal[0] == NO_MONTH else "")
            drop(ordinal[0], line, ind, detail)
            continue
        if ind not in linked:
            unlinked.add(ind)
            drop(UNLINKED, line, ind, "")
            continue
        if ind not in targets_of:
            if ind in incomparable:
                drop(NOT_COMPARABLE, line, ind, incomparable[ind][0])
            elif ind in level:
                drop(NOT_A_TOTAL, line, ind, level[ind][0])
            else:
                drop(NOT_IN_PLAN, line, ind, "")
            continue
        reported[ind].append((ordinal, line, (row[i_cup].strip(), row[i_local].strip()), value))

    used = sum(len(v) for v in reported.values())
    timelines = {ind: _indicator_timeline(rows) for ind, rows in reported.items()}
    repeated = sum(t.repeated for t in timelines.values())
    indicators_of: dict[str, list[str]] = defaultdict(list)
    for ind, ids in targets_of.items():
        for tid in ids:
            indicators_of[tid].append(ind)
    out: list[ImportRow] = []
    reports_file, map_file = reports_name.rsplit("/", 1)[-1], map_name.rsplit("/", 1)[-1]
    for tid in (it.id for it in plan.items if it.id in indicators_of):
        inds = sorted(indicators_of[tid])
        for m in _merged([timelines[i] for i in inds if i in timelines]):
            year, month = divmod(m.ordinal, 12)
            if (problem := out_of_bounds(m.total, str(m.total))) is not None:
                raise RrfError(Words("en")(SUM_OUT_OF_BOUNDS, file=reports_file, id=tid, month=f"{month + 1:02d}/{year}",
                                           problem=problem))
            source = (f"{reports_file} (via {map_file}), indicator{'s' if len(inds) > 1 else ''} {', '.join(inds)}: "
                      f"sum of the latest valore_realizzato of {m.projects} project{'s' if m.projects != 1 else ''} "
                      f"as of {month + 1:02d}/{year} ({m.reporting} reported that month)")
            out.append(ImportRow(m.first_line, CheckedRecord(
                item_id=tid, as_of=month_end(year, month + 1), value=m.total, done=None, breakdown_key=None,
                source=source, reporter=REPORTER, evidence=None), None))
    return ProgressImport(
        file_name=f"{reports_name.rsplit('/', 1)[-1]} + {map_name.rsplit('/', 1)[-1]}",
        sha256=sha256_of(reports, map_data), rows=out, read=read, used=used, not_used=not_used,
        examples=dict(shown), map=imap, unlinked_indicators=sorted(unlinked),
        map_not_in_plan=sorted(not_in_plan), map_milestones=sorted(milestones),
        incomparable_links=[w for ws in incomparable.values() for w in ws],
        level_links=[w for ws in level.values() for w in ws],
        targets=len({r.record.item_id for r in out}), repeated_reports=repeated,
    )


@dataclass(frozen=True)
class Month:
    """An indicator's (or a target's) state after one month with reports."""

    ordinal: int  # year * 12 + month - 1
    total: Decimal  # the sum over projects of each one's latest value as of the month
    projects: int  # projects with a value as of the month
    reporting: int  # projects that reported in the month
    first_line: int  # the first line reported in the month


@dataclass(frozen=True)
class Timeline:
    months: list[Month]
    repeated: int  # a project reported twice in one month (the later line counts)


def _indicator_timeline(rows: list[tuple[int, int, tuple[str, str], Decimal]]) -> Timeline:
    """One indicator's months: each project's value carries forward until it reports again."""
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    latest: dict[tuple[str, str], Decimal] = {}
    total = Decimal(0)
    months: list[Month] = []
    repeated = n = 0
    while n < len(rows):
        ordinal, first = rows[n][0], rows[n][1]
        reporting: set[tuple[str, str]] = set()
        while n < len(rows) and rows[n][0] == ordinal:
            _, _, key, value = rows[n]
            repeated += key in reporting
            reporting.add(key)
            total += value - latest.get(key, Decimal(0))
            latest[key] = value
            n += 1
        months.append(Month(ordinal, total, len(latest), len(reporting), first))
    return Timeline(months, repeated)


def _merged(timelines: list[Timeline]) -> list[Month]:
    """A target's months from its indicators': each indicator's latest state carries forward."""
    if len(timelines) == 1:
        return timelines[0].months
    ordinals = sorted({m.ordinal for t in timelines for m in t.months})
    at = [0] * len(timelines)
    out: list[Month] = []
    for ordinal in ordinals:
        total, projects, reporting, first = Decimal(0), 0, 0, None
        for k, t in enumerate(timelines):
            while at[k] < len(t.months) and t.months[at[k]].ordinal <= ordinal:
                at[k] += 1
            if at[k] == 0:
                continue
            m = t.months[at[k] - 1]
            total += m.total
            projects += m.projects
            if m.ordinal == ordinal:
                reporting += m.reporting
                first = m.first_line if first is None else min(first, m.first_line)
        out.append(Month(ordinal, total, projects, reporting, first or 0))
    return out
