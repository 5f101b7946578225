"""Every command that reads a file accepts ``-`` (stdin), and JSON Lines on stdin needs no flag
(issue 8, "stdin and quiet"). SQLite and PostgreSQL where the command writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands.test_load import leads
from tests.conftest import Leadctl

JSONL = (
    '{"external_id": "J1", "first_name": "Ana", "last_name": "Silva", "email": "ana@x.example", '
    '"business_phone": "+12063124659", "company": "X"}\n'
    '\n{"external_id": "J2", "first_name": "Bo", "last_name": "Ode", "email": "bo@x.example", '
    '"business_phone": "+12063124658", "company": "Y"}\n'
)


@pytest.fixture
def web(leadctl: Leadctl) -> Leadctl:
    leadctl("campaign", "create", "Outbound")
    leadctl("bucket", "create", "web", "--campaign", "Outbound")
    return leadctl


def test_load_recognises_json_lines_on_stdin_without_a_flag(web: Leadctl) -> None:
    summary = json.loads(web("load", "-", "--bucket", "web", "--format", "json", input="\n" + JSONL).stdout)
    assert summary["format"] == "jsonl"
    rows = leads(web)
    assert [(r["external_id"], r["email"], r["custom"]) for r in rows] == [
        ("J1", "ana@x.example", {}),
        ("J2", "bo@x.example", {}),
    ]
    # CSV on stdin still goes through the delimiter sniffer.
    csv_text = "Lead ID;First Name;Last Name;Email;Phone\nC1;Cy;Lee;cy@x.example;+12063124657\n"
    summary = json.loads(web("load", "-", "--bucket", "web", "--format", "json", input=csv_text).stdout)
    assert summary["format"] == "csv"
    assert [r["external_id"] for r in leads(web)] == ["J1", "J2", "C1"]


def test_a_file_whose_extension_says_nothing_is_sniffed_too(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text(JSONL, encoding="utf-8")
    summary = web.json("load", str(path), "--bucket", "web")
    assert summary["format"] == "jsonl" and len(leads(web)) == 2


def test_import_fixes_reads_json_lines_on_stdin(web: Leadctl) -> None:
    web("load", "-", "--bucket", "web", input=JSONL)
    result = json.loads(
        web(
            "leads",
            "import-fixes",
            "-",
            "--bucket",
            "web",
            "--format",
            "json",
            input='{"external_id": "J2", "title": "CTO"}\n',
        ).stdout
    )
    assert result["fixed"] == 1
    assert next(r for r in leads(web) if r["external_id"] == "J2")["title"] == "CTO"


def test_dnc_import_from_stdin_csv_and_json_lines(leadctl: Leadctl) -> None:
    first = json.loads(
        leadctl("dnc", "import", "-", "--format", "json", input="email,reason\nA@X.example,asked\n").stdout
    )
    assert first["added"] == 1
    second = json.loads(
        leadctl(
            "dnc",
            "import",
            "-",
            "--format",
            "json",
            input='{"email": "b@x.example"}\n{"phone": "+12063124659"}\n',
        ).stdout
    )
    assert second["added"] == 2
    values = sorted(e["value"] for e in leadctl.json("dnc", "list"))
    assert values == ["+12063124659", "a@x.example", "b@x.example"]


def test_rep_import_from_stdin(leadctl: Leadctl) -> None:
    leadctl("rep", "import", "-", input="email,name,role\nana@example.com,Ana Silva,closer\n")
    assert [r["email"] for r in leadctl.json("rep", "list")] == ["ana@example.com"]


def test_rules_validate_and_diff_read_stdin(leadctl: Leadctl, tmp_path: Path) -> None:
    ok = leadctl("rules", "validate", "-", input="duplicates:\n  threshold: 0.9\n")
    assert "-: OK" in ok.stderr + ok.stdout
    bad = leadctl("rules", "validate", "-", input="duplicates:\n  threshold: lots\n", ok=False)
    assert bad.exit_code == 1 and "stdin line 2" in bad.stderr
    old = tmp_path / "old.yaml"
    old.write_text("{}\n", encoding="utf-8")
    out = leadctl("rules", "diff", str(old), "-", "--format", "json", input="{}\n")
    assert json.loads(out.stdout)["changed"] == 0


def test_load_mapping_from_stdin(web: Leadctl, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Ref,Mail Addr,Nom,Tel\nM1,ana@x.example,Ana Silva,+12063124659\n", encoding="utf-8")
    mapping = "Ref: external_id\nMail Addr: email\nNom: full_name\nTel: business_phone\n"
    web("load", str(path), "--bucket", "web", "--mapping", "-", input=mapping)
    (row,) = leads(web)
    assert (row["external_id"], row["email"], row["first_name"], row["last_name"]) == (
        "M1",
        "ana@x.example",
        "Ana",
        "Silva",
    )


def test_stdin_can_be_only_one_input(web: Leadctl) -> None:
    both = web("load", "-", "--bucket", "web", "--mapping", "-", input=JSONL, ok=False)
    assert both.exit_code == 2
    assert "stdin (-) is already the input of" in both.stderr
    assert leads(web) == []
    twice = web("rules", "validate", "-", "-", input="{}\n", ok=False)
    assert twice.exit_code == 2


def test_dedupe_evaluate_reads_truth_from_stdin(web: Leadctl) -> None:
    web("load", "-", "--bucket", "web", input=JSONL)
    web("process")
    truth = "external_id,entity_id\nJ1,p1\nJ2,p2\n"
    report = json.loads(web("dedupe", "evaluate", "-", "--format", "json", input=truth).stdout)
    assert (report["labelled_rows"], report["leads_found"]) == (2, 2)
    bad = web("dedupe", "evaluate", "-", input="id,person\n1,2\n", ok=False)
    assert (
        bad.stderr.strip()
        == "Error: stdin line 1: expected columns external_id and entity_id, got id, person"
    )


def test_reassign_ids_from_stdin_names_stdin_in_errors(leadctl: Leadctl) -> None:
    leadctl("rep", "add", "ana@example.com", "--name", "Ana")
    bad = leadctl("reassign", "--to", "ana@example.com", "--ids-from", "-", input="id\nx1\n", ok=False)
    assert bad.exit_code == 1
    assert "stdin line 2: client id: expected a number, got 'x1'" in bad.stderr


def test_the_readme_stdin_examples_run_as_written(leadctl_sqlite: Leadctl, tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("- **stdin.**", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    assert len(lines) == 2 and all("| leadctl " in line for line in lines)
    leadctl_sqlite("campaign", "create", "Outbound Q1")
    leadctl_sqlite("bucket", "create", "partner-acme", "--campaign", "Outbound Q1")
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    env["LEADCTL_DATABASE_URL"] = leadctl_sqlite.db_url
    assert shutil.which("leadctl", path=env["PATH"])
    for line in lines:
        done = subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
    assert [e["value"] for e in leadctl_sqlite.json("dnc", "list")] == ["bounced@x.example"]
    assert leads(leadctl_sqlite) == []  # the load was a --dry-run
