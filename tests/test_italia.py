"""`rrf import-plan` and `import-progress --format italia-domani` bring in Italy's published RRF plan and progress.

The plan becomes a valid plan file; the project reports become one cumulative record per target and
month. It reads the files as Italia Domani publishes them (decimal commas, Q1/T1 quarters, "2024.0"
years, Italian month names in any case), keeps every usable milestone and target with its
number, due date, goal, baseline and EU or national scope (a goal at or below its baseline as a
reduction, which gets no records from project reports), and reports every row it cannot use
with its line and reason. The fixtures in tests/data/italia/ are cut from the real files
in data/italia-domani (the published files, carried in the repo), byte for byte:

- met.csv.gz: PNRR_MeT_OAprogrammazione's header and records 1-270 (original lines 2-939,
  unchanged numbers), 528-537 and 892, 897 (from line 940 on);
- map.csv: PNRR_Map_Indicatori_Target's header and its lines 2-6, 17-20, 244, 323, 382
  (indicators T0327, T0081, T0049, T0027, T0029 and the milestone M3C2-6);
- reports.csv: PNRR_Indicatori_Target's header and its lines 264, 267, 2, 3, 106, 55, 37, 5,
  219, 429, 541, 92039, 94831, 92028, 91469, 107797, 85178, 191355, 19425, in that order
  (lines 2-20 of the slice).
"""

import csv
import gzip
import io
import json
import math
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from conftest import ROOT, records_at
from rrf.models.tables import ImportBatch
from rrf.importers import italia
from rrf.cli.main import app
from rrf.rules import load_plan, parse_plan

DATA = Path(__file__).resolve().parent / "data" / "italia"
MET, MAP, REPORTS = DATA / "met.csv.gz", DATA / "map.csv", DATA / "reports.csv"
runner = CliRunner()


