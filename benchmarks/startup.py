"""Start-up wall times: `leadctl --help`, a database command, and a bare SQLAlchemy import."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _time(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    """Median wall time in ms over ``runs`` runs (after one warm-up)."""
    subprocess.run(cmd, capture_output=True, env=env, check=False)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, check=False)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run(runs: int = 15) -> list[dict[str, object]]:
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
    sqla = _time([sys.executable, "-c", "import sqlalchemy"], runs, env)
    bare = _time([sys.executable, "-c", "pass"], runs, env)
    help_ms = _time([leadctl, "--help"], runs, env)
    list_ms = _time([leadctl, "--db", db, "leads", "list", "--limit", "1", "--format", "json"], runs, env)
    shutil.rmtree(tmp, ignore_errors=True)
    return [
        {"benchmark": "python -c pass", "ms": round(bare), "target": "", "vs import sqlalchemy": ""},
        {
            "benchmark": "python -c 'import sqlalchemy'",
            "ms": round(sqla),
            "target": "",
            "vs import sqlalchemy": "1.00×",
        },
        {
            "benchmark": "leadctl --help",
            "ms": round(help_ms),
            "target": "≤ 120 ms",
            "vs import sqlalchemy": f"{help_ms / sqla:.2f}×",
        },
        {
            "benchmark": "leadctl leads list --limit 1 --format json",
            "ms": round(list_ms),
            "target": f"≤ {1.5 * sqla:.0f} ms (1.5×)",
            "vs import sqlalchemy": f"{list_ms / sqla:.2f}×",
        },
    ]


if __name__ == "__main__":
    from tabulate import tabulate

    print(tabulate(run(), headers="keys"))
