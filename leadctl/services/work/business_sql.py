"""Business time in SQL: a per-day temporary table of a business clock (``calendar.BusinessClock``)
so that set-based queries compute the same business seconds as Python, to the second.

``B(t)`` is the business seconds from the clock's fixed origin to timestamp ``t`` (negative
before it): the day row's cumulative business seconds plus the part of that day's opening
already past. Used by the SLA
check (``services/work/sla``) and the speed metrics (``services/metrics/speed``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, case, insert, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from leadctl.services.assign.calendar import BusinessClock
from leadctl.storage.sqlfunc import greatest, least


@dataclass
class DayTable:
    """The per-day temporary table of a business clock, and ``B(t)`` as SQL."""

    table: Table
    clock: BusinessClock
    first: int
    last: int

    def join(self, epoch: ColumnElement[Any]) -> tuple[Any, ColumnElement[bool]]:
        """A fresh alias of the day table and its join condition for a timestamp's epoch. The
        alias is anonymous (unique within a statement, the same in every statement), so a
        statement built again on the same table reuses its compiled form."""
        d = self.table.alias()
        key = greatest(literal(self.first), least(literal(self.last), (epoch + self.clock.offset) // 86400))
        return d, d.c.k == key

    @staticmethod
    def local(d: Any, epoch: ColumnElement[Any]) -> ColumnElement[Any]:
        """``epoch`` on the local wall clock (epoch seconds plus the UTC offset then), on its
        joined day row ``d``: ``% 86400 // 3600`` is its hour, ``// 86400`` its day number."""
        return epoch + case((epoch >= d.c.t, d.c.z1), else_=d.c.z0)

    @staticmethod
    def b(d: Any, epoch: ColumnElement[Any]) -> ColumnElement[Any]:
        """``B(t)`` of ``epoch`` on its joined day row ``d``."""
        return d.c.cum + greatest(literal(0), least(epoch, d.c.c) - d.c.o)

    def cover(self, conn: Connection, start: datetime, end: datetime) -> None:
        """Make the table cover ``start``…``end`` as well: the missing days are added (a day's
        ``cum`` never changes, the clock's origin being fixed). The table stays the same object,
        so statements built on it keep their compiled form; build them after this call."""
        k0, k1 = self.clock.key_of(start.timestamp()), self.clock.key_of(end.timestamp())
        if k0 >= self.first and k1 <= self.last:
            return
        offset = self.clock.offset

        def noon(key: int) -> datetime:  # a moment inside day ``key``
            return datetime.fromtimestamp(key * 86400 - offset + 43200, UTC)

        rows = self.clock.day_rows(noon(min(k0, self.first)), noon(max(k1, self.last)))
        _fill(conn, self.table, [r for r in rows if not self.first <= r.key <= self.last])
        self.first, self.last = rows[0].key, rows[-1].key


def _fill(conn: Connection, table: Table, rows: list[Any]) -> None:
    conn.execute(
        insert(table),
        [
            {
                "k": r.key,
                "o": r.open,
                "c": r.close,
                "cum": r.cum,
                "z0": r.z0,
                "t": r.t,
                "z1": r.z1,
            }
            for r in rows
        ],
    )


@contextmanager
def business_days(
    conn: Connection, clock: BusinessClock, start: datetime, end: datetime, name: str = "tmp_business_day"
) -> Iterator[DayTable]:
    """A temporary day table covering ``start``…``end`` (timestamps outside are clamped);
    ``name``: another one alongside (a caller holding one open across other work)."""
    rows = clock.day_rows(start, end)
    table = Table(
        name,
        MetaData(),
        Column("k", Integer, primary_key=True),
        Column("o", BigInteger, nullable=False),
        Column("c", BigInteger, nullable=False),
        Column("cum", BigInteger, nullable=False),
        Column("z0", Integer, nullable=False),  # UTC offsets before / from ``t`` (DayRow):
        Column("t", BigInteger, nullable=False),  # a moment's local hour of day and weekday
        Column("z1", Integer, nullable=False),
        prefixes=["TEMPORARY"],
    )
    table.drop(conn, checkfirst=True)
    table.create(conn)
    try:
        _fill(conn, table, rows)
        yield DayTable(table, clock, rows[0].key, rows[-1].key)
    except BaseException:
        raise  # the transaction is rolled back: the temporary table goes with it
    else:
        table.drop(conn)


def day_length(clock: BusinessClock) -> int:
    """Seconds in one business day: the longest opening of a weekday (24 h around the clock)."""
    if clock.always or not clock.hours:
        return 86_400
    return max(
        (b.hour * 3600 + b.minute * 60 + b.second) - (a.hour * 3600 + a.minute * 60 + a.second)
        for a, b in clock.hours.values()
    )


@dataclass
class OpenDays:
    """The open days of a business clock as a temporary table, for ``B⁻¹`` (the deadline) in SQL.

    One row per day with opening hours: ``e`` = business seconds at its close (``cum`` + its
    length), strictly increasing, so the moment ``B`` reaches ``x`` is on the first open day
    with ``e >= x``: its opening plus ``x - cum`` — ``BusinessClock.moment`` to the second
    (closed days add no business time, so skipping them is the same as its forward scan).
    """

    table: Table
    last: int  # ``e`` of the last open day: beyond it the deadline is NULL (computed in Python)

    def moment(self, b: ColumnElement[Any]) -> ColumnElement[Any]:
        """Epoch seconds of ``B⁻¹(b)`` (a scalar subquery: one index seek per row), NULL past
        the table's last open day."""
        t = self.table
        return select(t.c.o + (b - t.c.cum)).where(t.c.e >= b).order_by(t.c.e).limit(1).scalar_subquery()


@contextmanager
def open_days(conn: Connection, clock: BusinessClock, start: datetime, end: datetime) -> Iterator[OpenDays]:
    """A temporary table of the open days ``start``…``end`` (see ``OpenDays``)."""
    rows = [r for r in clock.day_rows(start, end) if r.close > r.open]
    table = Table(
        "tmp_business_open_day",
        MetaData(),
        Column("e", BigInteger, primary_key=True),
        Column("o", BigInteger, nullable=False),
        Column("cum", BigInteger, nullable=False),
        prefixes=["TEMPORARY"],
    )
    table.drop(conn, checkfirst=True)
    table.create(conn)
    if rows:
        conn.execute(
            insert(table), [{"e": r.cum + r.close - r.open, "o": r.open, "cum": r.cum} for r in rows]
        )
    try:
        yield OpenDays(table, rows[-1].cum + rows[-1].close - rows[-1].open if rows else -1)
    except BaseException:
        raise  # the transaction is rolled back: the temporary table goes with it
    else:
        table.drop(conn)
