"""A portal's store for the web specs: the shipped plan, the seeds' progress plus a few records
(one with an evidence file, one whose source is markup), a logged check, and one user per role.

Everyone's password is PASSWORD. The clock is fixed at AS_OF (Riga, morning)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from rrf.services import check, progress, users
from rrf.services.context import Context
from rrf.settings import settings

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"
TARGET = "3.1.1.2.i/specialists-trained"  # VARAM's, with a share per planning region
VK_ITEM = "6.3.1.4.i/ngos-supported"  # the State Chancellery's
HOSTILE = '<script>alert("x")</script>&'
# name: (role, institution)
USERS = {
    "anna": ("coordinator", None),
    "aija": ("auditor", None),
    "vilis": ("head", "varam"),
    "zane": ("head", "zpr"),
    "kaspars": ("head", "vk"),
    "rita": ("reporter", "zpr"),
}


@dataclass(frozen=True)
class PortalStore:
    folder: Path
    url: str
    evidence: Path

    def context(self, **given: object) -> Context:
        """A context on this store at NOW: the shipped plan unless `given` names another (any setting)."""
        defaults = {"plan": ROOT / "milestones.toml", "database_url": self.url, "reports_dir": self.folder / "reports"}
        return Context(settings(**(defaults | given)), lambda: NOW)

    def env(self) -> dict[str, str]:
        """The environment of an `rrf web` process on this store."""
        return {"RRF_PLAN": str(ROOT / "milestones.toml"), "RRF_DATABASE_URL": self.url,
                "RRF_REPORTS_DIR": str(self.folder / "reports")}


def build(folder: Path, url: str | None = None) -> PortalStore:
    folder.mkdir(parents=True, exist_ok=True)
    store = PortalStore(folder, url or f"sqlite:///{folder / 'rrf.db'}", folder / "attendance.pdf")
    store.evidence.write_bytes(b"%PDF-1.4 attendance list of ZPR, 2024\n")
    ctx = store.context()
    progress.import_file(ctx, ROOT / "examples" / "seed-progress.csv")
    progress.record(ctx, item_id=TARGET, value="120", as_of="2024-06-30", breakdown="ZPR", source="ZPR report 2024",
                    reporter="ZPR", evidence=str(store.evidence))
    progress.record(ctx, item_id=TARGET, value="140", as_of="2024-12-31", breakdown="RPR", source=HOSTILE,
                    reporter="RPR")
    check.check(ctx, as_of=AS_OF, deliver=False)
    add_users(ctx)
    return store


def add_users(ctx) -> None:  # noqa: ANN001  (a services Context)
    """The accounts of USERS, each with PASSWORD (aija reads English, the others Latvian)."""
    for name, (role, institution) in USERS.items():
        users.add(ctx, name=name, role=role, institution=institution, password=PASSWORD,
                  language="en" if name == "aija" else "lv")


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def client_for(app, name: str | None):  # noqa: ANN001, ANN201  (a FastAPI app; a TestClient)
    """A browser-like client of the app, signed in as `name` (None: nobody)."""
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False)
    if name is not None:
        token = csrf_of(client.get("/sign-in").text)
        answer = client.post("/sign-in", data={"csrf": token, "username": name, "password": PASSWORD, "next": "/"})
        assert answer.status_code == 303, answer.text
    return client
