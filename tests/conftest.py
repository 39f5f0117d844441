"""Shared fixtures: the committed sample and small synthetic worlds."""

from __future__ import annotations

from pathlib import Path

import pytest

from wcsf_recon import read_snapshot
from wcsf_recon.synth import generate_world

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def sample_snapshot():
    return read_snapshot(SAMPLE)


@pytest.fixture(scope="session")
def small_world():
    return generate_world(300, seed=11)


@pytest.fixture(scope="session")
def sample_sandbox(sample_snapshot):
    """Both APIs serving the committed sample, started once per test session."""
    from wcsf_recon.sandbox import Sandbox

    with Sandbox(sample_snapshot) as box:
        yield box