def rrf(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def plan_run(tmp_path_factory):
    """import-plan on the slice, once for the module: (result, plan path)."""
    out = tmp_path_factory.mktemp("italia") / "italia.toml"
    result = rrf("import-plan", "--format", "italia-domani", "--met", MET, "--map", MAP, "--output", out)
    return result, out


@pytest.fixture(scope="module")
def plan_path(plan_run):
    result, out = plan_run
    assert result.exit_code == 0, result.stderr
    return out


# --- values as the files write them ------------------------------------------------------------

NUMBERS = [
    ("4.250,00", Decimal("4250")), ("0,00", Decimal("0")), ("1.383.000,00", Decimal("1383000")),
    ("9,43", Decimal("9.43")), ("1250", Decimal("1250")), ("0,10", Decimal("0.1")), ("-3,5", Decimal("-3.5")),
]
NOT_NUMBERS = ["", "abc", "4,250.00", "1.25", "12.34,5", "1,2,3", "1 300", "4.250,"]


@pytest.mark.parametrize("text, value", NUMBERS)
def test_italian_numbers_use_a_decimal_comma_and_dots_between_thousands(text, value):
    assert italia.parse_italian_number(text) == value


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_anything_else_is_not_an_italian_number(text):
    with pytest.raises(ValueError, match="Italian way"):
        italia.parse_italian_number(text)


QUARTERS = [  # year text, quarter, end of the quarter
    ("2024", "Q1", date(2024, 3, 31)), ("2024", "Q2", date(2024, 6, 30)), ("2024.0", "Q3", date(2024, 9, 30)),
    ("2026", "Q4", date(2026, 12, 31)), ("2025", "T3", date(2025, 9, 30)), ("2023", "t1", date(2023, 3, 31)),
]


@pytest.mark.parametrize("year, quarter, end", QUARTERS)
def test_a_quarter_becomes_its_last_day(year, quarter, end):
    assert italia.quarter_end(italia.parse_year(year), quarter) == end


@pytest.mark.parametrize("year, quarter", [("2024", "Q5"), ("2024", ""), ("", "Q1"), ("24", "Q1"), ("2024.5", "Q1")])
def test_an_unusable_quarter_or_year_is_refused(year, quarter):
    with pytest.raises(ValueError):
        italia.quarter_end(italia.parse_year(year), quarter)


# --- the plan ----------------------------------------------------------------------------------

PLAN_ITEMS = [
    # id, kind, due (from the quarter), goal, baseline, unit, scope  (the slice's raw values in the comment)
    # M1C1I1.1, M1C1-00-ITA-2, Milestone, ITA, Q1 2022
    ("M1C1I1.1/m1c1-00-ita-2", "milestone", date(2022, 3, 31), "done", Decimal(0), None, "national"),
    # M1C1I1.01, M1C1-3, Milestone, UE, Q4 2022
    ("M1C1I1.01/m1c1-3", "milestone", date(2022, 12, 31), "done", Decimal(0), None, "eu"),
    # M1C1I1.01, M1C1-17, Target, UE, Numero, "0,00" -> "100,00", Q3 2024
    ("M1C1I1.01/m1c1-17", "target", date(2024, 9, 30), Decimal(100), Decimal(0), "Numero", "eu"),
    # M1C1I1.01, M1C1-26, Target, UE, Numero, "100,00" -> "280,00", Q2 2026
    ("M1C1I1.01/m1c1-26", "target", date(2026, 6, 30), Decimal(280), Decimal(100), "Numero", "eu"),
    # M1C1I1.1, M1C1-00-ITA-4, Target, ITA, Numero, "0,00" -> "240,00", Q3 2025
    ("M1C1I1.1/m1c1-00-ita-4", "target", date(2025, 9, 30), Decimal(240), Decimal(0), "Numero", "national"),
    # M1C1I1.04, M1C1-140, Target, UE, Percentuale, "0,10" -> "40,00", Q4 2024
    ("M1C1I1.04/m1c1-140", "target", date(2024, 12, 31), Decimal(40), Decimal("0.1"), "Percentuale", "eu"),
    # M2C1I2.02, M2C1-9, Target, UE, kW, "0,00" -> "1.383.000,00", Q2 2026
    ("M2C1I2.02/m2c1-9", "target", date(2026, 6, 30), Decimal(1383000), Decimal(0), "kW", "eu"),
    # M3C2I2.02, M3C2-6, Milestone, UE, Q1 2026 (listed twice: the second is a duplicate)
    ("M3C2I2.02/m3c2-6", "milestone", date(2026, 3, 31), "done", Decimal(0), None, "eu"),
]


def test_the_generated_plan_is_valid_for_rrf_validate(plan_path):
    result = rrf("validate", "--plan", plan_path)
    assert result.exit_code == 0, result.stderr
    assert "valid: 249 items (155 targets, 94 milestones), 38 measures" in result.stdout


@pytest.mark.parametrize("item_id, kind, due, goal, baseline, unit, scope", PLAN_ITEMS)
def test_milestones_and_targets_keep_number_due_quarter_goal_baseline_and_scope(
        plan_path, item_id, kind, due, goal, baseline, unit, scope):
    item = load_plan(plan_path).plan.item(item_id)
    assert (item.kind, item.due, item.goal, item.baseline, item.unit_lv, item.unit_en, item.scope) == (
        kind, due, goal, baseline, unit, unit, scope)
    assert item.sources[0].doc == "met" and item.name_lv == item.name_en == item.sources[0].quote


def test_measures_institutions_and_sources_come_from_the_rows(plan_path):
    plan = load_plan(plan_path).plan
    assert plan.measures["M1C1I1.01"].name_lv == "Infrastrutture digitali"
    assert plan.measures["M1C1I1.01"].type == "investment"
    assert plan.measures["M1C1R1.01"].type == "reform"
    assert plan.measures["M1C1I1.01"].institution == "pcm-dipartim-trasformazione-digitale"
    assert (plan.institutions["pcm-dipartim-trasformazione-digitale"].name_lv
            == "PCM - DIPARTIM. TRASFORMAZIONE DIGITALE")
    assert plan.institutions["min-agric-sovranita-alim-e-foreste"].name_en == "MIN AGRIC. SOVRANITA' ALIM. E FORESTE"
    assert plan.contacts == {}
    assert (plan.sources["met"].file, plan.sources["map"].file) == ("met.csv.gz", "map.csv")
    assert plan.sources["map"].published == date(2025, 3, 31)


REDUCTIONS = [
    # id, due, baseline, goal, unit, line in met.csv.gz and its note (None: none)
    # M1C1-00-ITA-50, Numero, "260.000,00" -> "208.000,00", Q2 2022: INAIL contact-centre requests
    ("M1C1I1.6/m1c1-00-ita-50", date(2022, 6, 30), Decimal(260000), Decimal(208000), "Numero", 251, None),
    # M1C1-41, Percentuale, "100,00" -> "75,00", Q2 2024: the regional administrative courts' backlog
    ("M1C1I3.00/m1c1-41", date(2024, 6, 30), Decimal(100), Decimal(75), "Percentuale", 526, None),
    # M1C1-88, "30,00" -> "30,00", Q1 2026: days central administrations take to pay, kept at 30 (a ceiling)
    ("M1C1R1.11/m1c1-88", date(2026, 3, 31), Decimal(30), Decimal(30), "Media ponderata dei tempi di pagamento", 794,
     "goal equal to its baseline: imported as a reduction target (reached at or below the goal); check the row "
     "(goal 30,00 = baseline 30,00 Media ponderata dei tempi di pagamento)"),
    # M1C1-140-ITA-1, Percentuale, "10,00" -> "10,00", Q4 2023
    ("M1C1I1.4/m1c1-140-ita-1", date(2023, 12, 31), Decimal(10), Decimal(10), "Percentuale", 93,
     "goal equal to its baseline: imported as a reduction target (reached at or below the goal); check the row "
     "(goal 10,00 = baseline 10,00 Percentuale)"),
    # M1C1-00-ITA-31, Percentuale, "6.283,00" -> "60,00", Q2 2024: PAs adopting SPID and CIE, as published
    ("M1C1I1.4/m1c1-00-ita-31", date(2024, 6, 30), Decimal(6283), Decimal(60), "Percentuale", 161,
     "a percentage with a baseline or goal above 100: they may be in different units (kept as published); "
     "check the row (baseline 6.283,00, goal 60,00 Percentuale)"),
]


@pytest.mark.parametrize("item_id, due, baseline, goal, unit, line, note", REDUCTIONS)
def test_a_goal_at_or_below_its_baseline_is_a_reduction_and_a_level(plan_run, plan_path, item_id, due, baseline,
                                                                   goal, unit, line, note):
    item = load_plan(plan_path).plan.item(item_id)
    assert (item.kind, item.direction, item.indicator, item.due, item.baseline, item.goal, item.unit_lv) == (
        "target", "decrease", "level", due, baseline, goal, unit)
    assert item.reaches(goal, goal) and not item.reaches(goal + 1, goal)  # reached at or below the goal
    notes = [n for n in plan_run[0].stdout.splitlines() if n.startswith(f"  note: met.csv.gz:{line}: ")]
    number = item_id.split("/")[1].upper()
    assert notes == ([f"  note: met.csv.gz:{line}: {number}: {note}"] if note else [])


def test_every_target_is_an_increase_or_a_reduction_by_its_goal_and_baseline(plan_path):
    targets = [i for i in load_plan(plan_path).plan.items if i.kind == "target"]
    assert len(targets) == 155
    assert all((i.direction, i.indicator) == (("decrease", "level") if i.goal <= i.baseline else
                                              ("increase", "cumulative")) for i in targets)
    assert sum(i.direction == "decrease" for i in targets) == 22


MET_EDITS = [
    # M1C1-00-ITA-50's baseline and goal ("260.000,00","208.000,00") replaced: direction, goal, note or skip
    (("260.000,00", "0,00"), ("decrease", Decimal(0), None)),  # a reduction to nothing (M2C1-16 is 11 -> 0)
    (("0,00", "0,00"), (None, None, "target goal is 0")),
    (("", "0,00"), (None, None, "target goal is 0")),  # no baseline: 0
    (("260.000,00", "260.000,00"), ("decrease", Decimal(260000), italia.EQUAL_BASELINE)),
    (("260.000,00", "260.000,01"), ("increase", Decimal("260000.01"), None)),
]


@pytest.mark.parametrize("edit, outcome", MET_EDITS)
def test_the_goal_against_the_baseline_decides_increase_reduction_or_skip(edit, outcome):
    text = gzip.decompress(MET.read_bytes()).decode("utf-8")
    old = '"260.000,00","208.000,00"'
    assert text.count(old) == 1
    text = text.replace(old, f'"{edit[0]}","{edit[1]}"')
    result = italia.plan_from_files("met.csv", text.encode("utf-8"), "map.csv", MAP.read_bytes())
    direction, goal, why = outcome
    item = next((i for i in result.items if i["id"] == "M1C1I1.6/m1c1-00-ita-50"), None)
    if direction is None:
        assert item is None
        assert [(s.line, s.category) for s in result.skipped if s.ref == "M1C1-00-ITA-50"] == [(251, why)]
    else:
        assert (item.get("direction", "increase"), item["goal"]) == (direction, goal)
        assert [s.category for s in result.notes if s.ref == "M1C1-00-ITA-50"] == ([why] if why else [])


SKIPPED_ROWS = [
    # line in met.csv.gz, nr_seq_mt, why
    (781, "M1C1-80", "target goal is 0 (valore_obiettivo_target '0,00', riferimento_di_partenza_target '0,00')"),
    (894, "M1C1-56", "duplicate nr_seq_mt (first at line 360; listed again under M1C1R2.01.00)"),
    (966, "M3C2-6", "duplicate nr_seq_mt (first at line 965; listed again under M3C2I2.02.02)"),
]


@pytest.mark.parametrize("line, number, why", SKIPPED_ROWS)
def test_every_row_not_used_is_named_with_its_line_and_reason(plan_run, line, number, why):
    result, _ = plan_run
    assert f"not used: met.csv.gz:{line}: {number}: {why}" in result.stdout


def test_the_rows_not_used_are_counted_in_a_summary(plan_run):
    result, _ = plan_run
    out = result.stdout
    assert result.exit_code == 0
    assert "met.csv.gz: 282 rows read" in out
    assert "wrote 249 items (155 targets, 22 of them reductions, 94 milestones; 158 EU, 91 national)" in out
    assert "rows not used: 33 of 282" in out
    for count, category in [(25, "duplicate nr_seq_mt"), (8, "target goal is 0")]:
        assert f"{count:>7}  {category}" in out
    assert out.count("  not used: ") == 33  # 282 rows = 249 items + 33 rows not used
    assert "not above its baseline" not in out  # a goal at or below its baseline is a reduction now
    assert "notes: 8" in out
    for count, category in [(5, italia.EQUAL_BASELINE), (2, italia.PERCENT_ABOVE_100)]:
        assert f"{count:>7}  {category}" in out


# --- progress ----------------------------------------------------------------------------------

# The records, by hand from reports.csv (lines of the slice; a project's value carries forward):
#  T0327 (-> M1C1-17 and M1C1-00-ITA-4): line 2 J81C23000840001 1,00 Luglio 2024; 3 B81C23000610006
#    1,00 Settembre 2024; 4 and 5 two projects 1,00 Ottobre 2024; 6 F51C23000590001 1,00 Febbraio
#    2025; 7 "0,00" with no mese/anno (not used).
#    M1C1-17: 07/2024 = 1; 09/2024 = 1 (carried) + 1 = 2; 10/2024 = 2 + 1 + 1 = 4; 02/2025 = 4 + 1 = 5.
#  T0081 (-> M1C1-26, M1C1-00-ITA-3 and M1C1-00-ITA-4): line 11 J81C23000840001 0,00 Dicembre 2023;
#    8 J81C23000780006 1,00 Agosto 2024; 9 J91C23000420001 1,00 Novembre 2024; 10 E81C23000740006
#    1,00 Febbraio 2025; 12 no mese/anno (not used).
#    M1C1-26: 12/2023 = 0; 08/2024 = 1; 11/2024 = 2; 02/2025 = 3.
#  M1C1-00-ITA-4 counts both indicators, each one's latest total carried forward:
#    12/2023 = 0 + nothing = 0; 07/2024 = 0 + 1 = 1; 08/2024 = 1 + 1 = 2; 09/2024 = 1 + 2 = 3;
#    10/2024 = 1 + 4 = 5; 11/2024 = 2 + 4 = 6; 02/2025 = 3 + 5 = 8.
#  T0027 (-> M2C1-9, kW): line 13 "7,79" Luglio 2023; 14 "9,43" LUGLIO 2023 (upper case);
#    15 "6,15" Dicembre 2023; 16 "159,90" Febbraio 2024; 17 "0,00" DICEMBRE with no anno (not used).
#    07/2023 = 7,79 + 9,43 = 17,22; 12/2023 = 17,22 + 6,15 = 23,37; 02/2024 = 23,37 + 159,90 = 183,27.
#  Not used either: 18 T0299 (in no link of the map), 19 T0029 Marzo 2026 (after the extraction
#  date 2025-03-31), 20 T0049 (three of its targets are in Percentuale, the indicator counts a Numero;
#  the fourth, M1C1-140-ITA-1, is a reduction, to which a sum of projects' values is no value).
RECORDS = [
    # item id, as of (last day of the month), value, first line of that month
    ("M1C1I1.01/m1c1-17", date(2024, 7, 31), Decimal(1), 2),
    ("M1C1I1.01/m1c1-17", date(2024, 9, 30), Decimal(2), 3),
    ("M1C1I1.01/m1c1-17", date(2024, 10, 31), Decimal(4), 4),
    ("M1C1I1.01/m1c1-17", date(2025, 2, 28), Decimal(5), 6),
    ("M1C1I1.01/m1c1-26", date(2023, 12, 31), Decimal(0), 11),
    ("M1C1I1.01/m1c1-26", date(2024, 8, 31), Decimal(1), 8),
    ("M1C1I1.01/m1c1-26", date(2024, 11, 30), Decimal(2), 9),
    ("M1C1I1.01/m1c1-26", date(2025, 2, 28), Decimal(3), 10),
    ("M1C1I1.1/m1c1-00-ita-4", date(2023, 12, 31), Decimal(0), 11),
    ("M1C1I1.1/m1c1-00-ita-4", date(2024, 7, 31), Decimal(1), 2),
    ("M1C1I1.1/m1c1-00-ita-4", date(2024, 8, 31), Decimal(2), 8),
    ("M1C1I1.1/m1c1-00-ita-4", date(2024, 9, 30), Decimal(3), 3),
    ("M1C1I1.1/m1c1-00-ita-4", date(2024, 10, 31), Decimal(5), 4),
    ("M1C1I1.1/m1c1-00-ita-4", date(2024, 11, 30), Decimal(6), 9),
    ("M1C1I1.1/m1c1-00-ita-4", date(2025, 2, 28), Decimal(8), 6),
    ("M2C1I2.02/m2c1-9", date(2023, 7, 31), Decimal("17.22"), 13),
    ("M2C1I2.02/m2c1-9", date(2023, 12, 31), Decimal("23.37"), 15),
    ("M2C1I2.02/m2c1-9", date(2024, 2, 29), Decimal("183.27"), 16),
]

STATUSES = [
    # as of, id, status, actual, projected on (by hand: ceil((goal - latest) / pace) days after the latest)
    ("2023-07-31", "M2C1I2.02/m2c1-9", "on_track", 17.22, None),  # one record: no pace yet
    ("2024-06-30", "M1C1I1.01/m1c1-17", "no_data", None, None),  # its first report is of July
    ("2024-06-30", "M1C1I1.1/m1c1-00-ita-3", "missed", 0, None),  # due 2023-09-30, 0 by 12/2023
    # pace (2 - 1) / 61 days from 2024-07-31 to 2024-09-30: (100 - 2) * 61 = 5 978 days to go
    ("2024-09-30", "M1C1I1.01/m1c1-17", "at_risk", 2, date(2024, 9, 30) + timedelta(days=5978)),
    ("2025-03-31", "M1C1I1.01/m1c1-17", "missed", 5, None),
    # pace (8 - 0) / 425 days from 2023-12-31 to 2025-02-28: (240 - 8) * 425 / 8 = 12 325 days to go
    ("2025-03-31", "M1C1I1.1/m1c1-00-ita-4", "at_risk", 8, date(2025, 2, 28) + timedelta(days=12325)),
    # pace 3 / 425 days: (280 - 3) * 425 / 3 = 39 241,67, so 39 242 days to go
    ("2025-03-31", "M1C1I1.01/m1c1-26", "at_risk", 3, date(2025, 2, 28) + timedelta(days=math.ceil(277 * 425 / 3))),
    ("2025-03-31", "M2C1I2.02/m2c1-9", "at_risk", 183.27, None),
    ("2025-03-31", "M1C1I1.04/m1c1-140", "missed", None, None),  # its only indicator counts no percentage
    # reductions get no records from project reports
    ("2025-03-31", "M1C1I1.4/m1c1-140-ita-1", "missed", None, None),  # due 2023-12-31
    ("2025-03-31", "M1C1R1.11/m1c1-88", "no_data", None, None),  # due 2026-03-31
]


def batches(url: str) -> list[ImportBatch]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(ImportBatch)))
    finally:
        engine.dispose()


