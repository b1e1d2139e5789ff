"""The lean evaluation path gives exactly the decisions of the general one (issue 16).

evaluate_item takes a lean path for items without breakdown keys (fewer objects per record);
`lean=False` forces the general path of progress.timeline. Over thousands of generated items and
record histories (targets up and down, levels, milestones, checkpoints, trajectory starts,
corrections and withdrawals, several records on one day, records without a figure, a key on an
item without breakdown, days before, on and after the deadline) every field of every decision, and both explanations, are the same on both paths.
Records given in `seq` order (`ordered=True`, as evaluate passes them when the store read them
so) decide as records in any order. `evaluate` over a whole plan, whose records of all items come
mixed (in the store's order or any other, corrections among them, as a list or a generator), gives
each item the decision of its own standing records alone. The generator is seeded: every run
checks the same cases.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from rrf.rules.evaluate import evaluate, evaluate_item, trajectory_start
from rrf.rules.plan import Item, Plan
from rrf.rules.progress import Observation, standing

BASE = date(2025, 1, 1)
SOURCES = [{"doc": "s", "quote": "q"}]


def random_item(rng: random.Random, n: int) -> Item:
    due = BASE + timedelta(days=rng.randint(60, 700))
    if rng.random() < 0.25:
        return Item.model_validate({"id": f"1.1.i/m{n}", "kind": "milestone", "name_lv": "m", "name_en": "m",
                                    "goal": "done", "due": due, "sources": SOURCES})
    down = rng.random() < 0.3
    baseline = Decimal(rng.choice([0, 10, 500, 1000])) if not down else Decimal(rng.choice([100, 1000]))
    goal = (baseline - rng.randint(0, int(baseline))) if down else baseline + rng.randint(1, 400)
    item = {"id": f"1.1.i/t{n}", "kind": "target", "name_lv": "t", "name_en": "t", "unit_lv": "u", "unit_en": "u",
            "baseline": baseline, "goal": goal, "due": due, "sources": SOURCES,
            "direction": "decrease" if down else "increase",
            "indicator": "level" if down or rng.random() < 0.2 else "cumulative"}
    if rng.random() < 0.4:
        item["start"] = BASE + timedelta(days=rng.randint(-100, 30))
    if rng.random() < 0.3:
        cp_day = BASE + timedelta(days=rng.randint(10, (due - BASE).days))
        between = sorted([goal, baseline])
        item["checkpoints"] = [{"date": cp_day, "value": rng.randint(int(between[0]), int(between[1])),
                                "doc": "s", "quote": "q"}]
    return Item.model_validate(item)


def random_records(rng: random.Random, item: Item) -> list[Observation]:
    out: list[Observation] = []
    for seq in range(1, rng.randint(0, 12) + 1):
        day = BASE + timedelta(days=rng.randint(0, 800))
        if rng.random() < 0.15 and out:  # a correction of an earlier record, sometimes a withdrawal
            target = rng.choice(out)
            if rng.random() < 0.3:
                out.append(Observation(seq, item.id, day, corrects=target.seq))
                continue
            corrects = target.seq
        else:
            corrects = None
        if item.kind == "milestone":
            out.append(Observation(seq, item.id, day, done=rng.random() < 0.5, corrects=corrects))
        elif rng.random() < 0.08:  # a target's record without a figure (it counts for no total)
            out.append(Observation(seq, item.id, day, done=True, corrects=corrects))
        elif rng.random() < 0.04:  # a key the item has no breakdown for: the general path decides
            out.append(Observation(seq, item.id, day, value=Decimal(rng.randint(0, 99)), key="x", corrects=corrects))
        else:
            goal = item.goal
            value = Decimal(rng.randint(0, int(goal) * 2 + 50)) / rng.choice([1, 1, 4])
            out.append(Observation(seq, item.id, day, value=value, corrects=corrects))
    if out and rng.random() < 0.3:  # two records on one day
        twin = out[-1]
        out.append(Observation(len(out) + 1, item.id, twin.as_of, value=twin.value, done=twin.done))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_the_lean_path_decides_exactly_as_the_general_one(seed):
    """For 400 generated items each, on 4 days around the deadline, both paths give equal decisions
    (every field) and equal explanations in both languages."""
    rng = random.Random(seed)
    for n in range(400):
        item = random_item(rng, n)
        records = standing(random_records(rng, item))
        start = BASE - timedelta(days=30) if rng.random() < 0.3 else None
        for day in (BASE + timedelta(days=d) for d in rng.sample(range(0, 900), 4)):
            lean = evaluate_item(item, records, day, start=start)
            general = evaluate_item(item, records, day, start=start, lean=False)
            assert lean == general, (item.id, day)
            written = sorted(records, key=lambda o: o.seq)  # as the store gives them: not sorted again
            assert evaluate_item(item, written, day, start=start, ordered=True) == lean, (item.id, day)
            assert lean.explanation == general.explanation


def random_plan(rng: random.Random) -> tuple[Plan, list[Observation]]:
    """A plan of 1 to 6 generated items and all their records, numbered in one sequence as the store
    numbers them (corrections point at the renumbered record), plus records that carry nothing."""
    items = [random_item(rng, n) for n in range(rng.randint(1, 6))]
    plan = Plan.model_validate({
        "schema_version": 1, "plan": {"title_lv": "p", "title_en": "p"},
        "sources": {"s": {"file": "s.txt", "title_lv": "t", "title_en": "t"}},
        "institutions": {"i": {"name_lv": "i", "name_en": "i"}}, "contacts": {},
        "measures": {"1.1.i": {"name_lv": "m", "name_en": "m", "type": "investment", "institution": "i"}},
        "items": [i.model_dump(exclude_unset=True) for i in items]})
    mixed = [r for item in plan.items for r in random_records(rng, item)]
    rng.shuffle(mixed)  # the items' records interleaved, as reported
    number = {(r.item_id, r.seq): n for n, r in enumerate(mixed, start=1)}
    records = [Observation(number[r.item_id, r.seq], r.item_id, r.as_of, r.value, r.done, r.key,
                           None if r.corrects is None else number[r.item_id, r.corrects], r.evidence_for)
               for r in mixed]
    for _ in range(rng.randint(0, 2)):  # a record with neither a figure nor done: it counts for nothing
        records.append(Observation(len(records) + 1, rng.choice(plan.items).id, BASE + timedelta(days=rng.randint(0, 800))))
    return plan, records


@pytest.mark.parametrize("seed", range(4))
def test_a_whole_plan_decides_each_item_as_its_own_standing_records_do(seed):
    """For 300 generated plans each, on a day between their first records and after their deadlines,
    evaluate gives every item the decision (every field, both explanations) that evaluate_item gives
    for that item's standing records alone, whether the records come in the store's order, shuffled,
    or from a generator."""
    rng = random.Random(seed)
    for _ in range(300):
        plan, records = random_plan(rng)
        day = BASE + timedelta(days=rng.randint(0, 900))
        alone = [evaluate_item(item, [r for r in standing(records) if r.item_id == item.id], day,
                               start=trajectory_start(plan, item)) for item in plan.items]
        shuffled = rng.sample(records, len(records))
        for given in (records, shuffled, iter(shuffled)):
            decided = evaluate(plan, given, day)
            assert decided == alone
            assert [d.explanation for d in decided] == [d.explanation for d in alone]
