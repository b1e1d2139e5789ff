"""What the command line prints fits the terminal it is printed on, speaks one language, and
reads one clock (issue 14, item 9).

- Ids are never broken or cut: at 80 columns (a piped or ssh terminal) and at 60, every id of
  the seed plan appears whole on one line of `rrf status`, and every id that `rrf history`,
  `rrf audit log` and `rrf check` print is whole; the other columns wrap instead.
- Under `--lang lv`, no line is English: every word a Latvian output shares with the English
  one is data (an id, a person, a number, a hash), and counts take their number's form in
  both languages ("imported 1 record").
- Every time the command line prints is Riga time with its zone named (EET or EEST).
- Help: a yes/no option is a flag that takes no value, and no help shows one; `rrf import
  --help` lists every column of the file at 80 columns.
"""

import os
import re
from pathlib import Path

import pytest
import typer
from babel.messages.pofile import read_po
from typer.core import TyperGroup, TyperOption
from typer.testing import CliRunner

from rrf.cli.main import app
from rrf.rules import load_plan

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "milestones.toml"
SEED_PROGRESS = ROOT / "examples" / "seed-progress.csv"
IDS = load_plan(PLAN).plan.ids
ID_LIKE = re.compile(r"(?<![\w.])\d+(?:\.\d+)*\.[a-z]/[a-z0-9]+(?:-[a-z0-9]+)*-?")  # an id, or the start of one
AS_OF = "2026-09-01"


