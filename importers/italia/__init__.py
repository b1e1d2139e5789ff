"""Importers for Italy's RRF plan (PNRR) as Italia Domani publishes it (open data, CC BY 4.0).

Pure parsing and aggregation: the caller passes the files' bytes (and "today"); nothing here
touches the database, the clock or the terminal.

- `files`: reading the CSV files and the values in them, exactly as published.
- `plan`: `plan_from_files(met, map)`, the published milestones and targets as a plan for the
  engine (a goal at or below its baseline: a reduction, `direction = "decrease"`,
  `indicator = "level"`), and `plan_toml` to write it as a milestones.toml-style file.
- `progress`: `progress_from_files(reports, map, plan)`, the project-level reports as one
  cumulative record per target and month (none for a reduction or level target: a sum of its
  projects' values is no value of it).

Every row that cannot be used is reported with its line and reason and counted; none is
dropped silently.
"""

from rrf.importers.italia.files import (FORMAT, MAP_FILE, MET_FILE, REPORTER, REPORTS_FILE, ItaliaError, Skipped,
                              parse_italian_number, parse_year, quarter_end, sha256_of)
from rrf.importers.italia.plan import (EQUAL_BASELINE, PERCENT_ABOVE_100, PLAN_SKIPS, ZERO_GOAL, PlanImport,
                             plan_from_files, plan_toml)
from rrf.importers.italia.progress import (BAD_VALUE, BAD_YEAR, MISSING_VALUE, NEGATIVE_VALUE, NOT_A_TOTAL,
                                 REPORT_SKIPS, UNKNOWN_MONTH, ProgressImport, progress_from_files)

__all__ = [
    "BAD_VALUE", "BAD_YEAR", "EQUAL_BASELINE", "FORMAT", "MAP_FILE", "MET_FILE", "MISSING_VALUE", "NEGATIVE_VALUE",
    "NOT_A_TOTAL", "PERCENT_ABOVE_100", "PLAN_SKIPS", "REPORTER", "REPORTS_FILE", "REPORT_SKIPS", "UNKNOWN_MONTH",
    "ZERO_GOAL", "ItaliaError", "PlanImport", "ProgressImport",
    "Skipped", "parse_italian_number", "parse_year", "plan_from_files", "plan_toml", "progress_from_files",
    "quarter_end", "sha256_of",
]
