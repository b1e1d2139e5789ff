"""The message catalogues (rules/locale) hold every user-facing sentence of explanations,
escalation reasons and digests: each is written once, in English, and translated.

scripts/messages.sh builds them with Babel. These specs say the catalogues are complete and
fresh, that Latvian numbers take the form and case their number asks for, and that Latvian
texts name breakdown keys and greet roles in Latvian.
"""

import csv
import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from rrf.notifications.config import NotifyConfig, Person, recipient
from rrf.notifications.render import digest
from rrf.rules import Observation, evaluate, load_plan, parse_plan
from rrf.rules import i18n
from rrf.rules.escalate import Notice, Sent, decide
from rrf.rules.explain import lv_days
from ladder import ANNA, HEAD, LADDER, TOP, item_plan
from rrf.rules.vocab import RecipientKey
from rrf.rules.workdays import is_working_day, working_days_between

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "rules" / "locale"
LANGS = ("lv", "en")
SHIPPED = load_plan(ROOT / "milestones.toml").plan
D = date.fromisoformat


def catalogue(lang: str | None):
    """The template (lang None) or a language's .po, as Babel reads it."""
    path = LOCALE / "rrf.pot" if lang is None else LOCALE / lang / "LC_MESSAGES" / "rrf.po"
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def ids(cat) -> set:
    return {(m.context, m.id) for m in cat if m.id}


# The catalogues -------------------------------------------------------------------------------

def test_every_message_is_translated_in_latvian():
    """It has a Latvian text, not fuzzy, for every message of the template, in every plural form."""
    lv = catalogue("lv")
    for m in catalogue(None):
        if not m.id:
            continue
        t = lv.get(m.id, context=m.context)
        assert t is not None, f"{m.id!r} is not in lv's rrf.po"
        assert not t.fuzzy, f"{m.id!r} is fuzzy in lv's rrf.po"
        forms = t.string if isinstance(t.string, tuple) else (t.string,)
        assert all(forms) and len(forms) == (3 if isinstance(m.id, tuple) else 1), f"{m.id!r}: {forms!r}"


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_has_exactly_the_messages_of_the_template(lang):
    """It keeps each language's .po in step with the template (scripts/messages.sh updates them)."""
    assert ids(catalogue(lang)) == ids(catalogue(None))


