"""Whether the plan quotes its source documents as they are written: every phrase the plan
copies from a document (`quote`) must be in that document's text.

The comparison forgives what copying changes and the reader does not see: typographic
quotes and dashes („ “ ” ‘ ’ – —) are their plain forms, two apostrophes ('') a double
quote, and every run of white space (no-break spaces, line breaks) one space. Nothing else
is forgiven: a changed word, number or letter is a quote that is not in the document.

Reading the documents is rrf.services.sources; this module only compares text.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping

from rrf.rules.plan import Plan

PLAIN = str.maketrans({
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
})
SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Quoted:
    """A phrase the plan copies from a source document, and where in the plan it is."""

    where: str  # e.g. "3.1.1.2.i/specialists-trained checkpoints[0]", 'measures."6.3.1.4.i" sources[1]'
    doc: str  # the key of the document in [sources]
    quote: str


def normalised(text: str) -> str:
    """`text` as quotes are compared (see the module's docstring)."""
    plain = unicodedata.normalize("NFC", text).translate(PLAIN).replace("''", '"')
    return SPACE.sub(" ", plain).strip()


def quotes(plan: Plan) -> list[Quoted]:
    """Every quote of the plan, in the order of the file: items, measures, roadmap rows."""
    found: list[Quoted] = []
    for item in plan.items:
        for field in ("sources", "due_alternatives", "checkpoints"):
            found += [Quoted(f"{item.id} {field}[{n}]", q.doc, q.quote) for n, q in enumerate(getattr(item, field))]
    for code, measure in plan.measures.items():
        for field in ("sources", "funding_alternatives"):
            found += [Quoted(f'measures."{code}" {field}[{n}]', q.doc, q.quote)
                      for n, q in enumerate(getattr(measure, field))]
    found += [Quoted(f'roadmap."{number}"', row.doc, row.quote) for number, row in plan.roadmap.items()]
    return found


def not_found(quoted: Iterable[Quoted], texts: Mapping[str, str]) -> list[Quoted]:
    """The quotes that are not in their document's text (`texts`: document key -> its text);
    quotes of documents without a text are not judged."""
    plain = {doc: normalised(text) for doc, text in texts.items()}
    return [q for q in quoted if q.doc in plain and normalised(q.quote) not in plain[q.doc]]
