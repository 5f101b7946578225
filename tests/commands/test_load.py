"""leadctl load: files into a bucket — mapping, rejections, idempotency, broken files, kills."""

from __future__ import annotations

import codecs
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from leadctl.demo import fakedata
from leadctl.reporting import Collect
from leadctl.storage import schema
from tests.conftest import Leadctl

DATA = Path(__file__).resolve().parent.parent / "data"
MAIN = "import sys; from leadctl.cli import main; sys.exit(main())"


@pytest.fixture
def web(leadctl: Leadctl) -> Leadctl:
    """A campaign "Outbound" with an active bucket "web"."""
    leadctl("campaign", "create", "Outbound")
    leadctl("bucket", "create", "web", "--campaign", "Outbound", "--source", "landing-page")
    return leadctl


def leads(lc: Leadctl) -> list[dict[str, Any]]:
    engine = lc.engine()
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(schema.lead).order_by(schema.lead.c.id)).mappings()]
    finally:
        engine.dispose()


def loads(lc: Leadctl) -> list[dict[str, Any]]:
    engine = lc.engine()
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(schema.load).order_by(schema.load.c.id)).mappings()]
    finally:
        engine.dispose()


def counts(lc: Leadctl) -> tuple[int, int]:
    engine = lc.engine()
    try:
        with engine.connect() as conn:
            n_leads = conn.execute(select(func.count()).select_from(schema.lead)).scalar_one()
            n_loads = conn.execute(select(func.count()).select_from(schema.load)).scalar_one()
            return n_leads, n_loads
    finally:
        engine.dispose()


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(DATA / name, target)
    return target


# ------------------------------------------------------------------------------------ loading


def test_messy_csv_is_mapped_normalised_and_checked(web: Leadctl, tmp_path: Path) -> None:
    path = copy(tmp_path, "leads_messy.csv")
    summary = web.json("load", str(path), "--bucket", "web")
    preview = {m["column"]: m for m in summary.pop("mapping")}
    assert preview["E-mail"] == {
        "column": "E-mail",
        "field": "email",
        "how": "built-in",
        "sample": "Ana.Silva@Acme.com",
    }
    assert preview["Last Visited Pricing Page"]["field"] == "custom"
    assert summary.pop("timezone") == "UTC"
    assert summary == {
        "load_id": 1,
        "file": str(path),
        "bucket": "web",
        "format": "csv",
        "encoding": "utf-8",
        "dry_run": False,
        "rows_read": 5,
        "loaded": 4,
        "rejected": 1,
        "already_loaded": 0,
        "rejected_by_reason": {
            "last_name: missing": 1,
            "email: not a valid address": 1,
            "business_phone: not a valid number": 1,
            "registered_at: not a date": 1,
        },
        "warnings": [],
    }
    rows = {r["external_id"]: r for r in leads(web)}
    ana = rows["WEB-1"]
    assert (ana["email"], ana["business_phone"], ana["timezone"], ana["status"], ana["reasons"]) == (
        "ana.silva@acme.com",
        "+12063124659",
        "America/Los_Angeles",
        "new",
        [],
    )
    assert ana["registered_at"] == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert (ana["company"], ana["website"], ana["headcount"], ana["country"]) == (
        "Acme Corp",
        "www.acme.example",
        "250",
        "USA",
    )
    assert ana["custom"] == {"Last Visited Pricing Page": "2025-02-28"}
    assert ana["raw"]["E-mail"] == "Ana.Silva@Acme.com" and ana["raw"]["Mobile"] == ""  # exactly as read
    assert len(ana["raw"]) == 13
    assert (ana["line_no"], ana["load_id"], ana["manager_id"], ana["source"]) == (2, 1, None, "landing-page")
    bucket = web.json("bucket", "show", "web")
    assert ana["bucket_id"] == bucket["id"] and ana["campaign_id"] == bucket["campaign_id"]
    assert rows["WEB-2"]["mobile_phone"] == "+13126588552" and rows["WEB-2"]["timezone"] == "America/Chicago"
    assert rows["WEB-2"]["registered_at"] == datetime(2025, 3, 2, 10, 15, tzinfo=UTC)
    assert rows["WEB-3"]["business_phone"] == "+442079460018"  # read as a UK number: its country says so
    assert rows["WEB-3"]["timezone"] == "Europe/London"
    assert rows["WEB-5"]["timezone"] == "America/Vancouver"
    dan = rows["WEB-4"]
    assert (dan["status"], dan["reasons"]) == (
        "rejected",
        [
            "last_name: missing",
            "email: not a valid address",
            "business_phone: not a valid number",
            "registered_at: not a date",
        ],
    )
    assert (dan["email"], dan["business_phone"], dan["raw"]["Created Date"]) == ("dan@", "123", "yesterday")
    [load] = loads(web)
    assert (load["filename"], load["file_format"], load["encoding"], load["actor"]) == (
        str(path),
        "csv",
        "utf-8",
        "tester",
    )
    assert (load["rows_read"], load["rows_loaded"], load["rows_rejected"], load["rows_already_loaded"]) == (
        5,
        4,
        1,
        0,
    )
    assert load["mapping"]["fields"]["E-mail"] == "email" and load["mapping"]["custom"] == [
        "Last Visited Pricing Page"
    ]
    assert load["finished_at"] >= load["started_at"]
    assert dan["registered_at"] == load["started_at"]  # not a date: the load time, the text kept in raw