def import_progress(plan: Path, db: str, reports: Path = REPORTS, map_: Path = MAP):
    return rrf("import-progress", "--format", "italia-domani", "--reports", reports, "--map", map_,
               "--plan", plan, "--db", db)


@pytest.fixture
def imported(workdir, db_url, plan_path):
    result = import_progress(plan_path, db_url)
    assert result.exit_code == 0, result.stderr
    return result


def test_each_target_gets_one_record_per_month_summing_each_projects_latest_value(imported, db_url):
    rows = [(r.item_id, r.as_of, r.value, r.import_row) for r in records_at(db_url)
            if r.item_id != "M1C1I1.1/m1c1-00-ita-3"]
    assert sorted(rows) == sorted(RECORDS)


def test_records_say_where_they_come_from(imported, db_url):
    records = {(r.item_id, r.as_of): r for r in records_at(db_url)}
    r = records[("M1C1I1.1/m1c1-00-ita-4", date(2024, 10, 31))]
    assert (r.reporter, r.done, r.breakdown_key, r.evidence) == ("Italia Domani open data", None, None, None)
    # 6 projects: lines 11 and 8 (T0081), 2, 3, 4 and 5 (T0327); lines 4 and 5 are of October
    assert r.source == ("reports.csv (via map.csv), indicators T0081, T0327: sum of the latest valore_realizzato "
                        "of 6 projects as of 10/2024 (2 reported that month)")
    assert [(b.file_name, b.rows) for b in batches(db_url)] == [("reports.csv + map.csv", 22)]
    assert batches(db_url)[0].file_sha256 == italia.sha256_of(REPORTS.read_bytes(), MAP.read_bytes())


