"""Secrets never reach the terminal: database passwords are masked in every message.

A database URL carries secrets in three places: the password of ``user:password@host``
(which may itself hold an unencoded ``@``: ``user:p@ss@host`` — SQLAlchemy then reads the
password as ``p`` and the host as ``ss@host``, so its own masking leaks ``ss`` and the
driver's "failed to resolve host 'ss@host'" does too), and query parameters such as
``?password=`` and ``?sslpassword=``. ``register`` records those secrets for the URL in use
(from ``--db``, ``$LEADCTL_DATABASE_URL`` or the config file) and ``scrub`` replaces them
in any text: ``output``'s messages, warnings and errors, and ``--verbose`` tracebacks, all
go through it. ``redact_url`` masks a URL for display.

Imports only ``re`` and ``urllib.parse``: the root command calls it before anything heavy.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"
_SECRET_KEY = re.compile(r"pass|secret|token|key", re.IGNORECASE)
# scheme://authority[/path][?query]; the authority ends at the first / ? or # after the last @.
_URL = re.compile(r"^(?P<scheme>[A-Za-z][\w+.-]*://)(?P<rest>.*)$", re.DOTALL)
_QUERY_PAIR = re.compile(r"(?P<key>[^&=?#]+)=(?P<value>[^&#]*)")

_registered: set[str] = set()


def _split(url: str) -> tuple[str, str | None, str, str] | None:
    """(scheme, userinfo or None, host and path, query) of a URL-looking text."""
    m = _URL.match(url.strip())
    if m is None:
        return None
    rest = m.group("rest")
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
    if not rest.startswith("/") and "@" in rest:
        # The userinfo runs to the LAST @ before the path: passwords may hold unencoded @s.
        at = rest.rfind("@")
        return m.group("scheme"), rest[:at], rest[at + 1 :], query
    return m.group("scheme"), None, rest, query


def secrets_in_url(url: str) -> list[str]:
    """Every secret a URL carries (raw and percent-decoded), longest first."""
    parts = _split(url)
    if parts is None:
        return []
    _scheme, userinfo, _host, query = parts
    found: set[str] = set()
    if userinfo is not None and ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        if password and password != MASK:
            found.update({password, unquote(password)})
            # What a parser that stops at the first @ reports as the host starts with this.
            for i, ch in enumerate(password):
                if ch == "@" and password[i + 1 :]:
                    found.add(password[i + 1 :] + "@")
    for m in _QUERY_PAIR.finditer(query):
        if _SECRET_KEY.search(m.group("key")) and m.group("value") and m.group("value") != MASK:
            found.update({m.group("value"), unquote(m.group("value"))})
    return sorted((s for s in found if s), key=len, reverse=True)


def redact_url(url: str) -> str:
    """The URL with its password and secret query values replaced by ``***``."""
    parts = _split(url)
    if parts is None:
        return scrub(url)
    scheme, userinfo, host, query = parts
    out = scheme
    if userinfo is not None:
        user = userinfo.split(":", 1)[0]
        out += f"{user}:{MASK}@" if ":" in userinfo else f"{userinfo}@"
    out += host
    if query:
        pairs = []
        for item in query.split("&"):
            key, sep, value = item.partition("=")
            pairs.append(f"{key}={MASK}" if sep and _SECRET_KEY.search(key) and value else item)
        out += "?" + "&".join(pairs)
    return out


def register(url: str | None) -> None:
    """Remember the secrets of a database URL in use, so every message masks them."""
    if url:
        _registered.update(secrets_in_url(url))


def scrub(text: str, secrets: list[str] | None = None) -> str:
    """``text`` with every registered (or given) secret replaced by ``***``."""
    known = sorted(_registered if secrets is None else set(secrets), key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK + ("@" if secret.endswith("@") else ""))
    return text
