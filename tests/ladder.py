"""One target under the shipped escalation ladder: the plan of the escalation and delivery specs.

`1.1.i/trained`: 100 people by 2026-06-30 from 2026-01-01, at the State Chancellery (`vk`),
Anna Bērziņa responsible; then the shipped roles, levels and cadence (`LADDER`).
"""

from pathlib import Path

from rrf.rules.vocab import RecipientKey

SHIPPED = (Path(__file__).resolve().parent.parent / "milestones.toml").read_text(encoding="utf-8")
LADDER = SHIPPED[SHIPPED.index("[roles.department-head]"):]  # the shipped roles, levels and cadence

ANNA, HEAD, TOP = (RecipientKey.contact("anna"), RecipientKey.role("department-head", "vk"),
                   RecipientKey.role("institution-head", "vk"))


def item_plan(name_lv: str = "Apmācīti", name_en: str = "Trained") -> str:
    """The plan's text up to the ladder (add LADDER, or an edited copy of it)."""
    return f'''
schema_version = 1
[plan]
title_lv = "t"
title_en = "t"
[sources.s]
file = "f.txt"
title_lv = "t"
title_en = "t"
[institutions.vk]
name_lv = "Valsts kanceleja"
name_en = "State Chancellery"
[contacts.anna]
name = "Anna Bērziņa"
email = "anna@example.test"
doc = "s"
[measures."1.1.i"]
name_lv = "m"
name_en = "m"
type = "investment"
institution = "vk"
[[items]]
id = "1.1.i/trained"
kind = "target"
name_lv = "{name_lv}"
name_en = "{name_en}"
unit_lv = "cilvēki"
unit_en = "people"
goal = 100
due = 2026-06-30
start = 2026-01-01
contacts = ["anna"]
sources = [{{ doc = "s", quote = "q" }}]
'''