def test_the_summary_counts_every_row_and_link_not_used(imported):
    out = imported.stdout
    for line in [
        "reports.csv: 19 rows read, 13 used, 6 not used",
        "3  unknown month: mese or anno empty",
        "e.g. reports.csv:17: T0027 (mese 'DICEMBRE', anno '', valore_realizzato 0,00)",
        "1  month after the file's extraction date (data_di_estrazione)",
        "1  indicator not linked to any target in the map",
        "1  indicator's unit not comparable with its targets' units",
        "indicators reported but not linked to any target: 1 (T0299)",
        "targets of the map not in the plan: 1 (M2C4-00-ITA-35)",
        "map entries that are milestones of the plan (milestones get no records): 1 (M3C2-6)",
        "M1C1I1.04/m1c1-140 <- T0049: target in 'Percentuale', indicator in 'Numero' (map line 7)",
        "links not used, the target is a reduction or a level (its projects' values add up to no value of it): 1 "
        "(the target gets no records from that indicator)",
        "    M1C1I1.4/m1c1-140-ita-1 <- T0049: a reduction, project values are not a total (map line 9)",
        "records written: 22 for 5 targets, as import #1",
    ]:
        assert line in out, line


@pytest.mark.parametrize("as_of, item_id, status, actual, projected", STATUSES)
def test_statuses_follow_from_the_monthly_records(imported, db_url, plan_path, as_of, item_id, status, actual,
                                                 projected):
    result = rrf("status", "--as-of", as_of, "--format", "json", "--plan", plan_path, "--db", db_url)
    assert result.exit_code == 0, result.stderr
    row = {r["id"]: r for r in json.loads(result.stdout)}[item_id]
    assert (row["status"], row["actual"]) == (status, actual)
    if projected is not None:
        assert row["projected_on"] == projected.isoformat()