def test_summary_table_for_people(web: Leadctl, tmp_path: Path) -> None:
    result = web("load", str(copy(tmp_path, "leads_messy.csv")), "--bucket", "web")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["result", "reason", "rows"]
    assert lines[2].split() == ["read", "5"]
    assert lines[3].split() == ["loaded", "4"]
    assert lines[4].split() == ["rejected", "1"]
    assert ["rejected", "email:", "not", "a", "valid", "address", "1"] in [ln.split() for ln in lines]
    assert lines[6].split() == ["already", "loaded", "0"] or ["already", "loaded", "0"] in [
        ln.split() for ln in lines[:12]
    ]
    assert "Mapping (dates without an offset read as UTC)" in lines
    assert ["E-mail", "email", "Ana.Silva@Acme.com"] in [ln.split() for ln in lines]
    assert result.stderr == ""
    csv_out = web("load", str(tmp_path / "leads_messy.csv"), "--bucket", "web", "--format", "csv").stdout
    assert csv_out.splitlines() == [
        "result,reason,rows",
        "read,,5",
        "loaded,,0",
        "rejected,,0",
        "already loaded,,5",
    ]


def test_loading_again_adds_nothing_and_an_overlapping_file_adds_only_new_rows(
    web: Leadctl, tmp_path: Path
) -> None:
    path = copy(tmp_path, "leads_messy.csv")
    web("load", str(path), "--bucket", "web")
    again = web.json("load", str(path), "--bucket", "web")
    assert (again["loaded"], again["rejected"], again["already_loaded"]) == (0, 0, 5)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # The same rows in another order with other header spellings and an extra empty column,
    # plus one new row.
    header = lines[0].replace("E-mail", "Email").replace("Job Title", "Title").rstrip("\n") + ",Empty\n"
    new = "WEB-6,Fred,Nash,fred@nash.example,CEO,(212) 736-5000,,Nash LLC,,5,US,2025-03-06,\n"
    overlap = tmp_path / "overlap.csv"
    overlap.write_text(
        header + "".join(ln.rstrip("\n") + ",\n" for ln in reversed(lines[1:])) + new.rstrip("\n") + ",\n"
    )
    summary = web.json("load", str(overlap), "--bucket", "web")
    assert (summary["rows_read"], summary["loaded"], summary["rejected"], summary["already_loaded"]) == (
        6,
        1,
        0,
        5,
    )
    assert len(leads(web)) == 6
    assert [(ld["rows_loaded"], ld["rows_already_loaded"]) for ld in loads(web)] == [(4, 0), (0, 5), (1, 5)]


