"""The `wcsf-recon` program (`cli.program`): it leaves without tearing down its heap, and loses nothing doing so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from wcsf_recon import Config, reconcile, write_snapshot
from wcsf_recon.tables.export import read_safe_csv


def _program(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wcsf_recon", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_reconcile_outputs_are_whole_when_the_program_ends(tmp_path: Path, small_world) -> None:
    snap = write_snapshot(small_world.snapshot, tmp_path / "snap")
    out = tmp_path / "out"
    done = _program("reconcile", "--snapshot", str(snap), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "wrote links.csv" in done.stdout  # the summary printed before the fast exit reached the pipe
    expected = reconcile(small_world.snapshot, Config())
    links = read_safe_csv(out / "links.csv")
    assert len(links) == len(expected.links) > 0
    assert links["wc_lead_id"].tolist() == expected.links["wc_lead_id"].astype("str").tolist()
    for name, frame in expected.reports.items():
        written = pd.read_csv(out / "reports" / f"{name}.csv", dtype="str")
        assert len(written) == len(frame), name
    assert (out / "reports" / "reconciliation.xlsx").stat().st_size > 0
    assert not list(out.rglob(".*.tmp*")), "a temporary file was left behind"


def test_exit_status_and_message_survive_the_fast_exit(tmp_path: Path) -> None:
    missing = _program("reconcile", "--snapshot", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2
    assert "snapshot folder not found" in missing.stderr + missing.stdout
    unknown = _program("no-such-command")
    assert unknown.returncode == 2
    assert "No such command" in unknown.stderr


def test_an_idle_thread_pool_does_not_hold_the_exit() -> None:
    """A library's pool left open (its idle worker a non-daemon thread) is stopped as the interpreter would."""
    script = (
        "import sys, concurrent.futures as cf\n"
        "pool = cf.ThreadPoolExecutor(1)\n"
        "pool.submit(print, 'worked', flush=True).result()\n"
        "sys.argv = ['wcsf-recon', '--help']\n"
        "from wcsf_recon.cli import program\n"
        "program()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("worked") and "reconcile" in done.stdout


def test_the_program_runs_without_transparent_huge_pages() -> None:
    """The kernel's own record of the program process: huge pages off (zeroing them cost 6 s at 1M people)."""
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print([l for l in open('/proc/self/status') if l.startswith('THP_enabled')]))\n"
        "sys.argv = ['wcsf-recon', '--help']\n"
        "from wcsf_recon.cli import program\n"
        "program()\n"
    )
    before = subprocess.run(
        [sys.executable, "-c", "print([l for l in open('/proc/self/status') if l.startswith('THP_enabled')])"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "THP_enabled:\\t1" in before.stdout  # an ordinary Python process has them
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "THP_enabled:\\t0" in done.stdout
