"""leadctl as a real process: exit codes, stdout/stderr split, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LEADCTL = [sys.executable, "-c", "import sys; from leadctl.cli import main; sys.exit(main())"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LEADCTL, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120
    )


def test_data_to_stdout_messages_to_stderr(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    created = run("--db", db, "campaign", "create", "Outbound", "--format", "json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["name"] == "Outbound"
    listed = run("--db", db, "campaign", "list", "--format", "json")
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Outbound"]


def test_operational_error_is_one_line_exit_1(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = run("--db", db, "campaign", "show", "missing")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Error: no campaign 'missing' (give its name or id; see 'leadctl campaign list')"
    ]


def test_usage_error_exit_2() -> None:
    result = run("campaing")
    assert result.returncode == 2
    assert "No such command 'campaing'" in result.stderr
    assert "Traceback" not in result.stderr


def test_verbose_shows_traceback_for_bug_reports(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = run("--verbose", "--db", db, "campaign", "show", "missing")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: no campaign")


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = run("--db", "postgresql://nobody@127.0.0.1:1/nothing", "campaign", "list")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot connect to the database")


def test_default_database_lives_in_xdg_data_home(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "LEADCTL_DATABASE_URL": ""}
    env.pop("LEADCTL_DATABASE_URL")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEADCTL_")}
    clean.update(env)
    result = subprocess.run(
        [*LEADCTL, "campaign", "create", "A"], capture_output=True, text=True, env=clean, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "xdg" / "leadctl" / "leadctl.db").is_file()


def test_database_url_precedence_flag_over_env(tmp_path: Path) -> None:
    env_db = f"sqlite:///{tmp_path / 'env.db'}"
    flag_db = f"sqlite:///{tmp_path / 'flag.db'}"
    run("--db", flag_db, "campaign", "create", "OnlyInFlag", env={"LEADCTL_DATABASE_URL": env_db})
    from_env = run("campaign", "list", "--format", "json", env={"LEADCTL_DATABASE_URL": env_db})
    assert json.loads(from_env.stdout) == []
    from_flag = run(
        "--db", flag_db, "campaign", "list", "--format", "json", env={"LEADCTL_DATABASE_URL": env_db}
    )
    assert [c["name"] for c in json.loads(from_flag.stdout)] == ["OnlyInFlag"]


def test_shell_completion_lists_commands() -> None:
    env = {"_LEADCTL_COMPLETE": "bash_complete", "COMP_WORDS": "leadctl ca", "COMP_CWORD": "1"}
    result = subprocess.run([*LEADCTL], capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    assert "plain,campaign" in result.stdout.splitlines()  # bash_complete: TYPE,VALUE per line


def test_config_file_sets_database_and_format(tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "leadctl"
    config.mkdir(parents=True)
    db = tmp_path / "from-config.db"
    (config / "config.yaml").write_text(f"database_url: sqlite:///{db}\nformat: json\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEADCTL_")}
    clean["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    created = subprocess.run(
        [*LEADCTL, "campaign", "create", "X"], capture_output=True, text=True, env=clean, timeout=120
    )
    assert created.returncode == 0, created.stderr
    assert db.is_file()
    listed = subprocess.run(
        [*LEADCTL, "campaign", "list"], capture_output=True, text=True, env=clean, timeout=120
    )
    assert [c["name"] for c in json.loads(listed.stdout)] == ["X"]  # format: json from the config file
    clean["LEADCTL_FORMAT"] = "csv"  # the environment beats the config file
    as_csv = subprocess.run(
        [*LEADCTL, "campaign", "list"], capture_output=True, text=True, env=clean, timeout=120
    )
    assert as_csv.stdout.startswith("id,name,")


def test_bad_config_file_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "leadctl"
    config.mkdir(parents=True)
    (config / "config.yaml").write_text("databse_url: x\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEADCTL_")}
    clean["XDG_CONFIG_HOME"] = str(tmp_path / "cfg")
    result = subprocess.run(
        [*LEADCTL, "campaign", "list"], capture_output=True, text=True, env=clean, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {config / 'config.yaml'}: unknown key 'databse_url' (expected one of database_url, rules, format, display_timezone)"
    ]


def _popen(*args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*LEADCTL, *args], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_reading_stdin(proc: subprocess.Popen[str], timeout: float = 120) -> None:
    """Wait until ``proc`` is blocked in ``read(0, …)``: past its imports and its signal set-up,
    waiting for more input. A fixed sleep raced a slow start on a loaded machine (the SIGINT then
    arrived during the imports). Without Linux's /proc/PID/syscall, fall back to a long sleep."""
    import time

    syscall = Path(f"/proc/{proc.pid}/syscall")
    read_nr = {"x86_64": "0", "aarch64": "63"}.get(os.uname().machine)
    if read_nr is None or not syscall.exists():
        time.sleep(5)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            fields = syscall.read_text().split()
        except OSError:
            fields = []
        if fields[:2] == [read_nr, "0x0"]:  # read() on fd 0
            return
        time.sleep(0.05)
    raise AssertionError("leadctl never started waiting on stdin")


def _not_new(db_path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db_path, timeout=5)
    try:
        return int(conn.execute("SELECT count(*) FROM lead WHERE status != 'new'").fetchone()[0])
    finally:
        conn.close()


def test_ctrl_c_exits_130_saying_nothing_was_changed(tmp_path: Path) -> None:
    import signal

    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert run("--db", db, "campaign", "create", "C").returncode == 0
    assert run("--db", db, "bucket", "create", "web", "--campaign", "C").returncode == 0
    proc = _popen("--db", db, "load", "-", "--bucket", "web", stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write("First Name,Last Name,E-mail\nAna,Silva,ana@example.com\n")
    proc.stdin.flush()
    _wait_reading_stdin(proc)  # started and waiting for the rest of stdin
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Aborted!" not in err and "Traceback" not in err
    assert err.strip().splitlines() == [
        "Interrupted: nothing was changed (the work in progress was rolled back)."
    ]


def test_ctrl_c_during_process_keeps_committed_batches_and_says_how_many(tmp_path: Path) -> None:
    import re
    import signal
    import time

    path = tmp_path / "x.db"
    db = f"sqlite:///{path}"
    leads = tmp_path / "leads.csv"
    rows = [
        f"Ann{i},Lee{i},ann{i}@example{i % 97}.com,Acme {i},(212) {200 + i % 700}-{i % 10000:04d},CTO"
        for i in range(30_000)
    ]
    header = "First Name,Last Name,E-mail,Company Name,Business Phone,Job Title\n"
    leads.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    assert run("--db", db, "campaign", "create", "C").returncode == 0
    assert run("--db", db, "bucket", "create", "web", "--campaign", "C").returncode == 0
    assert run("--db", db, "load", str(leads), "--bucket", "web").returncode == 0
    proc = _popen("--db", db, "process")
    deadline = time.monotonic() + 120
    while _not_new(path) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Aborted!" not in err and "Traceback" not in err
    (line,) = err.strip().splitlines()
    m = re.fullmatch(
        r"Interrupted: (\d+) batch\(es\) \(([\d,]+) leads\) finished before the interrupt are kept; "
        r"the batch in progress was rolled back\. Run the command again for the rest\.",
        line,
    )
    assert m is not None, line
    kept = int(m.group(2).replace(",", ""))
    assert 0 < kept < 30_000
    assert _not_new(path) == kept  # exactly what the note says