def test_the_template_has_exactly_the_messages_of_the_code():
    """It extracts, as babel.cfg says, the messages of the code and the digest template: the .pot
    committed holds the same (run scripts/messages.sh after changing a sentence)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {(context, message) for _, _, message, _, context in extract_from_dir(ROOT, method_map, options_map)}
    assert found == ids(catalogue(None))


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogues_are_fresh(lang):
    """It finds each committed rrf.mo equal, byte for byte, to what Babel compiles from its rrf.po."""
    compiled = BytesIO()
    write_mo(compiled, catalogue(lang))
    assert (LOCALE / lang / "LC_MESSAGES" / "rrf.mo").read_bytes() == compiled.getvalue()


def test_latvian_has_babels_three_plural_forms():
    """It declares the Plural-Forms that Babel knows for Latvian (1, 21, 31…; other numbers; zero)."""
    rule = get_plural("lv")
    assert catalogue("lv").plural_forms == f"nplurals={rule.num_plurals}; plural={rule.plural_expr};"
    assert rule.num_plurals == 3


def test_the_catalogues_are_found_beside_the_code_from_any_working_folder(tmp_path, monkeypatch):
    """It loads them from the package's own folder (site-packages/rrf/rules in a wheel), not from the
    folder it runs in."""
    monkeypatch.chdir(tmp_path)
    i18n.translations.cache_clear()
    assert i18n.LOCALE == Path(i18n.__file__).parent / "locale"
    assert i18n.label("at_risk", "lv") == "apdraudēts" and i18n.label("at_risk", "en") == "at risk"


# Latvian numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("n, form", [
    (0, 2), (1, 0), (2, 1), (9, 1), (10, 1), (11, 1), (12, 1), (19, 1), (20, 1), (21, 0), (22, 1), (101, 0),
    (111, 1), (121, 0), (1081, 0),
])
def test_latvian_picks_the_plural_form_by_the_number(n, form):
    """It uses form 0 for numbers ending in 1 but not in 11, form 2 for zero and form 1 for the rest."""
    assert i18n.translations("lv").plural(n) == form


@pytest.mark.parametrize("n, case, text", [
    (0, "nom", "0 dienas"), (1, "nom", "1 diena"), (2, "nom", "2 dienas"), (11, "nom", "11 dienas"),
    (21, "nom", "21 diena"), (22, "nom", "22 dienas"),
    (0, "acc", "0 dienas"), (1, "acc", "1 dienu"), (2, "acc", "2 dienas"), (11, "acc", "11 dienas"),
    (21, "acc", "21 dienu"), (22, "acc", "22 dienas"),
    (0, "dat", "0 dienām"), (1, "dat", "1 dienas"), (2, "dat", "2 dienām"), (11, "dat", "11 dienām"),
    (21, "dat", "21 dienas"), (22, "dat", "22 dienām"),
    (0, "par", "0 dienām"), (1, "par", "1 dienu"), (2, "par", "2 dienām"), (11, "par", "11 dienām"),
    (21, "par", "21 dienu"), (22, "par", "22 dienām"),
])
def test_day_counts_agree_with_their_number(n, case, text):
    """It inflects "diena" by the number and by its role: nominative, accusative, after pirms or pēc
    (genitive singular, dative plural), after par (accusative singular, dative plural)."""
    assert lv_days(n, case) == i18n.days(n, "lv", case) == text


ITEM_PLAN = item_plan()


def working_days_before(day: date, n: int) -> date:
    back = day
    while working_days_between(back, day) < n or not is_working_day(back):
        back -= timedelta(days=1)
    return back


@pytest.mark.parametrize("day, waited, lv, en", [
    # 10 days or fewer left: the shipped cadence repeats every working day
    ("2026-06-26", 1, "1 darba dienu pēc iepriekšējās ziņas (atkārto ik pēc 1 darba dienas)",
     "1 working days after the last message (repeated every 1 working days)"),
    ("2026-06-26", 2, "2 darba dienas pēc iepriekšējās ziņas (atkārto ik pēc 1 darba dienas)",
     "2 working days after the last message (repeated every 1 working days)"),
    ("2026-06-26", 11, "11 darba dienas pēc iepriekšējās ziņas (atkārto ik pēc 1 darba dienas)",
     "11 working days after the last message (repeated every 1 working days)"),
    # more than 90 days left: every 20 working days
    ("2026-03-02", 20, "20 darba dienas pēc iepriekšējās ziņas (atkārto ik pēc 20 darba dienām)",
     "20 working days after the last message (repeated every 20 working days)"),
    ("2026-03-02", 21, "21 darba dienu pēc iepriekšējās ziņas (atkārto ik pēc 20 darba dienām)",
     "21 working days after the last message (repeated every 20 working days)"),
    ("2026-03-02", 22, "22 darba dienas pēc iepriekšējās ziņas (atkārto ik pēc 20 darba dienām)",
     "22 working days after the last message (repeated every 20 working days)"),
])
def test_a_reminder_counts_working_days_in_the_case_its_number_asks_for(day, waited, lv, en):
    """It says "1 darba dienu pēc", "ik pēc 1 darba dienas", "21 darba dienu pēc", "5 darba dienas
    pēc", "ik pēc 20 darba dienām"; English reads as it always has."""
    plan = parse_plan((ITEM_PLAN + LADDER).encode()).plan
    today = D(day)
    last = working_days_before(today, waited)
    decisions = evaluate(plan, [Observation(1, "1.1.i/trained", D("2026-02-01"), value=Decimal(10))], today)
    assert decisions[0].status == "at_risk"
    sent = [Sent(last, "1.1.i/trained", r, level, "at_risk", "alert")
            for r, level in ((ANNA, 1), (HEAD, 2), (TOP, 3))]
    [anna] = [n for n in decide(plan, decisions, sent, [], today) if n.recipient == ANNA]
    assert anna.why == "repeat"
    assert anna.reason["lv"] == f"atgādinājums: joprojām “apdraudēts” {lv}"
    assert anna.reason["en"] == f"reminder: still at risk {en}"


