"""The published milestones and targets (PNRR_MeT_OAprogrammazione) as a plan for the engine.

A target whose goal is above its baseline is an increase (the plan model's defaults). A target
whose goal is at or below its baseline is a reduction (court backlogs, payment days, water
losses, illegal landfills): `direction = "decrease"`, reached when the value falls to the goal
or below, and `indicator = "level"`, each record stating the value on its day. A goal equal to
its baseline is imported the same way, as a ceiling, and noted (EQUAL_BASELINE); a goal of 0
with a baseline of 0 says nothing to reach and is not used (ZERO_GOAL). Figures stay as
published; a percentage whose baseline or goal is above 100 is noted (PERCENT_ABOVE_100).

The indicator map (PNRR_Map_Indicatori_Target) gives the unit of a target that has none and is
cross-checked against the plan (due date, goal, EU or national); disagreements are kept and
noted. Every row not used is returned with its line and reason.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import tomli_w
from pydantic import ValidationError

from rrf.importers.italia.files import (MAP_COLUMNS, MET_COLUMNS, Skipped, cells, ID_RE, item_id, parse_italian_number,
                              parse_year, quarter_end, read_table, slug, unit_kind)
from rrf.rules.plan import Item

@dataclass
class MapLink:
    line: int
    target: str
    indicator: str
    goal: str
    due: date | None
    scope: str
    unit: str


@dataclass
class IndicatorMap:
    """The map's links (duplicates removed) and the rows it could not use."""

    name: str
    rows: int = 0
    links: list[MapLink] = field(default_factory=list)
    duplicates: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    published: date | None = None


def read_map(name: str, data: bytes) -> IndicatorMap:
    table = read_table(name, data, MAP_COLUMNS)
    has_date = "data_di_estrazione" in table.header
    result = IndicatorMap(name)
    seen: set[tuple[str, str]] = set()
    for line, row in table.rows:
        result.rows += 1
        nr, ind, goal, year, quarter, scope, unit = cells(table, row, MAP_COLUMNS)
        if not nr or not ind:
            result.skipped.append(Skipped(name, line, nr or ind, "link without a target or an indicator",
                                          "numero_sequenziale_milestone_target or codice_indicatore empty"))
            continue
        if (nr, ind) in seen:
            result.duplicates += 1
            continue
        seen.add((nr, ind))
        try:
            due = quarter_end(parse_year(year), quarter)
        except ValueError:
            due = None
        result.links.append(MapLink(line, nr, ind, goal, due, scope, unit))
        if has_date and result.published is None:
            try:
                result.published = date.fromisoformat(row[table.header["data_di_estrazione"]].strip())
            except (ValueError, IndexError):
                pass
    return result


# Why a plan row is skipped (summary order).
DUPLICATE = "duplicate nr_seq_mt"
NO_NUMBER = "no nr_seq_mt"
BAD_KIND = "neither Milestone nor Target"
NO_DUE = "no usable due quarter or year"
NO_GOAL = "target goal missing or not a number"
ZERO_GOAL = "target goal is 0"
BAD_BASELINE = "target baseline not a number"
BAD_MEASURE = "no usable measure code"
REJECTED = "refused by the plan model"
PLAN_SKIPS = (DUPLICATE, NO_NUMBER, BAD_KIND, BAD_MEASURE, NO_DUE, NO_GOAL, BAD_BASELINE, ZERO_GOAL, REJECTED)

UNIT_FROM_MAP = "target without a unit: unit taken from its indicator in the map"
UNIT_UNKNOWN = 'target without a unit (also none in the map): unit written as "n.d."'
EQUAL_BASELINE = ("goal equal to its baseline: imported as a reduction target (reached at or below the goal); "
                  "check the row")
PERCENT_ABOVE_100 = ("a percentage with a baseline or goal above 100: they may be in different units "
                     "(kept as published); check the row")
SCOPE_UNKNOWN = "ita_ue neither UE nor ITA: scope left out"
MAP_DUE_DIFFERS = "due date differs in the map: kept both as due_alternatives (the plan's is used)"
MAP_GOAL_DIFFERS = "goal differs in the map (the plan's is used)"
MAP_SCOPE_DIFFERS = "EU/national differs in the map (the plan's is used)"
SEVERAL_INSTITUTIONS = "measure with several amministrazione_titolare: the most frequent is its institution"


@dataclass
class PlanImport:
    """The plan as plain data (what `Plan.model_validate` and `plan_toml` take) and what happened."""

    data: dict[str, Any]
    rows: int
    skipped: list[Skipped]
    notes: list[Skipped]
    map: IndicatorMap | None

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.data["items"]


