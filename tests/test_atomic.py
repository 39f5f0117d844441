"""Atomic writes: a crash mid-write leaves the previous file readable (extract cache, report.html, JSON state)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from wcsf_recon import Config, reconcile, write_snapshot
from wcsf_recon.atomic import atomic_path, write_json, write_text
from wcsf_recon.extract import SalesforceState
from wcsf_recon.html_report import write_report
from wcsf_recon.sandbox import Sandbox

SINCE = datetime(2024, 1, 1, tzinfo=UTC)

# Runs a command in a child process whose writes of `what` are cut off half-way by a hard exit:
# the file on disk holds half its bytes when the process dies, as after kill -9 or a power cut.
DIE_MID_WRITE = textwrap.dedent(
    """
    import os, sys, pathlib
    import pandas as pd
    import pyarrow.parquet as pq

    def die_half_way(path):
        if sys.argv[2] not in pathlib.Path(path).as_posix():  # only the file under test
            return
        data = pathlib.Path(path).read_bytes()
        with open(path, "wb") as fh:
            fh.write(data[: len(data) // 2])
        os._exit(9)

    real_parquet, real_write_bytes = pd.DataFrame.to_parquet, pathlib.Path.write_bytes
    real_write_table, real_write_text = pq.write_table, pathlib.Path.write_text

    def to_parquet(self, path, *args, **kwargs):
        real_parquet(self, path, *args, **kwargs)
        die_half_way(path)

    def write_table(table, path, *args, **kwargs):
        real_write_table(table, path, *args, **kwargs)
        die_half_way(path)

    def write_bytes(self, data):
        real_write_bytes(self, data)
        die_half_way(self)

    def write_text(self, data, *args, **kwargs):
        real_write_text(self, data, *args, **kwargs)
        die_half_way(self)

    what = sys.argv[1]
    if what == "parquet":
        pd.DataFrame.to_parquet, pq.write_table = to_parquet, write_table
    else:
        pathlib.Path.write_bytes, pathlib.Path.write_text = write_bytes, write_text
    from wcsf_recon.cli import app
    app(sys.argv[3:], standalone_mode=False)
    """
)


def _die_mid_write(what: str, name: str, *args: str) -> int:
    """Run `wcsf-recon ARGS`, dying half-way through writing the file whose name contains `name`."""
    done = subprocess.run([sys.executable, "-c", DIE_MID_WRITE, what, name, *args], capture_output=True, timeout=300)
    return done.returncode


def test_atomic_path_keeps_the_old_file_when_the_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    write_json(target, {"old": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text('{"new": ')  # half a document, then the writer fails
        raise RuntimeError("disk gone")
    assert target.read_text() == '{"old": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]  # no temporary file left
    write_text(target, "é\n")
    assert target.read_text(encoding="utf-8") == "é\n" and oct(target.stat().st_mode & 0o777) != "0o600"


def test_secret_files_get_owner_only_permissions(tmp_path: Path) -> None:
    write_text(tmp_path / "sandbox.env", "WC_API_SECRET=x\n", mode=0o600)
    assert (tmp_path / "sandbox.env").stat().st_mode & 0o777 == 0o600


def test_a_crash_while_writing_the_extract_cache_leaves_the_last_cache_readable(small_world, tmp_path: Path) -> None:
    with Sandbox(small_world.snapshot) as box:
        env = tmp_path / "s.env"
        env.write_text(box.env_text())
        state = tmp_path / "state"
        args = ["extract", "--env-file", str(env), "--state-dir", str(state), "--since", "2024-01-01"]
        assert _die_mid_write("none", "<no file>", *args, "--out", str(tmp_path / "first")) == 0
        cache = SalesforceState(state / "salesforce", "Lead")
        before = cache.parts.frame("Id")
        assert len(before) and len(cache.parts.files()) == 1
        # the next run dies half-way through writing its first Lead page (the partition after the first)
        assert _die_mid_write("parquet", "salesforce/Lead/parts/", *args, "--out", str(tmp_path / "second")) == 9
        assert len(cache.parts.files()) == 1  # the half-written page never became a partition
        pd.testing.assert_frame_equal(cache.parts.frame("Id"), before)  # the stored table, whole
        assert _die_mid_write("none", "<no file>", *args, "--out", str(tmp_path / "third")) == 0  # the next run works


def test_a_crash_while_writing_report_html_leaves_the_previous_report(small_world, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = write_report(reconcile(small_world.snapshot, Config()), out)
    before = report.read_text(encoding="utf-8")
    assert before.rstrip().endswith("</html>")
    snapshot = write_snapshot(small_world.snapshot, tmp_path / "snapshot")  # 300 people: what is cut is one file
    code = _die_mid_write("text", "report.html", "report", "--snapshot", str(snapshot), "--out", str(out))
    assert code == 9  # the child died writing
    assert report.read_text(encoding="utf-8") == before
    assert os.path.getsize(report) == len(before.encode("utf-8"))
