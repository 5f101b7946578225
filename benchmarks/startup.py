"""Start-up times (wall and CPU): `leadctl --help`, a database command, and a bare SQLAlchemy import.

Wall time is the median of ``runs`` runs after a warm-up; CPU time (user + system of the
child, from ``resource.getrusage``) is the median too: on a loaded machine the wall time
measures the neighbours, the CPU time still measures the program."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _time(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median (wall ms, CPU ms) over ``runs`` runs (after one warm-up)."""
    subprocess.run(cmd, capture_output=True, env=env, check=False)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=False)
        walls.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def run(runs: int = 15) -> list[dict[str, object]]:
    from benchmarks.queue import compiled_bytecode

    compiled_bytecode()  # as installed; see there
    leadctl = shutil.which("leadctl") or str(Path(sys.executable).with_name("leadctl"))
    tmp = Path(tempfile.mkdtemp(prefix="leadctl-bench-"))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp / "cfg")}
    db = f"sqlite:///{tmp / 'startup.db'}"
    # A database with a few leads, so the list command does real work.
    subprocess.run(
        [leadctl, "--db", db, "demo", "--leads", "200", "--seed", "1"],
        capture_output=True,
        env=env,
        check=False,
    )
    sqla, sqla_cpu = _time([sys.executable, "-c", "import sqlalchemy"], runs, env)
    bare, bare_cpu = _time([sys.executable, "-c", "pass"], runs, env)
    help_ms, help_cpu = _time([leadctl, "--help"], runs, env)
    list_ms, list_cpu = _time(
        [leadctl, "--db", db, "leads", "list", "--limit", "1", "--format", "json"], runs, env
    )
    shutil.rmtree(tmp, ignore_errors=True)

    def row(name: str, ms: float, cpu: float, target: str) -> dict[str, object]:
        return {
            "benchmark": name,
            "ms": round(ms),
            "cpu ms": round(cpu),
            "target": target,
            "vs import sqlalchemy (wall)": f"{ms / sqla:.2f}×",
            "(cpu)": f"{cpu / sqla_cpu:.2f}×",
        }

    return [
        {**row("python -c pass", bare, bare_cpu, ""), "vs import sqlalchemy (wall)": "", "(cpu)": ""},
        row("python -c 'import sqlalchemy'", sqla, sqla_cpu, ""),
        row("leadctl --help", help_ms, help_cpu, "≤ 120 ms"),
        row("leadctl leads list --limit 1 --format json", list_ms, list_cpu, f"≤ {1.5 * sqla:.0f} ms (1.5×)"),
    ]


if __name__ == "__main__":
    from tabulate import tabulate

    print(tabulate(run(), headers="keys"))
