"""Headless Chromium (Debian ``chromium``) for the report's browser tests.

Nothing leaves the machine: every host resolves to nothing and the proxy is a closed
port. Requests are still *attempted* and recorded in Chromium's NetLog, where the page's
own requests (initiator ``null``: the opaque origin of a ``file://`` page) differ from
the browser's background traffic (initiator ``not an origin``).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

#: Install line for Debian (root): what the test setup runs.
INSTALL = "apt-get update && apt-get install -y chromium"

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--proxy-server=127.0.0.1:9",
         "--host-resolver-rules=MAP * ~NOTFOUND")

#: Appended to a *copy* of the page: records how many images loaded (the report itself
#: has no script).
IMAGE_PROBE = ("<script>window.addEventListener('load',()=>{const i=[...document.images];"
               "document.body.setAttribute('data-images',i.length+':'+i.filter("
               "x=>x.complete&&x.naturalWidth>0).length)})</script>")


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args: list[str], folder: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([executable(), *FLAGS, f"--user-data-dir={folder / 'profile'}",
                           *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself requested, from a Chromium NetLog file."""
    data = json.loads(netlog.read_text())
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    events = [e.get("params", {}) for e in data["events"] if e["type"] == start]
    return [p["url"] for p in events if "url" in p and p.get("initiator") != "not an origin"
            and not p["url"].startswith(("file:", "data:"))]


def load(page: Path, folder: Path) -> tuple[str, list[str]]:
    """Load ``page`` (with :data:`IMAGE_PROBE` added) and return the DOM after load and
    the URLs the page requested."""
    probed = folder / "probed.html"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>",
                                                               IMAGE_PROBE + "</body>"))
    netlog = folder / "netlog.json"
    done = _run([f"--log-net-log={netlog}", "--virtual-time-budget=10000", "--dump-dom",
                 probed.as_uri()], folder)
    return done.stdout, page_requests(netlog)


def screenshot(page: Path, png: Path, folder: Path, size: tuple[int, int]) -> None:
    """Screenshot of ``page`` at ``size`` (width, height) into ``png``."""
    _run([f"--screenshot={png}", f"--window-size={size[0]},{size[1]}",
          "--virtual-time-budget=10000", page.as_uri()], folder)
