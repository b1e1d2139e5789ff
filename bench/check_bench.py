"""Wall time of `rrf check` on the seed plan and its example progress, with Prefect's overhead
shown apart from the engine's. One run measures everything, so the figures compare.

    .venv/bin/python bench/check_bench.py [--repeat 3]

Rows (median of --repeat runs, each in a fresh process on a fresh copy of the store):
  engine        evaluate + log + outbox in-process (run_check with no Prefect), no start-up
  direct        `rrf check --direct`: the same, plus Python start-up and imports
  flow          `rrf check`: the Prefect flow on a temporary server started for it (the default)
  flow, server  `rrf check` with PREFECT_API_URL pointing at a server that is already running
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from seeding import PLAN, seed  # noqa: E402

AS_OF = "2026-09-01"


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def engine_only(url: str) -> float:
    from rrf.services.check import run_check
    from rrf.settings import clock
    from rrf.models import db as dbm
    from rrf.rules import load_plan

    loaded = load_plan(PLAN)
    engine = dbm.open_engine(url)
    start = time.perf_counter()
    run_check(loaded=loaded, engine=engine, as_of=date.fromisoformat(AS_OF), clock=clock)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rrf-bench-"))
    template = work / "template.db"
    seed(f"sqlite:///{template}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(work / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    rrf = [sys.executable, "-m", "rrf", "check", "--as-of", AS_OF, "--plan", str(PLAN)]

    def fresh(n: int) -> str:
        path = work / f"run{n}.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"

    # the first start of a Prefect server on a new PREFECT_HOME creates its database: not measured
    timed([*rrf, "--db", fresh(0)], env)
    results: dict[str, list[float]] = {"engine": [], "direct": [], "flow": [], "flow, server": []}
    for n in range(args.repeat):
        results["engine"].append(engine_only(fresh(100 + n)))
        results["direct"].append(timed([*rrf, "--direct", "--db", fresh(200 + n)], env))
        results["flow"].append(timed([*rrf, "--db", fresh(300 + n)], env))
    port = 4391
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port), "--no-ui", "--no-services"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from rrf.flows.server import External

        External(f"http://127.0.0.1:{port}/api").ready(timeout=120)
        for n in range(args.repeat):
            results["flow, server"].append(
                timed([*rrf, "--db", fresh(400 + n)], {**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}))
    finally:
        server.terminate()
        server.wait()
    shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"rrf check on the seed plan ({AS_OF}), median of {args.repeat}, {os.cpu_count()} cores\n")
    print(f"{'':14} {'wall s':>8} {'x engine':>9}")
    for name, value in med.items():
        print(f"{name:14} {value:8.2f} {value / med['engine']:9.1f}")
    print(f"\nPrefect's overhead (flow - direct): {med['flow'] - med['direct']:.2f} s, "
          f"of which starting the temporary server: {med['flow'] - med['flow, server']:.2f} s")
    print(f"goal: flow < 10 s wall: {'met' if med['flow'] < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
