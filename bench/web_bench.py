"""The web portal on Italy's whole plan (1 169 items since issue 15): the overview and item pages served by
`rrf web` over real HTTP on loopback, against floors measured in the same run, and the start-up
of `rrf web` on its embedded defaults. One run measures everything, so the ratios compare.

    .venv/bin/python bench/web_bench.py [--repeat 30] [--starts 5] [--as-of 2025-03-31] [--work-dir DIR] [--profile]

Set-up, in a temporary folder: the plan of `rrf import-plan` (italia.plan_from_files / plan_toml),
`rrf import-progress --format italia-domani` on the full published files into a fresh SQLite
store, one `rrf check --direct` (so the evaluation log exists), a coordinator account; then
`rrf web --plan P --db URL` in a subprocess on a free port (its process group is stopped with
SIGTERM at the end), signed in with httpx.

Rows (median of --repeat requests unless said otherwise; wall ms as the client sees it):
  overview, cold        the first GET /?as_of=D of the server: evaluates every item, first render
  overview, warm        GET /?as_of=D again (decisions kept per plan, store, day and records); median and p90
  /api/items, warm      the same overview as JSON
  item page, target     GET /items/<the target with the most records>
  item page, milestone  GET /items/<a milestone>
  floor: /health        GET /health: one HTTP round trip through the same app (it opens the store too)
  in-process            services.portal.overview cold (cache cleared) and warm, the template render of the
                        overview (views.render.page, as web/pages.py calls it), the user lookup every page
                        makes (services.users.viewer), item_view and its render
  start                 `rrf web` with no options in a fresh folder where `rrf users add` made the first
                        account and with it ./rrf.db (the shipped plan, SQLite; untimed):
                        process start to the first 200 of /health, median of --starts; floors: `python -c pass`
                        and the same start by phase in a fresh interpreter (imports, plan, create_app)

Goals (issue 12): the overview <= 300 ms median, an item page <= 100 ms median; `rrf web` up in < 3 s.
--as-of defaults to 2025-03-31, the day the published files were extracted. --profile prints where
the overview's time goes (cProfile in-process: portal.overview warm + the render).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import median, quantiles
from typing import Any, Callable
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rrf.importers import italia  # noqa: E402
from rrf.models import db as dbm  # noqa: E402
from rrf.rules import parse_plan  # noqa: E402
from rrf.services import portal, report, users  # noqa: E402
from rrf.services.context import Context  # noqa: E402
from rrf.services.store import reading  # noqa: E402
from rrf.settings import clock, settings  # noqa: E402
from rrf.views import render  # noqa: E402
from rrf.web.pages import SORTS, item_link  # noqa: E402
from sqlalchemy import text  # noqa: E402

DATA = ROOT / "data" / "italia-domani"  # carried in the repo, with its attribution (data/italia-domani/README.md)
BIN = Path(sys.executable).parent
RRF = str(BIN / "rrf")
USER, PASSWORD = "bench", "bench-password-long"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def clean_env() -> dict[str, str]:
    """This environment without any RRF_ setting, so only the options (or the defaults) count."""
    return {k: v for k, v in os.environ.items() if not k.startswith("RRF_")}


def run(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(args, input=stdin, capture_output=True, text=True, cwd=cwd, env=clean_env())
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


class Server:
    """`rrf web` in its own process group, tracked by PID; stopped with SIGTERM to that group."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.started = time.perf_counter()
        self.log = open(cwd / f"rrf-web-{self.port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([RRF, "web", "--host", HOST, "--port", str(self.port), *args], cwd=cwd,
                                     env=clean_env(), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_healthy(self, patience: float = 60.0) -> float:
        """Seconds from the process start to the first 200 of /health."""
        deadline = time.monotonic() + patience
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise SystemExit(f"rrf web exited with {self.proc.returncode}; see {self.log.name}")
                try:
                    if client.get(self.base + "/health").status_code == 200:
                        return time.perf_counter() - self.started
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
        self.stop()
        raise SystemExit(f"rrf web did not answer /health within {patience:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own group (start_new_session): only what we started
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# A start of `rrf web` on the defaults by phase, in a fresh interpreter in a fresh folder (the
# same steps as `rrf web`: rrf.launch, the command line, then rrf.web.serve.run up to uvicorn).
START_PHASES = """
import json, time
t = [time.perf_counter()]
import rrf.launch, rrf.cli.main; t.append(time.perf_counter())
import rrf.web.serve; t.append(time.perf_counter())
from rrf.cli.common import context
ctx = context(None, None)
ctx.loaded; t.append(time.perf_counter())
app = rrf.web.serve.create_app(ctx); t.append(time.perf_counter())
names = ["import the command line", "import the app", "load the shipped plan", "create_app"]
print(json.dumps({n: b - a for n, a, b in zip(names, t, t[1:])}))
"""
START_WHAT = {
    "import the command line": "`rrf.launch`, `rrf.cli.main`: every command's module, in a fresh interpreter",
    "import the app": "`rrf.web.serve`: FastAPI, uvicorn, the routes",
    "load the shipped plan": "`ctx.loaded`",
    "create_app": "open ./rrf.db (made by `rrf users add`), make the cookie key, build the app",
}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def series(fn: Callable[[], Any], n: int) -> list[float]:
    return [timed(fn)[0] for _ in range(n)]


def p90(xs: list[float]) -> float:
    return quantiles(xs, n=10, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def get_ok(client: httpx.Client, path: str) -> httpx.Response:
    r = client.get(path)
    if r.status_code != 200:
        raise SystemExit(f"GET {path}: {r.status_code}\n{r.text[:2000]}")
    return r


def sign_in(client: httpx.Client) -> None:
    form = get_ok(client, "/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, "no csrf field on the sign-in form"
    r = client.post("/sign-in", data={"csrf": token.group(1), "username": USER, "password": PASSWORD, "next": "/"})
    if r.status_code != 303 or "rrf_session" not in client.cookies:
        raise SystemExit(f"sign-in failed: {r.status_code}\n{r.text[:1000]}")


def render_overview(ctx: Context, viewer: Any, view: portal.Overview, filters: portal.Filters, lang: str) -> str:
    """The overview's HTML as web/pages.py and web/respond.py render it."""
    return render.page("overview.html.j2", lang, viewer=viewer, csrf="x" * 43, here="/", plan=ctx.loaded.plan,
                       recipient=render.recipient_label(ctx.loaded.plan, lang), overview=view, filters=filters,
                       sorts=SORTS, item_link=item_link, status_link=lambda s: "/?status=" + s,
                       json_link="/api/items?", csv_link="/export/items.csv?")


def render_item(ctx: Context, viewer: Any, view: portal.ItemView, lang: str) -> str:
    return render.page("item.html.j2", lang, viewer=viewer, csrf="x" * 43, here="/items/x", plan=ctx.loaded.plan,
                       recipient=render.recipient_label(ctx.loaded.plan, lang), view=view,
                       evidence_link=lambda r: f"/evidence/{r['record']}", json_link="/api/items/x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30, help="requests per row (in-process rows: the same)")
    parser.add_argument("--starts", type=int, default=5, help="starts of `rrf web` on the defaults")
    parser.add_argument("--as-of", default="2025-03-31")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="keep the set-up here (default: a temporary folder, removed)")
    parser.add_argument("--profile", action="store_true", help="print where the overview spends its time")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    n = args.repeat
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="rrf-web-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        measure(args, as_of, n, work)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, as_of: date, n: int, work: Path) -> None:
    # the set-up: plan, progress, one check, one coordinator
    met, mapf, reports = DATA / italia.MET_FILE, DATA / italia.MAP_FILE, DATA / italia.REPORTS_FILE
    plan_path = work / "italia.toml"
    made = italia.plan_from_files(str(met), met.read_bytes(), str(mapf), mapf.read_bytes())
    plan_path.write_text(italia.plan_toml(made), encoding="utf-8")
    loaded = parse_plan(plan_path.read_bytes(), str(plan_path))
    url = f"sqlite:///{work / 'italia.db'}"
    where = ["--plan", str(plan_path), "--db", url]
    run([RRF, "import-progress", "--format", "italia-domani", "--reports", str(reports), "--map", str(mapf),
         *where], work)
    run([RRF, "check", "--direct", "--as-of", as_of.isoformat(), "--format", "json", *where], work)
    run([RRF, "users", "add", USER, "--role", "coordinator", "--lang", "en", "--password-stdin", *where], work,
        stdin=PASSWORD + "\n")

    engine = dbm.open_engine(url, readonly=True)
    with engine.connect() as conn:
        records = conn.execute(text("SELECT count(*) FROM progress_record")).scalar_one()
        entries = conn.execute(text("SELECT count(*) FROM audit_entry")).scalar_one()
        target, target_records = conn.execute(text(
            "SELECT item_id, count(*) AS n FROM progress_record GROUP BY item_id "
            "ORDER BY n DESC, item_id LIMIT 1")).one()
        with_records = set(conn.execute(text("SELECT DISTINCT item_id FROM progress_record")).scalars())
    engine.dispose()
    milestones = [it for it in loaded.plan.items if it.kind == "milestone"]
    milestone = next((it for it in milestones if it.id in with_records), milestones[0])
    print(f"plan: {len(loaded.plan.items)} items ({len(milestones)} milestones); store: SQLite, {records} records, "
          f"{entries} log entries; as of {as_of}; {n} requests per row")
    print(f"item pages: target {target} ({target_records} records), milestone {milestone.id} "
          f"({'with' if milestone.id in with_records else 'without'} records)")
    load_before = os.getloadavg()[0]

    # the portal over HTTP
    server = Server(where, work)
    try:
        first_health = server.wait_healthy()
        with httpx.Client(base_url=server.base, timeout=60.0) as client:
            sign_in(client)
            day = f"as_of={as_of.isoformat()}"
            cold, first = timed(lambda: get_ok(client, f"/?{day}"))
            shown = first.text.count('<tr id="row-')
            if shown != len(loaded.plan.items):
                raise SystemExit(f"the overview shows {shown} rows, not {len(loaded.plan.items)}")
            health = series(lambda: get_ok(client, "/health"), n)
            warm = series(lambda: get_ok(client, f"/?{day}"), n)
            api = series(lambda: get_ok(client, f"/api/items?{day}"), n)
            t_path, m_path = f"/items/{quote(target)}?{day}", f"/items/{quote(milestone.id)}?{day}"
            t_cold, t_page = timed(lambda: get_ok(client, t_path))
            item_t = series(lambda: get_ok(client, t_path), n)
            m_cold, m_page = timed(lambda: get_ok(client, m_path))
            item_m = series(lambda: get_ok(client, m_path), n)
            sizes = {"overview": len(first.content), "api": len(get_ok(client, f"/api/items?{day}").content),
                     "target": len(t_page.content), "milestone": len(m_page.content)}
    finally:
        server.stop()

    # the same work in-process, by part
    ctx = Context(settings(plan=plan_path, database_url=url), clock)
    ctx.loaded  # noqa: B018
    viewer = users.viewer(ctx, USER)
    assert viewer is not None
    filters = portal.Filters()

    def overview_cold() -> portal.Overview:
        portal._KEPT.clear()
        return portal.overview(ctx, viewer, as_of=as_of, filters=filters)

    in_cold = series(overview_cold, max(3, n // 6))
    view = portal.overview(ctx, viewer, as_of=as_of, filters=filters)
    in_warm = series(lambda: portal.overview(ctx, viewer, as_of=as_of, filters=filters), n)
    in_render = series(lambda: render_overview(ctx, viewer, view, filters, viewer.language), n)
    in_viewer = series(lambda: users.viewer(ctx, USER), n)

    def open_store() -> None:
        with reading(url):
            pass
    in_open = series(open_store, n)
    in_item = series(lambda: portal.item_view(ctx, viewer, target, as_of=as_of), n)
    t_view = portal.item_view(ctx, viewer, target, as_of=as_of)
    in_item_render = series(lambda: render_item(ctx, viewer, t_view, viewer.language), n)
    reports_dir = work / "reports"
    in_reports = series(lambda: report.write_all(ctx, as_of=as_of, run_id="bench", folder=reports_dir), 3)
    written = report.write_all(ctx, as_of=as_of, run_id="bench", folder=reports_dir)

    if args.profile:
        for title, fn in (("portal.overview (warm)",
                           lambda: portal.overview(ctx, viewer, as_of=as_of, filters=filters)),
                          ("render overview.html.j2",
                           lambda: render_overview(ctx, viewer, view, filters, viewer.language)),
                          ("portal.item_view (target)", lambda: portal.item_view(ctx, viewer, target, as_of=as_of))):
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(5):
                fn()
            prof.disable()
            for key in ("cumulative", "tottime"):
                buf = io.StringIO()
                pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(22)
                print(f"--- {title}, 5 calls, by {key} ---")
                print(buf.getvalue())

    # start-up of `rrf web` on the embedded defaults, each in a fresh folder where the first account
    # was just made (`rrf users add` creates ./rrf.db; `rrf web` serves only a database that exists)
    starts = []
    for k in range(args.starts):
        empty = work / f"empty-{k}"
        empty.mkdir()
        run([RRF, "users", "add", USER, "--role", "coordinator", "--password-stdin"], empty, stdin=PASSWORD + "\n")
        server = Server([], empty)
        try:
            starts.append(server.wait_healthy())
        finally:
            server.stop()
        (empty / f"rrf-web-{server.port}.log").unlink(missing_ok=True)
        if any(p.name != "rrf.db" and not p.name.startswith("rrf.db-") for p in empty.iterdir()):
            print(f"note: the start left {sorted(p.name for p in empty.iterdir())} in its folder")
    py = series(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True, env=clean_env()), args.starts)
    phases: dict[str, list[float]] = {}
    for k in range(args.starts):
        empty = work / f"phases-{k}"
        empty.mkdir()
        run([RRF, "users", "add", USER, "--role", "coordinator", "--password-stdin"], empty, stdin=PASSWORD + "\n")
        done = subprocess.run([sys.executable, "-c", START_PHASES], capture_output=True, text=True, check=True,
                              env=clean_env(), cwd=empty)
        for name, value in json.loads(done.stdout.strip().splitlines()[-1]).items():
            phases.setdefault(name, []).append(value)

    ms = 1000.0
    print(f"load average (1 min, {os.cpu_count()} CPUs): {load_before:.1f} at the start of the measures, "
          f"{os.getloadavg()[0]:.1f} at the end (other processes slow every row alike)")
    floor = median(health)
    rows: list[tuple[str, str, float, float | None]] = [
        ("overview, cold", f"first GET / of the server ({sizes['overview'] // 1024} KiB of HTML)", cold, None),
        ("overview, warm", "GET / again, median", median(warm), None),
        ("&nbsp; p90", "", p90(warm), None),
        ("/api/items, warm", f"the same as JSON ({sizes['api'] // 1024} KiB)", median(api), None),
        ("item page, target", f"{target}: {target_records} records, charts ({sizes['target'] // 1024} KiB); "
                              f"first view {t_cold * ms:.0f} ms", median(item_t), None),
        ("item page, milestone", f"{milestone.id} ({sizes['milestone'] // 1024} KiB); first view {m_cold * ms:.0f} ms",
         median(item_m), None),
        ("floor: /health", "GET /health: the app and one store opening", floor, None),
        ("in-process: overview, cold", f"`portal.overview`, cache cleared: read records, evaluate {len(loaded.plan.items):_} items".replace("_", " "),
         median(in_cold), None),
        ("in-process: overview, warm", "`portal.overview`, decisions kept", median(in_warm), None),
        ("in-process: render overview", "`render.page(\"overview.html.j2\")`", median(in_render), None),
        ("in-process: user lookup", "`users.viewer`, on every page", median(in_viewer), None),
        ("in-process: open the store", "`services.store.reading`, nothing read", median(in_open), None),
        ("in-process: item_view", f"`portal.item_view` of {target}", median(in_item), None),
        ("in-process: render item", "`render.page(\"item.html.j2\")`", median(in_item_render), None),
        ("in-process: institution reports", f"`report.write_all`: {len(written)} files ({len({r.institution for r in written})} "
                                            f"institutions x 2 languages, {sum(r.path.stat().st_size for r in written) // 2**20} MiB), "
                                            "what each check adds; median of 3", median(in_reports), None),
    ]
    print()
    print("| row | what | ms | x /health |")
    print("| --- | --- | ---: | ---: |")
    for name, what, value, _ in rows:
        print(f"| {name} | {what} | {value * ms:.1f} | {value / floor:.1f} |")
    print()
    print("| start-up | what | s |")
    print("| --- | --- | ---: |")
    print(f"| `rrf web`, defaults | process start to the first 200 of /health, fresh folder with one account, median of "
          f"{args.starts} (min {min(starts):.2f}, max {max(starts):.2f}) | {median(starts):.2f} |")
    print(f"| `rrf web`, Italian plan | the same with --plan and --db of the set-up (one start) | {first_health:.2f} |")
    for name, values in phases.items():
        print(f"| &nbsp; {name} | {START_WHAT[name]} | {median(values):.2f} |")
    print(f"| floor: `python -c pass` | a fresh interpreter | {median(py):.2f} |")
    print()
    ov, it, st = median(warm), median(item_t), median(starts)
    print(f"overview: {ov * ms:.0f} ms median warm, {cold * ms:.0f} ms cold (goal <= 300 ms): "
          f"{'met' if ov <= 0.3 else 'NOT met'}{'' if cold <= 0.3 else ' (the cold view is over)'}")
    print(f"item page: {it * ms:.0f} ms median for {target}, {median(item_m) * ms:.0f} ms for milestone {milestone.id} "
          f"(goal <= 100 ms): {'met' if max(it, median(item_m)) <= 0.1 else 'NOT met'}")
    print(f"start: {st:.2f} s median to the first 200 of /health (goal < 3 s): {'met' if st < 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