def plan_from_files(met_name: str, met: bytes, map_name: str | None = None,
                    map_data: bytes | None = None) -> PlanImport:
    """The published plan as a plan for the engine, and every row it could not use."""
    imap = read_map(map_name, map_data) if map_name is not None and map_data is not None else None
    links: dict[str, list[MapLink]] = defaultdict(list)
    for link in (imap.links if imap else []):
        links[link.target].append(link)

    table = read_table(met_name, met, MET_COLUMNS)
    skipped: list[Skipped] = []
    notes: list[Skipped] = []
    first_line: dict[str, int] = {}
    items: list[dict[str, Any]] = []
    measures: dict[str, dict[str, Any]] = {}
    measure_admins: dict[str, Counter] = defaultdict(Counter)
    measure_line: dict[str, int] = {}
    institutions: dict[str, str] = {}  # name -> ref
    rows = 0

    def skip(line: int, ref: str, category: str, detail: str = "") -> None:
        skipped.append(Skipped(met_name, line, ref, category, detail))

    def note(line: int, ref: str, category: str, detail: str = "") -> None:
        notes.append(Skipped(met_name, line, ref, category, detail))

    sub = table.header.get("codice_univoco_submisura")
    for line, row in table.rows:
        rows += 1
        (code, measure_name, component, admin, nr, kind, name, ita_ue, unit, baseline_text, goal_text, quarter,
         year) = cells(table, row, MET_COLUMNS)
        if not nr:
            skip(line, "", NO_NUMBER, "nr_seq_mt empty")
            continue
        if nr in first_line:
            where = row[sub] if sub is not None and sub < len(row) else code
            skip(line, nr, DUPLICATE, f"first at line {first_line[nr]}; listed again under {where}")
            continue
        first_line[nr] = line
        if code and admin:  # measures and institutions are kept even when the row itself is skipped
            measure_admins[code][admin] += 1
            measure_line.setdefault(code, line)
            if code not in measures:
                measures[code] = {
                    "name_lv": measure_name or code, "name_en": measure_name or code,
                    "type": "reform" if re.match(r"^M\d+C\d+R", code, re.I) else "investment",
                    **({"component_lv": component, "component_en": component} if component else {}),
                }
        kind_l = kind.lower()
        if kind_l not in ("milestone", "target"):
            skip(line, nr, BAD_KIND, f"milestone_target {kind!r}")
            continue
        the_id = item_id(code, nr)
        if not code or not admin or not ID_RE.match(the_id):
            skip(line, nr, BAD_MEASURE, f"codice_univoco_misura {code!r}, amministrazione_titolare {admin!r}")
            continue
        try:
            due = quarter_end(parse_year(year), quarter)
        except ValueError:
            skip(line, nr, NO_DUE, f"trimestre_di_conseguimento {quarter!r}, anno_di_conseguimento {year!r}")
            continue
        item: dict[str, Any] = {"id": the_id, "kind": kind_l, "name_lv": _one_line(name) or nr,
                                "name_en": _one_line(name) or nr}
        if kind_l == "target":
            try:
                goal = parse_italian_number(goal_text)
            except ValueError:
                skip(line, nr, NO_GOAL, f"valore_obiettivo_target {goal_text!r}")
                continue
            try:
                baseline = parse_italian_number(baseline_text) if baseline_text else Decimal(0)
            except ValueError:
                skip(line, nr, BAD_BASELINE, f"riferimento_di_partenza_target {baseline_text!r}")
                continue
            if goal == 0 and baseline == 0:
                skip(line, nr, ZERO_GOAL, f"valore_obiettivo_target {goal_text!r}, "
                                          f"riferimento_di_partenza_target {baseline_text!r}")
                continue
            if not unit:
                from_map = next((lk.unit for lk in links.get(nr, []) if lk.unit), "")
                if from_map:
                    unit = from_map
                    note(line, nr, UNIT_FROM_MAP, from_map)
                else:
                    unit = "n.d."
                    note(line, nr, UNIT_UNKNOWN)
            item.update(unit_lv=unit, unit_en=unit, baseline=baseline, goal=goal)
            if goal <= baseline:  # a reduction: reached at or below the goal, a level on its day
                item.update(direction="decrease", indicator="level")
                if goal == baseline:
                    note(line, nr, EQUAL_BASELINE, f"goal {goal_text} = baseline {baseline_text} {unit}")
            if (unit_kind(unit) or ("",))[0] == "percent" and max(goal, baseline) > 100:
                note(line, nr, PERCENT_ABOVE_100, f"baseline {baseline_text}, goal {goal_text} {unit}")
        else:
            item["goal"] = "done"
        item["due"] = due
        scope = {"UE": "eu", "ITA": "national"}.get(ita_ue.upper())
        if scope is None:
            note(line, nr, SCOPE_UNKNOWN, f"ita_ue {ita_ue!r}")
        else:
            item["scope"] = scope
        item["sources"] = [{"doc": "met", "quote": name or nr}]
        _cross_check(item, links.get(nr, []), line, nr, note, goal_text)
        try:
            Item.model_validate(item)
        except ValidationError as exc:
            skip(line, nr, REJECTED, "; ".join(e["msg"] for e in exc.errors()))
            continue
        items.append(item)

    for code, admins in measure_admins.items():
        top = admins.most_common(1)[0][0]
        if len(admins) > 1:
            note(measure_line[code], code, SEVERAL_INSTITUTIONS,
                 f"{top} ({admins[top]} rows); also " + ", ".join(f"{a} ({n})" for a, n in admins.items() if a != top))
        measures[code]["institution"] = _institution_ref(top, institutions)

    sources: dict[str, Any] = {"met": {
        "file": met_name.rsplit("/", 1)[-1],
        "title_lv": "Italia Domani: milestone e target del PNRR (PNRR_MeT_OAprogrammazione, open data)",
        "title_en": "Italia Domani: milestones and targets of Italy's RRF plan (PNRR), open data",
    }}
    if imap is not None and map_name is not None:
        sources["map"] = {
            "file": map_name.rsplit("/", 1)[-1],
            "title_lv": "Italia Domani: mappa indicatori di progetto - target del PNRR (open data)",
            "title_en": "Italia Domani: map of project indicators to PNRR targets, open data",
            **({"published": imap.published} if imap.published else {}),
        }
    data = {
        "schema_version": 1,
        "plan": {
            "title_lv": "Piano Nazionale di Ripresa e Resilienza (PNRR): milestone e target",
            "title_en": "Italy's Recovery and Resilience Plan (PNRR): milestones and targets",
        },
        "sources": sources,
        "institutions": {ref: {"name_lv": nm, "name_en": nm} for nm, ref in institutions.items()},
        "contacts": {},
        "measures": measures,
        "items": items,
    }
    skipped.sort(key=lambda s: s.line)
    notes.sort(key=lambda s: s.line)
    return PlanImport(data, rows, skipped, notes, imap)


