"""Who sees which item (services/access.py), on the shipped plan: coordinators and auditors see
everything; a head or a reporter sees the items of their institution, which are the items of
the measures it runs and the items that name one of its people as a contact, also as the
contact of a breakdown key (a planning region's share). Only coordinators and auditors read
the evaluation log."""

import pytest

from conftest import SHIPPED_PLAN
from rrf.rules import load_plan
from rrf.services.access import Forbidden, NotFound, Viewer, require_audit, require_item, visible_items

PLAN = load_plan(SHIPPED_PLAN).plan
TARGET = "3.1.1.2.i/specialists-trained"
VARAM_ONLY = "3.1.1.2.i/municipalities-supported"
VK = "6.3.1.4.i/ngos-supported"

CASES = [
    # role,         institution, item,       sees
    ("coordinator", None,        TARGET,     True),
    ("coordinator", None,        VK,         True),
    ("auditor",     None,        VK,         True),
    ("head",        "varam",     TARGET,     True),
    ("head",        "varam",     VK,         False),
    ("head",        "zpr",       TARGET,     True),   # the region's coordinator is the contact of key ZPR
    ("head",        "zpr",       VARAM_ONLY, False),
    ("head",        "zpr",       VK,         False),
    ("reporter",    "rpr",       TARGET,     True),
    ("reporter",    "rpr",       VK,         False),
    ("head",        "vk",        VK,         True),
    ("head",        "vk",        TARGET,     False),
    ("reporter",    "vas",       TARGET,     False),
]


@pytest.mark.parametrize(("role", "institution", "item_id", "sees"), CASES,
                         ids=[f"{r}@{i}-{item}" for r, i, item, _ in CASES])
def test_scope_of_each_role(role, institution, item_id, sees):
    """It gives the item to a user whose scope holds it, and NotFound (never Forbidden) otherwise."""
    viewer = Viewer("someone", role, institution)
    assert (item_id in [it.id for it in visible_items(viewer, PLAN)]) is sees
    if sees:
        assert require_item(viewer, PLAN, item_id).id == item_id
    else:
        with pytest.raises(NotFound):
            require_item(viewer, PLAN, item_id)


def test_an_unknown_id_reads_like_one_out_of_scope():
    """It answers an id that does not exist exactly as one outside the scope."""
    with pytest.raises(NotFound) as unknown:
        require_item(Viewer("a", "coordinator", None), PLAN, "9.9.9/none")
    with pytest.raises(NotFound) as hidden:
        require_item(Viewer("b", "head", "zpr"), PLAN, VK)
    assert type(unknown.value) is type(hidden.value)


@pytest.mark.parametrize(("role", "allowed"), [("coordinator", True), ("auditor", True), ("head", False),
                                               ("reporter", False)])
def test_only_coordinators_and_auditors_read_the_log(role, allowed):
    """It lets coordinators and auditors into the evaluation log and refuses the others."""
    viewer = Viewer("x", role, None if allowed else "varam")
    if allowed:
        require_audit(viewer)
    else:
        with pytest.raises(Forbidden):
            require_audit(viewer)


def test_a_region_sees_only_the_target_it_reports_a_share_of():
    """It gives a planning region exactly one item of the shipped plan."""
    for region in ("rpr", "kpr", "lpr", "vpr", "zpr"):
        assert [it.id for it in visible_items(Viewer("r", "head", region), PLAN)] == [TARGET]
