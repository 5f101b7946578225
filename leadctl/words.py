"""Wording shared by commands and services (imports nothing: services use it too)."""

from __future__ import annotations

__all__ = ["plural"]


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 row``, ``0 rows``, ``1,234 leads``; ``many`` for irregular plurals (``entry``/``entries``).

    The one place messages count things, so no message says "1 rows" or "1 lead(s)".
    """
    word = (
        noun
        if n == 1
        else (
            many or (noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s")
        )
    )
    return f"{n:,} {word}"
