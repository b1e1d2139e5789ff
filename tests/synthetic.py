"""A synthetic plan of any size, for the specs that need volume (the shipped plan has 13 items)."""

HEAD = '''schema_version = 1
[plan]
title_lv = "Sintētisks plāns"
title_en = "Synthetic plan"
[sources.s]
file = "synthetic.txt"
title_lv = "t"
title_en = "t"
[institutions.inst]
name_lv = "Iestāde"
name_en = "Institution"
[contacts]
[measures."1.1.i"]
name_lv = "Pasākums"
name_en = "Measure"
type = "investment"
institution = "inst"
'''

ITEM = '''
[[items]]
id = "1.1.i/t{n}"
kind = "target"
name_lv = "Mērķis {n}"
name_en = "Target {n}"
unit_lv = "vienības"
unit_en = "units"
goal = 100
due = 2026-12-31
start = 2026-01-01
sources = [{{ doc = "s", quote = "q" }}]
'''


def plan_toml(items: int) -> str:
    return HEAD + "".join(ITEM.format(n=n) for n in range(items))