@pytest.mark.parametrize("n, lv", [
    (1, "nav apstiprinājuma 1 darba dienu"), (2, "nav apstiprinājuma 2 darba dienas"),
    (11, "nav apstiprinājuma 11 darba dienas"), (21, "nav apstiprinājuma 21 darba dienu"),
])
def test_working_days_without_acknowledgement_agree_with_their_number(n, lv):
    """It climbs a level after `n` working days unacknowledged and says so in the number's own form."""
    ladder = LADDER.replace("unacknowledged_working_days = 10", f"unacknowledged_working_days = {n}")
    plan = parse_plan((ITEM_PLAN + ladder).encode()).plan
    today = D("2026-03-02")  # no data, 120 days left: level 1 from the start
    start = working_days_before(today, n)
    decisions = evaluate(plan, [], today)
    [head] = [x for x in decide(plan, decisions, [Sent(start, "1.1.i/trained", ANNA, 1, "no_data", "alert")], [], today)
              if x.recipient == HEAD]
    assert head.reason["lv"] == f"pirmais brīdinājums 2. līmenī (departamenta vadītājs): statuss “nav datu”, {lv}"
    assert head.reason["en"].endswith(f"no data, no acknowledgement for {n} working days")


# The Latvian fixes ----------------------------------------------------------------------------

def seed_records() -> list[Observation]:
    """The progress the seed documents report (examples/seed-progress.csv), read as the core sees it."""
    out = []
    with (ROOT / "examples" / "seed-progress.csv").open(encoding="utf-8") as f:
        for seq, row in enumerate(csv.DictReader(f), 1):
            day = date(*reversed([int(p) for p in row["as_of"].split(".")]))
            key = row["breakdown"].partition("=")[2] or None
            value = row["value"]
            if value in ("done", "not-done"):
                out.append(Observation(seq, row["id"], day, done=value == "done", key=key))
            else:
                out.append(Observation(seq, row["id"], day, value=Decimal(value), key=key))
    return out


def short_of_every_key() -> list[Observation]:
    """For each breakdown target, one key recorded below its minimum and the others not at all."""
    out = []
    for item in SHIPPED.items:
        if item.breakdown:
            first = next(iter(item.breakdown.keys))
            out.append(Observation(len(out) + 1, item.id, D("2024-01-01"), value=Decimal(1), key=first))
    return out


@pytest.mark.parametrize("records", [seed_records, short_of_every_key, list], ids=["seed", "short", "none"])
@pytest.mark.parametrize("day", ["2024-06-01", "2026-03-16", "2026-09-15"])
def test_no_latvian_explanation_of_the_seed_plan_names_a_breakdown_key_by_its_id(records, day):
    """It names a short key in Latvian by the plan's name_lv ("nepietiek: Rīgas plānošanas reģions
    (…)"); English keeps the key id."""
    named = 0
    for d in evaluate(SHIPPED, records(), D(day)):
        item = SHIPPED.item(d.item_id)
        for key, spec in (item.breakdown.keys.items() if item.breakdown else ()):
            assert not re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", d.explanation["lv"]), d.explanation["lv"]
            if f"{key} (" in d.explanation["en"]:
                assert f"{spec.name_lv} (" in d.explanation["lv"]
                named += 1
    assert named or records is list  # the short-key sentence was said, in both languages


def one_alert_digest(text: str, config: NotifyConfig, count: int = 1):
    key = RecipientKey.parse(text)
    decisions = {d.item_id: d for d in evaluate(SHIPPED, [], D("2026-09-15"))}
    notices = [Notice(item_id, key, 1, "alert", decisions[item_id].status, "first", {"lv": "k", "en": "w"})
               for item_id in list(decisions)[:count]]
    return digest(recipient(key, SHIPPED, config), notices, decisions, SHIPPED, D("2026-09-15"))


