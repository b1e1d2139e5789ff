"""`rrf validate`'s check of the plan's quotes against its source documents.

Each document the plan names (`[sources."NNN"] file = ...`) is looked for beside the plan,
then in docs/seeds/ beside it (where the checkout keeps the seed documents). When it is
there, every phrase the plan quotes from it must be in it (rrf.rules.sources says how
closely); a document that is not there, or is not plain text (.txt, .md, UTF-8), is not
checked, and says so. The text is what a reader sees: the roadmap (000) is a table whose cells
hold HTML paragraphs and lists, so tags are read as the space between words and entities as
their characters.
"""

import html
import re

from dataclasses import dataclass, field
from pathlib import Path

from rrf.rules.errors import RrfError
from rrf.rules.i18n import Words
from rrf.rules.load import LoadedPlan
from rrf.rules.sources import not_found, quotes

FOLDERS = (Path("."), Path("docs") / "seeds")  # where a document is looked for, beside the plan
TEXT = (".txt", ".md")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")


class QuoteError(RrfError):
    """Quotes of the plan that are not in their source documents, one line each."""

    itemised = True


@dataclass(frozen=True)
class SourceCheck:
    checked: int  # quotes found in their documents
    warnings: list[str] = field(default_factory=list)  # documents whose quotes were not checked


def check(loaded: LoadedPlan, lang: str = "en") -> SourceCheck:
    """Check every quote whose document is there; raise QuoteError naming each one not found."""
    _ = Words(lang)
    beside = Path(loaded.path).parent
    plan, quoted = loaded.plan, quotes(loaded.plan)
    texts: dict[str, str] = {}
    warnings: list[str] = []
    for doc, source in plan.sources.items():
        n = sum(1 for q in quoted if q.doc == doc)
        if not n:
            continue
        path = next((beside / folder / source.file for folder in FOLDERS if (beside / folder / source.file).is_file()),
                    None)
        if path is None:
            warnings.append(_.ngettext(
                "source {doc}: {file} is neither beside the plan nor in docs/seeds/ beside it; its {n} quote "
                "was not checked",
                "source {doc}: {file} is neither beside the plan nor in docs/seeds/ beside it; its {n} quotes "
                "were not checked", n, doc=doc, file=source.file))
            continue
        text = _text(path)
        if text is None:
            warnings.append(_.ngettext(
                "source {doc}: {file} is not a text file rrf reads (.txt or .md, UTF-8); its {n} quote was not checked",
                "source {doc}: {file} is not a text file rrf reads (.txt or .md, UTF-8); its {n} quotes were not "
                "checked", n, doc=doc, file=str(path)))
        else:
            texts[doc] = text
    missing = not_found(quoted, texts)
    if missing:
        raise QuoteError([_("{where}: not in {file}: “{quote}”", where=q.where, file=plan.sources[q.doc].file,
                            quote=q.quote) for q in missing])
    return SourceCheck(sum(1 for q in quoted if q.doc in texts), warnings)


def _text(path: Path) -> str | None:
    """The document's text, or None when it is not plain UTF-8 text."""
    if path.suffix.lower() not in TEXT:
        return None
    try:
        return html.unescape(TAG.sub(" ", path.read_text(encoding="utf-8")))
    except UnicodeDecodeError:
        return None