def _cross_check(item: dict[str, Any], links: list[MapLink], line: int, nr: str, note,  # noqa: ANN001
                 goal_text: str) -> None:
    """Compare the plan's row with the map's copy of the same target; disagreements are kept and noted."""
    for link in links:
        if link.due is not None and link.due != item["due"]:
            item["due_alternatives"] = [
                {"value": item["due"], "doc": "met",
                 "quote": f"{nr}: trimestre_di_conseguimento/anno_di_conseguimento"},
                {"value": link.due, "doc": "map",
                 "quote": f"{nr} {link.indicator}: trimestre_obiettivo/anno_obiettivo"},
            ]
            note(line, nr, MAP_DUE_DIFFERS, f"{item['due']} in the plan, {link.due} in the map (line {link.line})")
            break
    for link in links:
        if item["kind"] == "target" and link.goal:
            try:
                if parse_italian_number(link.goal) != item["goal"]:
                    note(line, nr, MAP_GOAL_DIFFERS,
                         f"{goal_text} in the plan, {link.goal} in the map (line {link.line})")
                    break
            except ValueError:
                pass
    for link in links:
        mapped = {"UE": "eu", "IT": "national", "ITA": "national"}.get(link.scope.upper())
        if mapped is not None and "scope" in item and mapped != item["scope"]:
            note(line, nr, MAP_SCOPE_DIFFERS,
                 f"{item['scope']} in the plan, {link.scope} in the map (line {link.line})")
            break


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _institution_ref(name: str, known: dict[str, str]) -> str:
    if name in known:
        return known[name]
    base = slug(name) or "institution"
    ref, n = base, 2
    while ref in known.values():
        ref, n = f"{base}-{n}", n + 1
    known[name] = ref
    return ref


def plan_toml(result: PlanImport, header: list[str] | None = None) -> str:
    """The plan as a milestones.toml-style file (what `rrf validate --plan FILE` reads)."""
    comments = "".join(f"# {h}\n" for h in (header or []))
    return comments + ("\n" if comments else "") + tomli_w.dumps(_plain(result.data))


def _plain(v: Any) -> Any:
    """Decimals as TOML numbers: an integer, or a float that reads back as the same decimal."""
    if isinstance(v, Decimal):
        if v == v.to_integral_value():
            return int(v)
        if Decimal(repr(float(v))) != v:
            raise ValueError(f"{v} cannot be written as a TOML number without changing it")
        return float(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v