def test_the_same_rows_in_another_bucket_are_new_leads(web: Leadctl, tmp_path: Path) -> None:
    path = copy(tmp_path, "leads_messy.csv")
    web("bucket", "create", "partner", "--campaign", "Outbound", "--affiliate-id", "AFF-9")
    web("load", str(path), "--bucket", "web")
    summary = web.json("load", str(path), "--bucket", "partner")
    assert (summary["loaded"], summary["already_loaded"]) == (4, 0)
    partner = [r for r in leads(web) if r["affiliate_id"] == "AFF-9"]
    assert len(partner) == 5  # the bucket's affiliate id, as the file gives none


def test_rows_repeated_in_one_file_are_loaded_once(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        "Email,First Name,Last Name,Title,Company,Phone\n"
        "ana@acme.com,Ana,Silva,CFO,Acme,(206) 312-4659\n"
        " ana@acme.com ,Ana,Silva,CFO,Acme,(206) 312-4659\n",
        encoding="utf-8",
    )
    result = web("load", str(path), "--bucket", "web", "--format", "json")
    summary = json.loads(result.stdout)
    assert (summary["loaded"], summary["already_loaded"]) == (1, 1)
    assert result.stderr == "Warning: 1 row repeating an earlier row of the file; each is loaded once\n"


def test_dry_run_writes_nothing(web: Leadctl, tmp_path: Path) -> None:
    path = copy(tmp_path, "leads_messy.csv")
    summary = web.json("load", str(path), "--bucket", "web", "--dry-run")
    assert summary["dry_run"] is True and summary["load_id"] is None
    assert (summary["loaded"], summary["rejected"], summary["already_loaded"]) == (4, 1, 0)
    assert counts(web) == (0, 0)
    web("load", str(path), "--bucket", "web")
    again = web.json("load", str(path), "--bucket", "web", "-n")
    assert (again["loaded"], again["rejected"], again["already_loaded"]) == (0, 0, 5)
    assert counts(web) == (5, 1)
    table = web("load", str(path), "--bucket", "web", "-n").stdout
    assert "would load" in table and "would reject" in table


def test_deactivated_bucket_is_refused(web: Leadctl, tmp_path: Path) -> None:
    web("bucket", "deactivate", "web")
    result = web("load", str(copy(tmp_path, "leads_messy.csv")), "--bucket", "web", ok=False)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: bucket 'web' is deactivated and accepts no new leads; activate it with 'leadctl bucket activate web'\n"
    )
    assert result.stdout == ""
    assert counts(web) == (0, 0)
    missing = web("load", str(tmp_path / "leads_messy.csv"), "--bucket", "nope", ok=False)
    assert missing.exit_code == 1 and "no bucket 'nope'" in missing.stderr


def test_stdin_bom_and_cp1252(web: Leadctl, tmp_path: Path) -> None:
    text = (DATA / "leads_messy.csv").read_bytes()
    result = web("load", "-", "--bucket", "web", "--format", "json", input=codecs.BOM_UTF8 + text)
    summary = json.loads(result.stdout)
    assert (summary["file"], summary["encoding"], summary["loaded"]) == ("stdin", "utf-8-sig", 4)
    assert loads(web)[0]["filename"] == "stdin"
    old = copy(tmp_path, "leads_cp1252.csv")
    result = web("load", str(old), "--bucket", "web", "--format", "json")
    assert result.stderr == (
        f"Warning: {old} is not UTF-8 (line 2: byte 0xf6); read it as cp1252 — check accented names, or give --encoding\n"
    )
    assert json.loads(result.stdout)["encoding"] == "cp1252"
    jorg = [r for r in leads(web) if r["first_name"] == "Jörg"]
    assert jorg[0]["last_name"] == "Müller" and jorg[0]["company"] == "Acme Café"