@pytest.fixture
def rrf(tmp_path, monkeypatch):
    """`rrf ARGS...` on the shipped plan and a database of the test's own, at a terminal width."""
    monkeypatch.chdir(tmp_path)
    for name in ("RRF_PLAN", "RRF_DATABASE_URL", "RRF_OPERATOR", "RRF_PORTAL_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str, columns: int = 80, input: str | None = None):
        result = runner.invoke(app, [*args, "--plan", str(PLAN), "--db", f"sqlite:///{tmp_path / 'rrf.db'}"],
                               env={"COLUMNS": str(columns)}, input=input)
        assert result.exit_code == 0, (args, result.output)
        return result.stdout

    return run


@pytest.fixture
def seeded(rrf):
    """The seed progress imported, and one check logged on AS_OF (its output kept, in Latvian)."""
    rrf("import", str(SEED_PROGRESS))
    rrf.check = rrf("check", "--direct", "--as-of", AS_OF, "--lang", "lv")
    return rrf


def cut_ids(text: str) -> set[str]:
    """Whatever looks like an id, or the start of one, but is not an id of the plan."""
    return {m.group() for m in ID_LIKE.finditer(text)} - set(IDS)


def whole_ids(text: str) -> set[str]:
    return {i for i in IDS if any(i in line for line in text.splitlines())}


# Ids stay whole ---------------------------------------------------------------------------------

@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("lang", ["lv", "en"])
def test_status_shows_every_id_whole_on_one_line(seeded, columns, lang):
    """It wraps the other columns, never an id, however narrow the terminal (down to 60 columns)."""
    shown = seeded("status", "--as-of", AS_OF, "--lang", lang, columns=columns)
    assert whole_ids(shown) == set(IDS)
    assert cut_ids(shown) == set()
    assert max(len(line) for line in shown.splitlines()) <= columns


@pytest.mark.parametrize("columns", [80, 60])
def test_history_shows_its_id_whole(seeded, columns):
    """It names the item whole in the table of each item's records, or in its "no records" line."""
    for item_id in IDS:
        shown = seeded("history", item_id, columns=columns)
        assert whole_ids(shown) >= {item_id}, shown
        assert cut_ids(shown) == set()
        assert max(len(line) for line in shown.splitlines()) <= columns


@pytest.mark.parametrize("columns", [80, 60])
def test_the_audit_log_shows_every_id_whole(seeded, columns):
    shown = seeded("audit", "log", "--lang", "lv", columns=columns)
    assert whole_ids(shown) == set(IDS)
    assert cut_ids(shown) == set()
    assert max(len(line) for line in shown.splitlines()) <= columns


@pytest.mark.parametrize("columns", [80, 60])
def test_the_checks_messages_show_every_id_whole(rrf, columns):
    """It lists, in the table of messages, the items of each message with their ids whole."""
    rrf("import", str(SEED_PROGRESS))
    shown = rrf("check", "--dry-run", "--as-of", AS_OF, "--lang", "lv", columns=columns)
    messages = shown[shown.index("Ziņas"):]
    assert whole_ids(messages) and cut_ids(shown) == set()
    assert max(len(line) for line in shown.splitlines()) <= columns


# One language -----------------------------------------------------------------------------------

WORD = re.compile(r"[^\W\d_]{3,}")


def words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def data_words(*paths: Path) -> set[str]:
    """Words of data that read the same in both languages: ids, people, recipients, file names."""
    plan = load_plan(PLAN).plan
    return words(" ".join([*IDS, *(c.name for c in plan.contacts.values()), *plan.contacts, *plan.institutions,
                           *plan.roles, *(k for i in plan.items if i.breakdown for k in i.breakdown.keys),
                           "rrf outbox contact role", str(SEED_PROGRESS), *map(str, paths)]))


def latvian_words() -> set[str]:
    """Every word of the Latvian catalogue (a message to a Latvian recipient is Latvian in both)."""
    with (ROOT / "rules" / "locale" / "lv" / "LC_MESSAGES" / "rrf.po").open("rb") as f:
        catalogue = read_po(f, locale="lv")
    text = " ".join(t for m in catalogue for t in ([m.string] if isinstance(m.string, str) else m.string))
    return words(re.sub(r"\{\w*\}|%\(\w+\)s|--[\w-]+|rrf [\w .%()-]+", " ", text))  # not placeholders, nor commands


def english_words(lv: str, en: str, *paths: Path) -> set[str]:
    """The words of a Latvian output that its English twin also has, that are not data and not Latvian."""
    hexes = re.compile(r"^[0-9a-f]+$")
    shared = words(lv) & words(en)
    return {w for w in shared - data_words(*paths) - latvian_words() if not hexes.match(w)}


COMMANDS = {
    "status": [("status", "--as-of", AS_OF)],
    "check": [("check", "--direct", "--as-of", AS_OF)],
    "check, dry run": [("check", "--dry-run", "--as-of", AS_OF)],
    "audit log": [("check", "--direct", "--as-of", AS_OF), ("audit", "log", "--kind", "all")],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_latvian_output_has_no_english_line(tmp_path, monkeypatch, command):
    """It prints every line of a command with --lang lv from the Latvian catalogue."""
    outputs = {}
    for lang in ("lv", "en"):
        monkeypatch.chdir(tmp_path)
        db = f"sqlite:///{tmp_path / f'{lang}.db'}"
        runner = CliRunner()
        base = ["--plan", str(PLAN), "--db", db]
        assert runner.invoke(app, ["import", str(SEED_PROGRESS), *base]).exit_code == 0
        for args in COMMANDS[command]:
            result = runner.invoke(app, [*args, "--lang", lang, *base], env={"COLUMNS": "200"})
            assert result.exit_code == 0, result.output
        outputs[lang] = result.stdout
    assert english_words(outputs["lv"], outputs["en"], tmp_path, os.environ["RRF_REPORTS_DIR"]) == set()


@pytest.mark.parametrize("rows, says", [
    (1, "imported 1 record as import #1"),
    (2, "imported 2 records as import #1"),
])
def test_counts_take_the_form_of_their_number(rrf, tmp_path, rows, says):
    lines = ["id,value,as_of,source"] + [f"3.1.1.2.i/specialists-trained,{10 * n},0{n}.01.2024,test"
                                          for n in range(1, rows + 1)]
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert says in rrf("import", str(tmp_path / "rows.csv"))


# One clock --------------------------------------------------------------------------------------

RIGA_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} (EET|EEST)\b")
ANY_TIME = re.compile(r"\b\d{2}:\d{2}\b")


def test_every_time_printed_is_riga_time_with_its_zone(seeded, tmp_path):
    """History, a repeated import, the outbox and the portal's accounts all print Riga time, and say so."""
    seeded("users", "add", "anna", "--role", "coordinator", "--password-stdin", input="a long enough secret\n")
    outputs = [seeded("history", "3.1.1.2.i/specialists-trained", columns=200),
               seeded("import", str(SEED_PROGRESS)),
               seeded("outbox", columns=200),
               CliRunner().invoke(app, ["users", "list", "--db", f"sqlite:///{tmp_path / 'rrf.db'}"],
                                  env={"COLUMNS": "200"}).stdout]  # (users list takes no --plan)
    for shown in outputs:
        assert RIGA_TIME.search(shown), shown
        assert len(ANY_TIME.findall(shown)) == len(RIGA_TIME.findall(shown)), shown
        assert "UTC" not in shown


# Help -------------------------------------------------------------------------------------------

def commands(group: TyperGroup, path: tuple[str, ...] = ()):
    """Every subcommand of `group` (Typer's own click), with the words that call it."""
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


ALL = sorted(commands(typer.main.get_command(app)))


@pytest.mark.parametrize("path, command", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_a_yes_no_option_is_a_flag_and_its_help_shows_no_value(path, command):
    """It takes --dry-run (and every other yes/no option) alone, and its help shows no placeholder."""
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"}).stdout
    assert "<bool>" not in shown
    for option in command.params:
        if isinstance(option, TyperOption) and option.type_descriptor.annotation is bool:
            assert option.is_flag, option.opts
            assert re.search(rf"{option.opts[0]}(,\s*-\w)?\s\s", shown), (option.opts, shown)


def test_import_help_lists_every_column():
    """It wraps the column list of `rrf import --help` between words at 80 columns, so none is cut."""
    shown = CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "80"}).stdout
    words = set(re.findall(r"[a-z_]+", shown))
    assert {"id", "value", "as_of", "source", "breakdown", "reporter", "evidence", "corrects", "reason"} <= words
    assert "…" not in shown and max(len(line) for line in shown.splitlines()) <= 80
