"""`rrf validate` checks that every phrase the plan quotes is in its source document (issue 14,
item 11).

A document is looked for beside the plan, then in docs/seeds/ beside it. When it is there, a
quote that is not in it is refused (exit 2), naming where in the plan, the file and the quote;
when it is not there, its quotes are not checked and a warning says so (exit 0). The
comparison forgives only what copying changes unseen: typographic quotes and dashes, runs of
white space, and the HTML tags of the roadmap's table cells (000).
"""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rrf.cli.main import app
from rrf.rules.sources import normalised

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "milestones.toml"
SEEDS = ROOT / "docs" / "seeds"
QUOTE = "mācības vismaz 1300 personām"  # 3.1.1.2.i/specialists-trained sources[0], from 001


def validate(plan: Path):
    return CliRunner().invoke(app, ["validate", "--plan", str(plan)])


@pytest.fixture
def copy(tmp_path):
    """The shipped plan copied to a folder of its own with its documents in docs/seeds/; returns
    a function that writes the copy with (old, new) edits and gives its path."""
    shutil.copytree(SEEDS, tmp_path / "docs" / "seeds")

    def write(*edits: tuple[str, str]) -> Path:
        text = SHIPPED.read_text(encoding="utf-8")
        for old, new in edits:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        (tmp_path / "milestones.toml").write_text(text, encoding="utf-8")
        return tmp_path / "milestones.toml"

    return write


def warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning:")]


def test_the_shipped_plan_quotes_its_documents_exactly(tmp_path, monkeypatch):
    """It checks all 55 quotes of the shipped plan against docs/seeds/ and finds every one."""
    monkeypatch.chdir(tmp_path)
    result = validate(SHIPPED)
    assert result.exit_code == 0, result.stderr
    assert not any("source" in w and "not checked" in w for w in warnings(result))
    assert len(warnings(result)) == 2  # the two figures on which the documents disagree


EDITED = [
    # where, (old, new)
    ("3.1.1.2.i/specialists-trained sources[0]", (QUOTE, "mācības vismaz 1400 personām")),
    ("3.1.1.2.i/specialists-trained checkpoints[0]", ("plānots apmācīt līdz 750", "plānots apmācīt līdz 700")),
    ('measures."6.3.1.4.i" funding_alternatives[1]', ('"2 276 970 EUR"', '"2 267 970 EUR"')),
    ('roadmap."5.1"', ("projekts apstiprināts 29.12.2022., vienošanās par projekta īstenošanu",
                       "projekts apstiprināts 30.12.2022., vienošanās par projekta īstenošanu")),
    ("6.3.1.3.i/legal-framework sources[0]", ("stājies spēkā tiesiskais", "stājās spēkā tiesiskais")),
]


@pytest.mark.parametrize("where, edit", EDITED, ids=[w for w, _ in EDITED])
def test_an_edited_quote_is_refused_naming_it(copy, where, edit):
    """It exits 2 with one line naming where the quote is, its file and the quote as written."""
    result = validate(copy(edit))
    assert result.exit_code == 2
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"error: {where}: not in ")
    assert edit[1].strip('"') in errors[0]


def test_every_quote_not_found_is_listed(copy):
    result = validate(copy(EDITED[0][1], EDITED[1][1]))
    assert result.exit_code == 2
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 2


UNSEEN = [
    # what copying changes unseen: the plan writes it otherwise than the document does
    ("straight quotes for typographic ones", ("reformas “Publiskās pārvaldes modernizācija” (6.3.1.r.) īstenošanai",
                                              'reformas \\"Publiskās pārvaldes modernizācija\\" (6.3.1.r.) īstenošanai')),
    ("a hyphen for a dash", ("martam – koordinētu", "martam - koordinētu")),
    ("a space for a no-break space", ("20\\u00A0011 publiskās", "20 011 publiskās")),
    ("two spaces for one", ('quote = "Atbalstīti 48', 'quote = "Atbalstīti  48')),
    ("sentences of two paragraphs of a table cell", ("noslēgta 08.05.2023.\"",
                                                     "noslēgta 08.05.2023. Projekta ietvaros plānots veikt\"")),
]


@pytest.mark.parametrize("change, edit", UNSEEN, ids=[c for c, _ in UNSEEN])
def test_what_copying_changes_unseen_is_forgiven(copy, change, edit):
    result = validate(copy(edit))
    assert result.exit_code == 0, result.stderr


def test_a_document_that_is_not_there_is_a_warning(copy, tmp_path):
    """It checks the other documents' quotes, and warns that the missing one's were not checked."""
    plan = copy()
    (tmp_path / "docs" / "seeds" / "003_20b9d5f6552779af.txt").rename(tmp_path / "elsewhere.txt")
    result = validate(plan)
    assert result.exit_code == 0, result.stderr
    assert [w for w in warnings(result) if "not checked" in w] == [
        "warning: source 003: 003_20b9d5f6552779af.txt is neither beside the plan nor in docs/seeds/ beside it; "
        "its 3 quotes were not checked"]


def test_a_document_beside_the_plan_is_read_too(copy, tmp_path):
    plan = copy((QUOTE, "mācības vismaz 1400 personām"))
    shutil.move(tmp_path / "docs", tmp_path / "elsewhere")
    shutil.copy(SEEDS / "001_92e4a19f1b6b60c9.txt", tmp_path)
    result = validate(plan)
    assert result.exit_code == 2
    assert "3.1.1.2.i/specialists-trained sources[0]: not in 001_92e4a19f1b6b60c9.txt" in result.stderr


def test_a_document_that_is_not_text_is_a_warning(copy, tmp_path):
    plan = copy(('file = "004_bc3731b47a102170.txt"', 'file = "004.pdf"'))
    (tmp_path / "docs" / "seeds" / "004.pdf").write_bytes(b"%PDF-1.7\n")
    result = validate(plan)
    assert result.exit_code == 0, result.stderr
    assert any("source 004:" in w and "is not a text file rrf reads" in w and "its 9 quotes" in w
               for w in warnings(result))


def test_a_quote_is_shown_as_text(copy):
    """It prints a quote that holds Rich markup as it is written, not as markup."""
    result = validate(copy((QUOTE, "[bold red]mācības[/] vismaz 1300 personām")))
    assert result.exit_code == 2
    assert "“[bold red]mācības[/] vismaz 1300 personām”" in result.stderr


@pytest.mark.parametrize("text, plain", [
    ("„Likuma vara”", '"Likuma vara"'),
    ("‘a’ – b — c", "'a' - b - c"),
    ("''Digitālā transformācija''", '"Digitālā transformācija"'),
    ("70 177\u00a0920\n euro ", "70 177 920 euro"),
    ("1300", "1300"),
])
def test_the_comparison_forgives_typography_and_spacing_only(text, plain):
    assert normalised(text) == plain
