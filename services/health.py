"""Is the portal able to work? The plan loads, the database answers at the current schema."""

from typing import Any

from rrf.models import audit
from rrf.rules.errors import RrfError
from rrf.services.context import Context
from rrf.services.store import reading


def check(ctx: Context) -> dict[str, Any]:
    """{"status": "ok" | "failing", "plan": ..., "database": ..., "last_check": ...}; never raises."""
    out: dict[str, Any] = {"status": "ok"}
    try:
        out["plan"] = {"status": "ok", "sha256": ctx.loaded.sha256, "items": len(ctx.loaded.plan.items)}
    except RrfError as exc:
        out["plan"], out["status"] = {"status": "failing", "error": str(exc)}, "failing"
    try:
        with reading(ctx.url) as session:
            out["database"] = {"status": "ok"}
            run = audit.last_run(session=session)
            out["last_check"] = None if run is None else {
                "run": run.id, "as_of": run.as_of.isoformat(), "finished_at": run.finished_at.isoformat(),
                "outcome": run.outcome}
    except Exception as exc:  # noqa: BLE001  (a monitor wants "failing", not a traceback)
        out["database"], out["status"] = {"status": "failing", "error": type(exc).__name__}, "failing"
    return out
