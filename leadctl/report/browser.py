"""Open an HTML file in headless Chromium and report what a reader's browser did with it.

Speaks the DevTools protocol over a websocket (``websocket-client``, a dev dependency, imported
here only) so a test sees console errors, uncaught exceptions and every network request —
``--dump-dom`` alone shows none of them. Used by ``tests/report`` and by the screenshot step
of ``benchmarks/metrics.py``. Debian's ``chromium`` package (``.ci/run`` installs it).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHARTS_JS = """
JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => {
  const svg = f.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {id: f.id, width: box.width, height: box.height,
          marks: svg ? svg.querySelectorAll('path, rect, use, text').length : 0,
          label: svg ? svg.getAttribute('aria-label') : null,
          table: !!f.parentElement.querySelector('table')};
}))
"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageLoad:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    charts: list[dict[str, Any]] = field(default_factory=list)
    screenshot: bytes | None = None


class _Session:
    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == method:
                return
        raise TimeoutError(method)

    def close(self) -> None:
        self.ws.close()


def load(path: Path, *, screenshot: bool = False, width: int = 1280, height: int = 900) -> PageLoad:
    """Open ``path`` (file://) headless; collect errors, requests, the charts' sizes, a screenshot."""
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (apt-get install -y chromium)")
    profile = tempfile.mkdtemp(prefix="leadctl-chromium-")
    # Its own process group: Chromium's helper processes (zygote, GPU, network service) outlive
    # the main one by a moment and keep writing to the profile; the profile is removed only
    # once the whole group is gone (removing it while one still wrote failed "Directory not
    # empty", now and then).
    proc = subprocess.Popen(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        return _drive(proc, Path(profile), path, screenshot, width)
    finally:
        _stop_group(proc)
        shutil.rmtree(profile, ignore_errors=True)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """End Chromium and every process of its group (SIGTERM, then SIGKILL after 10 s)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the helpers exit after the main process
            if not _group_running(proc.pid):
                return
            time.sleep(0.05)


def _group_running(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies excluded: a container's init
    may never reap them). Without /proc, whether the group exists at all."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            state, _ppid, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError, IndexError):
            continue
        if int(group) == pgid and state != "Z":
            return True
    return False


def _drive(
    proc: subprocess.Popen[bytes], profile: Path, path: Path, screenshot: bool, width: int
) -> PageLoad:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("chromium did not start its DevTools endpoint")
        time.sleep(0.1)
    port = int(port_file.read_text().split()[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
        targets = json.load(resp)
    page = next(t for t in targets if t.get("type") == "page")
    session = _Session(page["webSocketDebuggerUrl"])
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            session.call(f"{domain}.enable")
        session.call("Page.navigate", url=path.resolve().as_uri())
        session.wait_for("Page.loadEventFired")
        result = session.call("Runtime.evaluate", expression=CHARTS_JS, returnByValue=True)
        out = PageLoad(charts=json.loads(result["result"]["value"]))
        if screenshot:
            metrics = session.call("Page.getLayoutMetrics")
            full = metrics.get("cssContentSize") or metrics["contentSize"]
            shot = session.call(
                "Page.captureScreenshot",
                format="png",
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": width, "height": min(full["height"], 2400), "scale": 1},
            )
            out.screenshot = base64.b64decode(shot["data"])
        for e in session.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.console_errors.append(str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                out.console_errors.append(json.dumps(params.get("args")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                out.console_errors.append(str(params["entry"].get("text")))
            elif method == "Network.requestWillBeSent":
                out.requests.append(str(params.get("request", {}).get("url")))
        return out
    finally:
        session.close()