def test_importing_the_same_files_again_adds_nothing_and_says_so(imported, db_url, plan_path, workdir):
    before = records_at(db_url)
    again = import_progress(plan_path, db_url)
    assert again.exit_code == 0, again.stderr
    assert "already imported" in again.stdout and "nothing added" in again.stdout
    copy = workdir / "other-name.csv"  # the same bytes under another name
    shutil.copyfile(REPORTS, copy)
    assert "nothing added" in import_progress(plan_path, db_url, reports=copy).stdout
    assert len(records_at(db_url)) == len(before) == 22


ROW_EDITS = [
    # (line of reports.csv, text in it, replaced by), category it lands in, M2C1-9's 07/2023 record
    ((14, 'Target,"9,43"', 'Target,""'), italia.MISSING_VALUE, Decimal("7.79")),
    ((14, 'Target,"9,43"', 'Target,"9.43"'), italia.BAD_VALUE, Decimal("7.79")),
    ((14, "LUGLIO", "Julio"), italia.UNKNOWN_MONTH, Decimal("7.79")),
    ((14, "2023.0", "duemila"), italia.BAD_YEAR, Decimal("7.79")),
    ((14, 'Target,"9,43"', 'Target,"-9,43"'), italia.NEGATIVE_VALUE, Decimal("7.79")),
    ((14, "LUGLIO", "luglio"), None, Decimal("17.22")),  # any case
    ((14, 'Target,"9,43"', 'Target,"1.009,43"'), None, Decimal("1017.22")),  # dots between thousands
]