def test_semicolon_export_with_a_mapping_file(web: Leadctl, tmp_path: Path) -> None:
    path = copy(tmp_path, "leads_semicolon_bom.csv")
    mapping = tmp_path / "de.yaml"
    mapping.write_text(
        "Vorname: first_name\nNachname: last_name\nE-Mail: email\nFirma: company\n"
        "Position: title\nTelefon: business_phone\nLand: country\n",
        encoding="utf-8",
    )
    summary = web.json("load", str(path), "--bucket", "web", "--mapping", str(mapping))
    assert (summary["loaded"], summary["rejected"]) == (2, 0)
    rows = leads(web)
    assert [(r["first_name"], r["business_phone"], r["timezone"]) for r in rows] == [
        ("Jürgen", "+4930901820", "Europe/Berlin"),
        ("Anke", "+4930901821", "Europe/Berlin"),  # 030 … read in Germany: the row's country
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text("Vorname: first_name\nNachname: lastname\n", encoding="utf-8")
    result = web("load", str(path), "--bucket", "web", "--mapping", str(bad), ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad} line 2: Nachname: expected one of ")
    assert result.stderr.endswith("got 'lastname' (did you mean 'last_name'?)\n")


def test_json_lines_with_a_broken_line(web: Leadctl, tmp_path: Path) -> None:
    path = copy(tmp_path, "leads.jsonl")
    summary = web.json("load", str(path), "--bucket", "web")
    assert (summary["format"], summary["rows_read"], summary["loaded"], summary["rejected"]) == (
        "jsonl",
        3,
        2,
        1,
    )
    assert summary["rejected_by_reason"] == {"row: not valid JSON": 1}
    rows = {r["line_no"]: r for r in leads(web)}
    assert (rows[1]["first_name"], rows[1]["last_name"], rows[1]["headcount"]) == ("Fay", "Wong", "30")
    assert rows[1]["custom"] == {"Score": 7}
    assert rows[2]["custom"] == {"Tags": ["trade show"]}
    assert rows[3]["raw"] == {"_line": "not json at all"} and rows[3]["status"] == "rejected"


# ------------------------------------------------------------------------------------ broken files

BROKEN: list[tuple[str, bytes, str]] = [
    ("empty.csv", b"", "{path}: the file is empty (expected a header line and rows)"),
    ("header.csv", b"Email,Name\n", "{path} line 1: only a header, no rows to load"),
    (
        "quote.csv",
        b'Email,Name\na@x.com,"Ana\nb@x.com,Ben\n',
        "{path} line 2: unclosed quote (the quoted field starting here runs to the end of the file)",
    ),
    (
        "dup.csv",
        b"Email,Name,email,Name\na,b,c,d\n",
        "{path} line 1: duplicate column name 'Name' (columns 2 and 4)",
    ),
    (
        "binary.csv",
        b"Email,Name\x00\x01\x02\n",
        "{path} line 1: NUL byte — a binary file, not CSV, TSV or JSON Lines",
    ),
    (
        "delim.csv",
        b"Email;Name;Phone\na@x.com,Ana,1\nb@x.com,Ben,2\n",
        "{path} line 2: 1 fields but the header has 3, and no row matches the header: "
        "wrong delimiter (reading with ';') or a broken header?",
    ),
    (
        "big.csv",
        b"Email,Notes\na@x.com,ok\nb@x.com," + b"z" * 10_000_000 + b"\n",
        "{path} line 3: a field is longer than 131,072 characters (an unclosed quote, or not a lead file)",
    ),
    (
        "lines.jsonl",
        b"Email,Name\na@x.com,Ana\n",
        "{path} line 1: not valid JSON (Expecting value); no line is a JSON object: is this JSON Lines?",
    ),
    (
        "hugeint.jsonl",  # json raises a plain ValueError past Python's integer digit limit
        b'{"n": ' + b"1" * 5000 + b"}\n",
        "{path} line 1: not valid JSON (Exceeds the limit (4300 digits) for integer string conversion); "
        "no line is a JSON object: is this JSON Lines?",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_one_line_error_and_nothing_is_written(
    web: Leadctl, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = web("load", str(path), "--bucket", "web", ok=False)
    assert result.exit_code == 1
    assert result.stderr == "Error: " + message.format(path=path) + "\n"
    assert result.stdout == ""
    assert counts(web) == (0, 0)


def test_rows_with_the_wrong_number_of_fields_are_rejected_and_kept(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        "Email,First Name,Last Name,Title,Company,Phone\n"
        "ana@acme.com,Ana,Silva,CFO,Acme,(206) 312-4659\n"
        "ben@acme.com,Ben,Ode,CEO,Acme,(312) 658-8552,oops,more\n",
        encoding="utf-8",
    )
    summary = web.json("load", str(path), "--bucket", "web")
    assert summary["rejected_by_reason"] == {"row: 8 fields but the header has 6": 1}
    ben = [r for r in leads(web) if r["line_no"] == 3][0]
    assert ben["status"] == "rejected" and ben["raw"]["_extra"] == ["oops", "more"]
    assert ben["custom"] == {"_extra": ["oops", "more"]}


def test_missing_file_and_forced_delimiter(web: Leadctl, tmp_path: Path) -> None:
    result = web("load", str(tmp_path / "nope.csv"), "--bucket", "web", ok=False)
    assert result.stderr == f"Error: {tmp_path / 'nope.csv'}: no such file\n"
    path = copy(tmp_path, "leads_messy.csv")
    forced = web("load", str(path), "--bucket", "web", "--delimiter", ";", ok=False)
    assert forced.stderr == (
        f"Error: {path} line 1: the header is a single column containing ','; is the delimiter ','? (use --delimiter)\n"
    )
    assert counts(web) == (0, 0)


# ------------------------------------------------------------------------------------ real processes


def _big_file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"big-{n}.csv"
    fakedata.write_file(path, fakedata.generate(n, seed=42, invalid_rate=0.02), "csv", messy_headers=True)
    return path


def _load_process(db_url: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            MAIN,
            "--db",
            db_url,
            "load",
            str(path),
            "--bucket",
            "web",
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _writing(db_url: str, pid: int) -> bool:
    """Whether the load process holds its write transaction."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.rollback()
            return False
        except sqlite3.OperationalError:  # database is locked: the loader writes
            return True
        finally:
            conn.close()
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as pg:
        row = pg.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted").fetchone()
        return bool(row and row[0])


@pytest.mark.slow
def test_a_killed_load_leaves_nothing_and_running_it_again_completes_it(web: Leadctl, tmp_path: Path) -> None:
    n = 40_000
    path = _big_file(tmp_path, n)
    proc = _load_process(web.db_url, path)
    deadline = time.monotonic() + 120
    while not _writing(web.db_url, proc.pid):
        assert proc.poll() is None, f"the load ended before it could be killed: {proc.communicate()}"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)  # well into writing
    assert proc.poll() is None, "the load finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert counts(web) == (0, 0)  # no half-written load
    done = _load_process(web.db_url, path)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    summary = json.loads(out)
    assert summary["loaded"] + summary["rejected"] == n and summary["already_loaded"] == 0
    assert counts(web) == (n, 1)


@pytest.mark.slow
def test_two_loads_of_one_file_at_once_give_each_row_once(web: Leadctl, tmp_path: Path) -> None:
    n = 8_000
    path = _big_file(tmp_path, n)
    first, second = _load_process(web.db_url, path), _load_process(web.db_url, path)
    results = []
    for proc in (first, second):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert sorted(r["loaded"] + r["rejected"] for r in results) == [0, n]
    assert sorted(r["already_loaded"] for r in results) == [0, n]
    assert counts(web) == (n, 2)


def test_format_in_and_encoding_options(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes((DATA / "leads.jsonl").read_bytes())
    summary = web.json("load", str(path), "--bucket", "web", "--format-in", "jsonl")
    assert (summary["format"], summary["loaded"]) == ("jsonl", 2)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "Email,First Name,Last Name,Title,Company,Phone\nzoe@x.example,Zoë,Ång,CEO,X,(212) 736-5000\n".encode(
            "latin-1"
        )
    )
    result = web("load", str(latin), "--bucket", "web", "--encoding", "latin-1", "--format", "json")
    assert result.stderr == "" and json.loads(result.stdout)["encoding"] == "iso8859-1"
    assert [r["last_name"] for r in leads(web) if r["first_name"] == "Zoë"] == ["Ång"]


def test_progress_is_sized_to_the_file_in_bytes(web: Leadctl, tmp_path: Path) -> None:
    from leadctl.rules import load_rules
    from leadctl.services.intake import loading

    path = _big_file(tmp_path, 12_000)
    bars: list[dict[str, Any]] = []

    class Bar:
        def __init__(self, length: int, label: str) -> None:
            self.state: dict[str, Any] = {"length": length, "label": label, "done": 0, "closed": False}
            bars.append(self.state)

        def update(self, n: int) -> None:
            self.state["done"] += n

        def close(self) -> None:
            self.state["closed"] = True

    class Bars(Collect):
        def progress(self, length: int, label: str = "") -> Bar:
            return Bar(length, label)

    engine = web.engine()
    try:
        loading.load_file(engine, load_rules(None), str(path), "web", report=Bars())
    finally:
        engine.dispose()
    size = path.stat().st_size
    assert bars == [{"length": size, "label": f"Loading {path}", "done": size, "closed": True}]


# ------------------------------------------------------------------------------ hostile input (issue 7)


def _person(first: str, extra: str = "", key: str = "first_name") -> str:
    return (
        f'{{"{key}": "{first}", "last_name": "Lo", "email": "{first.lower()[:2]}@lo.example", '
        f'"title": "CEO", "company": "Lo", "phone": "+1 212 736 5000"{extra}}}'
    )


def test_json_lines_hostile_lines_are_rejected_rows_each_kept(web: Leadctl, tmp_path: Path) -> None:
    """Issue 7 item 12: every line that is no object is its own row; hostile values are reasons."""
    lines = [
        _person("Ana", key="First Name"),  # line 1 spells it "First Name" …
        _person("Ben"),  # … line 2 "first_name": both map
        "[1, 2]",
        "42",
        '{"first_name": ',
        "[3]",
        _person("Cy", ', "score": NaN'),
        _person("Di", ', "score": -Infinity'),
        _person("Ed\\u0000"),
        _person("Fa\\ud800"),
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 50 + "1" + "}" * 50,
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = web.json("load", str(path), "--bucket", "web")
    assert (summary["rows_read"], summary["loaded"], summary["rejected"], summary["already_loaded"]) == (
        12,
        2,
        10,
        0,
    )
    rows = {r["line_no"]: r for r in leads(web)}
    assert [rows[n]["first_name"] for n in (1, 2)] == ["Ana", "Ben"]
    assert {n: rows[n]["reasons"] for n in range(3, 13)} == {
        3: ["row: not a JSON object"],
        4: ["row: not a JSON object"],
        5: ["row: not valid JSON"],
        6: ["row: not a JSON object"],
        7: ["row: NaN or Infinity is not a JSON value"],
        8: ["row: NaN or Infinity is not a JSON value"],
        9: ["row: a NUL character (\\u0000) in a value"],
        10: ["row: a lone surrogate (\\ud800-\\udfff) in a value"],
        11: ["row: nested more than 20 levels deep"],
        12: ["row: nested more than 20 levels deep"],
    }
    assert rows[3]["raw"] == {"_line": "[1, 2]"} and rows[6]["raw"] == {"_line": "[3]"}
    again = web.json("load", str(path), "--bucket", "web")
    assert (again["loaded"], again["rejected"], again["already_loaded"]) == (0, 0, 12)


def test_dates_out_of_range_are_rejected_rows(web: Leadctl, tmp_path: Path) -> None:
    """Issue 7 item 13: a date that cannot be held in UTC is a rejected row, not OverflowError."""
    header = "First Name,Last Name,Email,Title,Company,Phone,Created Date\n"
    body = "".join(
        f"P{i},Lo,p{i}@lo.example,CEO,Lo,+1 212 736 500{i},{d}\n"
        for i, d in enumerate(["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2024-01-02"])
    )
    path = tmp_path / "dates.csv"
    path.write_text(header + body, encoding="utf-8")
    summary = web.json("load", str(path), "--bucket", "web")
    assert (summary["loaded"], summary["rejected"]) == (1, 2)
    assert summary["rejected_by_reason"] == {"registered_at: out of range": 2}
    rows = {r["line_no"]: r for r in leads(web)}
    assert rows[4]["status"] == "new" and rows[2]["status"] == rows[3]["status"] == "rejected"


def test_a_utf8_file_with_one_cp1252_line_keeps_the_utf8_names(web: Leadctl, tmp_path: Path) -> None:
    """Issue 7 item 14: only the cp1252 line is read as cp1252, and the warning names it."""
    header = b"First Name,Last Name,Email,Title,Company,Phone\n"
    good = "José,Müller,jm@lo.example,CEO,Lo,+1 212 736 5000\n".encode()
    bad = "Zoë,Ångström,za@lo.example,CEO,Lo,+1 212 736 5001\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(header + good + bad + good.replace(b"jm@", b"j2@"))
    result = web("load", str(path), "--bucket", "web", "--format", "json")
    summary = json.loads(result.stdout)
    assert summary["loaded"] == 3 and summary["encoding"] == "utf-8"
    names = [(r["first_name"], r["last_name"]) for r in leads(web)]
    assert names == [("José", "Müller"), ("Zoë", "Ångström"), ("José", "Müller")]
    assert any("line 3" in w and "cp1252" in w for w in summary["warnings"])


def test_input_over_the_size_cap_is_refused(web: Leadctl, tmp_path: Path) -> None:
    """Issue 7 item 15: unbounded input (``yes | leadctl load -``) stops at a documented cap."""
    cap = subprocess.run(
        [str(Path(sys.executable).with_name("leadctl")), "--db", web.db_url, "load", "-", "--bucket", "web"],
        input=b"Email,Name\n" + b"y,y\n" * 400_000,
        capture_output=True,
        env={**os.environ, "LEADCTL_MAX_INPUT_MB": "1"},
        timeout=120,
    )
    assert cap.returncode == 1
    assert cap.stderr.decode().strip() == (
        "Error: stdin: more than 1 MiB (the input cap, LEADCTL_MAX_INPUT_MB); "
        "split the file and load the parts"
    )
    assert counts(web) == (0, 0)


def test_a_cut_off_last_line_is_rejected_with_a_warning(web: Leadctl, tmp_path: Path) -> None:
    """Issue 7 item 15: the last line cut off mid-quote is a rejected row and a warning naming it."""
    path = tmp_path / "cut.csv"
    path.write_bytes(
        b"First Name,Last Name,Email,Title,Company,Phone\n"
        b"Ana,Lo,ana@lo.example,CEO,Lo,+1 212 736 5000\n"
        b'Ben,Lo,ben@lo.example,"CE'
    )
    summary = web.json("load", str(path), "--bucket", "web")
    assert (summary["loaded"], summary["rejected"]) == (1, 1)
    assert summary["rejected_by_reason"] == {"row: cut off (the file ends inside a quoted field)": 1}
    assert (
        f"{path} line 3: the last line is cut off (the file ends inside a quoted field)"
        in summary["warnings"]
    )
    jsonl = tmp_path / "cut.jsonl"
    jsonl.write_bytes(_person("Ana").encode() + b'\n{"first_name": "Be')
    summary = web.json("load", str(jsonl), "--bucket", "web")
    assert (summary["loaded"], summary["rejected"]) == (1, 1)
    assert f"{jsonl} line 2: the last line is cut off (no line end, not valid JSON)" in summary["warnings"]