@pytest.mark.parametrize("key, roles, language, greeting", [
    ("role:department-head@vk", {}, "lv", "Labdien!\nAdresāts: Departamenta vadītājs, Valsts kanceleja\n\n"),
    ("role:institution-head@varam", {}, "lv",
     "Labdien!\nAdresāts: Iestādes vadītājs, Vides aizsardzības un reģionālās attīstības ministrija\n\n"),
    ("role:department-head@vk", {"department-head@vk": Person(name="Jānis Bērziņš")}, "lv",
     "Labdien, Jānis Bērziņš!\n\n"),
    ("role:department-head@vk", {"department-head@vk": Person(language="en")}, "en",
     "Dear Head of department, State Chancellery,\n\n"),
    ("contact:monta-locmele", {}, "lv", "Labdien, Monta Ločmele!\n\n"),
])
def test_a_role_with_no_persons_name_is_greeted_without_a_title_in_the_vocative(key, roles, language, greeting):
    """It greets a role nobody's name is configured for with "Labdien!" and names the addressee on a
    line of its own; a person keeps "Labdien, Vārds Uzvārds!", and English keeps "Dear …,"."""
    message = one_alert_digest(key, NotifyConfig(roles=roles))
    assert message.language == language
    assert message.body.startswith(greeting)


@pytest.mark.parametrize("count, words", [(1, "1 vienums prasa"), (2, "2 vienumi prasa"), (11, "11 vienumi prasa")])
def test_the_digest_counts_its_items_in_latvian(count, words):
    """It agrees "vienums" with the number of items that need attention."""
    body = one_alert_digest("contact:monta-locmele", NotifyConfig(), count).body
    assert f"RRF atbilstības pārbaude uz 15.09.2026: {words} Jūsu uzmanību." in body


@pytest.mark.parametrize("plan_file, money", [
    ("milestones.toml", None),  # the shipped plan declares no payment request
    ("examples/illustrative-requests.toml", "Money at stake: payment request 3: "),
])
def test_a_missed_item_speaks_of_a_payment_only_when_it_is_in_one(plan_file, money):
    """It says a payment is at stake in a missed item's alert only when the plan puts the item in
    a payment request (the line "Money at stake", with the request and the amount's reason), in both
    languages; an item in no request is asked for a date and the steps, with no word of payment."""
    plan = load_plan(ROOT / plan_file).plan
    day = D("2026-09-15")
    decisions = {d.item_id: d for d in evaluate(plan, [], day)}
    item_id = "2.1.2.1.i/platforms-operational"
    assert decisions[item_id].status == "missed"
    for lang, payment in (("en", "payment"), ("lv", "maksājum")):
        key = RecipientKey.parse("contact:monta-locmele")
        reader = recipient(key, plan, NotifyConfig()).model_copy(update={"language": lang})
        notice = Notice(item_id, key, 1, "alert", "missed", "first", {"lv": "k", "en": "w"})
        body = digest(reader, [notice], decisions, plan, day).body
        assert ("Please: report whether and when the goal will be reached" in body) is (lang == "en")
        if money is None:
            assert payment not in body.lower(), body
        elif lang == "en":
            assert money in body


@pytest.mark.parametrize("lang, opening", [
    ("en", "RRF compliance check as of 2026-09-15: these items no longer need your attention.\n\nResolved:\n"),
    ("lv", "RRF atbilstības pārbaude uz 15.09.2026: šiem vienumiem Jūsu uzmanība vairs nav vajadzīga.\n\n"
           "Atrisināts:\n"),
])
def test_a_digest_of_resolutions_only_says_what_check_it_comes_from(lang, opening):
    """It opens a digest that holds only "resolved" lines, like every other, with the check and its
    day, before the list (it began with "Resolved:" under the greeting)."""
    key = RecipientKey.parse("contact:monta-locmele")
    decisions = {d.item_id: d for d in evaluate(SHIPPED, [], D("2026-09-15"))}
    item_id = next(iter(decisions))
    notices = [Notice(item_id, key, 1, "resolved", decisions[item_id].status, "resolved", {"lv": "k", "en": "w"})]
    reader = recipient(key, SHIPPED, NotifyConfig()).model_copy(update={"language": lang})
    body = digest(reader, notices, decisions, SHIPPED, D("2026-09-15")).body
    assert opening in body and body.index(opening) < body.index(item_id)