@pytest.mark.parametrize("edit, category, july", ROW_EDITS)
def test_a_row_that_cannot_be_read_is_counted_under_its_reason(plan_path, edit, category, july):
    line, old, new = edit
    lines = REPORTS.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[line - 1].count(old) == 1
    lines[line - 1] = lines[line - 1].replace(old, new)
    data = "".join(lines).encode("utf-8")
    result = italia.progress_from_files("reports.csv", data, "map.csv", MAP.read_bytes(), load_plan(plan_path).plan,
                                        date(2026, 11, 22))
    if category is not None:
        assert result.not_used[category] == 1
        assert [s.line for s in result.examples[category]] == [line]
    assert result.used == 13 - (category is not None)
    assert result.read == 19
    july_records = [r.record.value for r in result.rows
                    if r.record.item_id == "M2C1I2.02/m2c1-9" and r.record.as_of == date(2023, 7, 31)]
    assert july_records == [july]


def with_water_losses() -> tuple[bytes, bytes]:
    """The slice with the real row of M2C4-00-ITA-35 (water losses from 50 % to 35 %, the target of T0029)
    added to the plan, and line 19 (T0029, 0,00 of project D78B22000510006) dated December 2024."""
    with gzip.open(ROOT / "data" / "italia-domani" / italia.MET_FILE, "rt", encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        (row,) = [r for r in rows if r[header.index("nr_seq_mt")] == "M2C4-00-ITA-35"]
    extra = io.StringIO()
    csv.writer(extra, lineterminator="\n").writerow(row)
    met = gzip.decompress(MET.read_bytes()) + extra.getvalue().encode("utf-8")
    lines = REPORTS.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[18].count("T0029") == 1 and lines[18].count("Marzo,2026.0") == 1
    lines[18] = lines[18].replace("Marzo,2026.0", "Dicembre,2024.0")
    return met, "".join(lines).encode("utf-8")


def test_reports_of_a_reduction_are_not_summed_and_are_counted_under_their_reason():
    met, reports = with_water_losses()
    plan = italia.plan_from_files("met.csv", met, "map.csv", MAP.read_bytes())
    (item,) = [i for i in plan.items if i["id"] == "M2C4I4.2/m2c4-00-ita-35"]
    assert (item["direction"], item["indicator"], item["baseline"], item["goal"]) == ("decrease", "level", 50, 35)
    loaded = parse_plan(italia.plan_toml(plan).encode("utf-8")).plan
    result = italia.progress_from_files("reports.csv", reports, "map.csv", MAP.read_bytes(), loaded,
                                        date(2026, 11, 22))
    assert result.not_used[italia.NOT_A_TOTAL] == 1
    assert [(s.line, s.ref, s.detail) for s in result.examples[italia.NOT_A_TOTAL]] == [
        (19, "T0029", "M2C4I4.2/m2c4-00-ita-35 <- T0029: a reduction, project values are not a total (map line 12)")]
    assert result.level_links == [
        "M1C1I1.4/m1c1-140-ita-1 <- T0049: a reduction, project values are not a total (map line 9)",
        "M2C4I4.2/m2c4-00-ita-35 <- T0029: a reduction, project values are not a total (map line 12)"]
    assert result.map_not_in_plan == [] and result.read == 19 and result.used == 13
    assert {r.record.item_id for r in result.rows}.isdisjoint({"M2C4I4.2/m2c4-00-ita-35", "M1C1I1.4/m1c1-140-ita-1"})
    assert sum(result.not_used.values()) == 19 - 13  # nothing lost: every row used or counted


# --- bad input ---------------------------------------------------------------------------------

BAD_FILES = [
    # content of the file, what the message says
    pytest.param(b"hello,world\n1,2\n", "not the expected CSV: missing column(s)", id="another-csv"),
    pytest.param(b"", "the file is empty", id="empty"),
    pytest.param(b"\x1f\x8b\x08\x00" + b"\x00" * 40, "not a readable CSV file", id="broken-gzip"),
    pytest.param("nr_seq_mt,città\n".encode("latin-1"), "not a readable CSV file (not UTF-8)", id="not-utf8"),
]


@pytest.mark.parametrize("content, message", BAD_FILES)
def test_import_plan_refuses_a_file_that_is_not_the_published_csv(workdir, content, message):
    bad = workdir / "PNRR_MeT_broken.csv.gz"
    bad.write_bytes(content)
    out = workdir / "italia.toml"
    result = rrf("import-plan", "--format", "italia-domani", "--met", bad, "--map", MAP, "--output", out)
    assert result.exit_code == 2
    assert str(bad) in result.stderr and message in result.stderr
    assert not out.exists()


def truncated_gzip(path: Path) -> bytes:
    """The file gzip-compressed and cut off half way: the header reads, the rows do not."""
    whole = gzip.compress(path.read_bytes(), mtime=0)
    return whole[: len(whole) // 2]


def test_import_plan_refuses_a_truncated_gzip_naming_the_line_it_reached(workdir):
    bad = workdir / "PNRR_MeT_cut.csv.gz"
    bad.write_bytes(MET.read_bytes()[:20000])
    result = rrf("import-plan", "--format", "italia-domani", "--met", bad, "--map", MAP, "--output", "x.toml")
    assert result.exit_code == 2
    assert f"{bad}:" in result.stderr and "not readable (damaged gzip data" in result.stderr
    assert not (workdir / "x.toml").exists()


@pytest.mark.parametrize("option", ["--reports", "--map"])
def test_import_progress_refuses_a_truncated_gzip(workdir, db_url, plan_path, option):
    bad = workdir / "PNRR_cut.csv.gz"
    bad.write_bytes(truncated_gzip(REPORTS if option == "--reports" else MAP))
    files = {"--reports": REPORTS, "--map": MAP, option: bad}
    result = import_progress(plan_path, db_url, reports=files["--reports"], map_=files["--map"])
    assert result.exit_code == 2, result.stdout
    assert f"{bad}:" in result.stderr and "not readable (damaged gzip data" in result.stderr
    assert records_at(db_url) == []


@pytest.mark.parametrize("option", ["--reports", "--map"])
@pytest.mark.parametrize("content, message", BAD_FILES)
def test_import_progress_refuses_a_file_that_is_not_the_published_csv(workdir, db_url, plan_path, option, content,
                                                                    message):
    bad = workdir / "PNRR_broken.csv"
    bad.write_bytes(content)
    files = {"--reports": REPORTS, "--map": MAP, option: bad}
    result = import_progress(plan_path, db_url, reports=files["--reports"], map_=files["--map"])
    assert result.exit_code == 2, result.stdout
    assert str(bad) in result.stderr and message in result.stderr
    assert records_at(db_url) == []


@pytest.mark.parametrize("args, message", [
    (["import-plan", "--format", "italia-domani", "--met", "no-such-file.csv.gz", "--output", "x.toml"],
     "no-such-file.csv.gz: cannot read the file"),
    (["import-plan", "--format", "csv", "--output", "x.toml"], "--format 'csv': the only format is italia-domani"),
    (["import-plan", "--format", "italia-domani", "--met", REPORTS, "--map", MAP, "--output", "x.toml"],
     "reports.csv:1: not the expected CSV: missing column(s) codice_univoco_misura"),
    (["import-progress", "--format", "italia-domani", "--reports", MAP, "--map", MAP],
     "map.csv:1: not the expected CSV: missing column(s) cup, codice_locale_progetto, valore_realizzato, mese, anno"),
])
def test_unreadable_input_exits_2_naming_the_file(workdir, args, message):
    result = rrf(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (workdir / "x.toml").exists() and not (workdir / "rrf.db").exists()
