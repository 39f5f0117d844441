"""What the README's commands leave behind: ignored by git; the sandbox's certificate and key removed when it stops."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "path",
    [
        "sandbox.env",
        "snap/manifest.json",
        ".wcsf-state/runs.sqlite",
        "runs/x/run.json",
        "out-live/links.csv",
        "match.toml",
        "waterfall.png",
    ],
)
def test_readme_command_outputs_are_ignored(path: str) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, capture_output=True)
    assert done.returncode == 0, f"{path} is not in .gitignore"


def test_sandbox_removes_its_certificate_and_key_when_killed(tmp_path: Path, small_world) -> None:
    from wcsf_recon import write_snapshot

    snap = write_snapshot(small_world.snapshot, tmp_path / "snap")
    env = tmp_path / "sandbox.env"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wcsf_recon", "sandbox", "--snapshot", str(snap), "--env-out", str(env)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not env.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert env.exists(), proc.stdout.read().decode() if proc.poll() is not None else "sandbox did not start"
        ca = Path(next(line.split("=", 1)[1] for line in env.read_text().splitlines() if line.startswith("WC_CA_FILE")))
        folder = ca.parent
        assert ca.exists() and (folder / "sandbox-key.pem").exists()
        proc.send_signal(signal.SIGTERM)  # what `kill %1` sends to `wcsf-recon sandbox ... &`
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not folder.exists(), sorted(p.name for p in folder.iterdir())


def test_first_make_demo_says_what_it_is_doing(tmp_path: Path) -> None:
    import shutil

    if shutil.which("make") is None:
        pytest.skip("no make")
    venv = tmp_path / "venv"  # a venv that does not exist yet: what a fresh clone's first `make demo` runs
    done = subprocess.run(["make", "-n", "demo", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    steps = done.stdout.splitlines()
    announced = [line for line in steps if line.startswith('echo "==> ')]
    assert len(announced) >= 4, done.stdout
    installs = [line for line in steps if "pip install" in line and ".[dev" in line]  # uv, and pip as the fallback
    assert installs and all("--quiet" not in line for line in installs)  # the installer lists what it installs
    assert any("uv pip install" in line for line in installs)
    assert any("--progress-bar on" in line for line in installs)  # pip, where uv cannot be installed, shows it too
    notebook = subprocess.run(
        ["make", "-n", "notebook", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert ".[notebook]" in notebook.stdout and "jupyter lab notebooks/" in notebook.stdout
