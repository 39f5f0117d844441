"""The HTML report rendered in headless Chromium: it loads, shows its charts, logs no console error.

Chromium comes from Debian's `chromium` package; `make test` installs it when it is missing.
The screenshot is written to out/report-screenshot.png for a human to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from wcsf_recon import reconcile
from wcsf_recon.html_report import write_report

from .conftest import ROOT

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is not installed: `make test` installs Debian's chromium package"
    return found


def test_report_is_self_contained_and_renders(sample_snapshot, tmp_path: Path) -> None:
    page = write_report(reconcile(sample_snapshot), tmp_path / "out")
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text.replace("https://www.example-plumbing.com", "")
    assert len(re.findall(r"<img alt='[^']+' src='data:image/png;base64,", text)) == 7
    assert (tmp_path / "out" / "reports" / "reconciliation.xlsx").exists()

    browser = _chromium()
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("data:image/png;base64,") == 7 and "Won revenue by source" in dom.stdout
    console_errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()]
    assert not console_errors and "Uncaught" not in dom.stderr

    screenshot = ROOT / "out" / "report-screenshot.png"
    screenshot.parent.mkdir(exist_ok=True)
    shot = subprocess.run(
        [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1200,3200",
            f"--screenshot={screenshot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.returncode == 0 and screenshot.stat().st_size > 50_000  # charts drawn, not a blank page
