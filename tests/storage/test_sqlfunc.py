"""storage/sqlfunc.py's ``epoch_seconds`` on both backends: the whole seconds since the epoch
of stored timestamps, the same integers as Python's floor — the business-time maths of the SLA
check and the metrics (``(epoch + offset) / 86400``) rests on it."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import DateTime, cast, null, select

from leadctl.storage import engine as engine_mod
from leadctl.storage import schema
from leadctl.storage.sqlfunc import epoch_seconds

MOMENTS = [
    datetime(2026, 3, 14, 9, 30, 15, 999999, tzinfo=UTC),  # a fraction never rounds up (SQLite
    datetime(2026, 3, 14, 9, 30, 59, 999600, tzinfo=UTC),  # reads fractions to the millisecond)
    datetime(2026, 3, 14, 9, 30, 15, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, 500000, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 58, tzinfo=UTC),  # before the epoch: negative
    datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),  # past 32-bit seconds
    datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # PostgreSQL's double keeps the fraction
    datetime(1900, 1, 1, 0, 0, 0, 1, tzinfo=UTC),  # long before the epoch, a microsecond past
]


def test_epoch_seconds_are_python_whole_seconds(db_url: str) -> None:
    engine = engine_mod.open_engine(db_url)
    R = schema.rep
    with engine_mod.write(engine) as conn:
        for i, at in enumerate(MOMENTS):
            conn.execute(
                R.insert().values(
                    email=f"r{i}@x.io", name=f"R{i}", skills=[], territories={}, created_at=at, updated_at=at
                )
            )
    with engine.connect() as conn:
        got: dict[str, int] = dict(conn.execute(select(R.c.email, epoch_seconds(R.c.created_at))).all())
        assert conn.execute(select(epoch_seconds(cast(null(), DateTime(timezone=True))))).scalar() is None
    want = {f"r{i}@x.io": math.floor(at.timestamp()) for i, at in enumerate(MOMENTS)}
    assert got == want
    assert want[f"r{MOMENTS.index(datetime(1969, 12, 31, 23, 59, 58, tzinfo=UTC))}@x.io"] == -2
    assert all(isinstance(v, int) for v in got.values())
