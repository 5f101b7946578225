"""storage/bulk.py directly, on both backends: counts, JSON and datetime values, duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from leadctl.storage import bulk, schema
from leadctl.storage import engine as engine_mod

REP_COLUMNS = ("email", "name", "skills", "territories", "created_at", "updated_at")
T0 = datetime(2026, 3, 14, 9, 30, 15, 123456, tzinfo=UTC)


def _rep(email: str, skills: Any = None, at: datetime = T0) -> tuple[Any, ...]:
    return (email, email.split("@")[0].title(), skills if skills is not None else [], {}, at, at)


def _reps(engine: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        q = select(schema.rep).order_by(schema.rep.c.email)
        return [dict(r._mapping) for r in conn.execute(q)]


def test_insert_ignore_counts_new_rows_only(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    with engine_mod.write(engine) as conn:
        n = bulk.insert_ignore(conn, schema.rep, REP_COLUMNS, [[_rep("a@x.io"), _rep("b@x.io")]], ("email",))
    assert n == 2
    with engine_mod.write(engine) as conn:
        chunks = [[_rep("b@x.io"), _rep("c@x.io")], [], [_rep("a@x.io"), _rep("d@x.io")]]
        n = bulk.insert_ignore(conn, schema.rep, REP_COLUMNS, chunks, ("email",))
    assert n == 2
    assert [r["email"] for r in _reps(engine)] == ["a@x.io", "b@x.io", "c@x.io", "d@x.io"]


def test_insert_ignore_keeps_the_first_of_duplicates_within_a_chunk(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    rows = [_rep("a@x.io", ["first"]), _rep("a@x.io", ["second"]), _rep("b@x.io")]
    with engine_mod.write(engine) as conn:
        n = bulk.insert_ignore(conn, schema.rep, REP_COLUMNS, [rows], ("email",))
    assert n == 2
    stored = _reps(engine)
    assert [(r["email"], r["skills"]) for r in stored] == [("a@x.io", ["first"]), ("b@x.io", [])]


def test_insert_ignore_stores_json_and_aware_datetimes_as_core_does(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    local = datetime(2026, 3, 14, 4, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
    skills = {"langs": ["de", "fr"], "nested": {"n": 1.5, "ok": True, "none": None}, "ü": "é"}
    rows = [
        ("a@x.io", "A", skills, ["DE", "AT"], local, T0),
        ("b@x.io", "B", bulk.JSONText('{"pre": "serialised"}'), [], T0, T0),
        ("c@x.io", "C", "just text", [], T0, T0),
    ]
    with engine_mod.write(engine) as conn:
        assert bulk.insert_ignore(conn, schema.rep, REP_COLUMNS, [rows], ("email",)) == 3
    a, b, c = _reps(engine)
    assert (a["skills"], a["territories"]) == (skills, ["DE", "AT"])
    assert a["created_at"] == local == T0 and a["created_at"].utcoffset() == timedelta(0)
    assert b["skills"] == {"pre": "serialised"}
    assert c["skills"] == "just text"
    # the same values written through Core read back identically
    with engine_mod.write(engine) as conn:
        conn.execute(
            schema.rep.insert().values(
                dict(zip(REP_COLUMNS, ("d@x.io", "D", skills, [], local, T0), strict=True))
            )
        )
    d = _reps(engine)[3]
    assert (d["skills"], d["created_at"]) == (a["skills"], a["created_at"])


def test_insert_ignore_inside_a_failed_transaction_leaves_nothing(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    try:
        with engine_mod.write(engine) as conn:
            bulk.insert_ignore(conn, schema.rep, REP_COLUMNS, [[_rep("a@x.io")]], ("email",))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert _reps(engine) == []


def test_update_by_id_sets_columns_including_json_and_times(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    with engine_mod.write(engine) as conn:
        bulk.insert_ignore(
            conn, schema.rep, REP_COLUMNS, [[_rep("a@x.io"), _rep("b@x.io"), _rep("c@x.io")]], ("email",)
        )
    ids = {r["email"]: r["id"] for r in _reps(engine)}
    later = T0 + timedelta(days=1)
    with engine_mod.write(engine) as conn:
        bulk.update_by_id(
            conn,
            schema.rep,
            ["name", "skills", "updated_at"],
            [(ids["a@x.io"], "Ann", ["x", "y"], later), (ids["c@x.io"], "Cy", {"k": 1}, later)],
        )
        bulk.update_by_id(conn, schema.rep, ["name"], [])  # nothing to do
    a, b, c = _reps(engine)
    assert (a["name"], a["skills"], a["updated_at"]) == ("Ann", ["x", "y"], later)
    assert (b["name"], b["skills"], b["updated_at"]) == ("B", [], T0)
    assert (c["name"], c["skills"], c["updated_at"]) == ("Cy", {"k": 1}, later)


def test_insert_rows_and_allocate_ids(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    with engine_mod.write(engine) as conn:
        ids = bulk.allocate_ids(conn, schema.rep, 3)
        assert len(set(ids)) == 3
        bulk.insert_rows(
            conn,
            schema.rep,
            ("id", *REP_COLUMNS),
            [(i, *_rep(f"r{i}@x.io", {"n": i})) for i in ids],
        )
        bulk.insert_rows(conn, schema.rep, REP_COLUMNS, [])
        more = bulk.allocate_ids(conn, schema.rep, 2)
        assert bulk.allocate_ids(conn, schema.rep, 0) == []
    assert set(more).isdisjoint(ids)
    stored = _reps(engine)
    assert sorted(r["id"] for r in stored) == sorted(ids)
    assert all(r["skills"] == {"n": r["id"]} and r["created_at"] == T0 for r in stored)


def test_sqlite_keeps_the_big_page_cache_after_a_bulk_write(tmp_path: Any) -> None:
    """The cache grows for a bulk write and stays for the statements after it (shrinking it
    back evicted the pages the next statement of the batch reads again); never shrinks."""
    engine = engine_mod.open_engine(f"sqlite:///{tmp_path / 'cache.db'}")

    def cache_size(conn: Any) -> int:
        return int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())

    with engine_mod.write(engine) as conn:
        assert cache_size(conn) > -bulk._SQLITE_CACHE_KIB
        bulk.insert_rows(conn, schema.rep, REP_COLUMNS, [_rep("a@x.io")])
        assert cache_size(conn) == -bulk._SQLITE_CACHE_KIB
        conn.exec_driver_sql(f"PRAGMA cache_size = -{2 * bulk._SQLITE_CACHE_KIB}")
        bulk.update_by_id(conn, schema.rep, ["name"], [(1, "A")])
        assert cache_size(conn) == -2 * bulk._SQLITE_CACHE_KIB


def test_rows_as_dicts_gives_what_row_mappings_give(db_url: str) -> None:
    """Intake reads its batches through rows_as_dicts: the same keys and converted values
    (JSON, aware datetimes) as ``dict(row._mapping)``, also for labelled columns."""
    engine = engine_mod.open_engine(db_url)
    rows = [_rep("a@x.io", {"langs": ["de"], "n": 1.5}), _rep("b@x.io", at=T0 + timedelta(days=1))]
    with engine_mod.write(engine) as conn:
        bulk.insert_rows(conn, schema.rep, REP_COLUMNS, rows)
    q = select(schema.rep, schema.rep.c.email.label("again")).order_by(schema.rep.c.email)
    with engine.connect() as conn:
        got = bulk.rows_as_dicts(conn.execute(q))
        want = [dict(r) for r in conn.execute(q).mappings()]
    assert got == want and len(got) == 2
    assert got[0]["skills"] == {"langs": ["de"], "n": 1.5} and got[0]["again"] == "a@x.io"
    assert got[1]["created_at"] == T0 + timedelta(days=1)


def test_gc_paused_restores_the_collector_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    with bulk.gc_paused():
        assert not gc.isenabled()
        with bulk.gc_paused():  # nested: still off, and still off after the inner one
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with bulk.gc_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_insert_new_inserts_rows_and_stores_values_as_insert_ignore_does(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    rows = [_rep("a@x.io", {"langs": ["de"], "ü": "é"}), _rep("b@x.io", bulk.JSONText('["x"]'))]
    with engine_mod.write(engine) as conn:
        assert bulk.insert_new(conn, schema.rep, REP_COLUMNS, rows, ("email",)) == 2
        assert bulk.insert_new(conn, schema.rep, REP_COLUMNS, [], ("email",)) == 0
    a, b = _reps(engine)
    assert (a["skills"], b["skills"], a["created_at"]) == ({"langs": ["de"], "ü": "é"}, ["x"], T0)


def test_insert_new_skips_existing_keys_and_keeps_the_transactions_earlier_writes(db_url: str) -> None:
    """A key already stored (a re-import) or repeated in the rows: only the new rows go in, the
    first of a repeated key wins, and what the transaction wrote before stays written."""
    engine = engine_mod.open_engine(db_url)
    with engine_mod.write(engine) as conn:
        bulk.insert_ignore(conn, schema.rep, REP_COLUMNS, [[_rep("a@x.io", ["old"])]], ("email",))
    with engine_mod.write(engine) as conn:
        assert bulk.insert_new(conn, schema.rep, REP_COLUMNS, [_rep("b@x.io")], ("email",)) == 1
        rows = [_rep("c@x.io", ["first"]), _rep("a@x.io", ["new"]), _rep("c@x.io", ["second"])]
        assert bulk.insert_new(conn, schema.rep, REP_COLUMNS, rows, ("email",)) == 1
        assert bulk.insert_new(conn, schema.rep, REP_COLUMNS, [_rep("d@x.io")], ("email",)) == 1
    stored = [(r["email"], r["skills"]) for r in _reps(engine)]
    assert stored == [("a@x.io", ["old"]), ("b@x.io", []), ("c@x.io", ["first"]), ("d@x.io", [])]
