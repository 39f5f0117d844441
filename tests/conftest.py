"""Shared fixtures: the committed sample and small synthetic worlds."""

from __future__ import annotations

from pathlib import Path

import pytest

from wcsf_recon import read_snapshot
from wcsf_recon.synth import generate_world

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

# The longest tests (`make test` lists them), started first. `make test` hands out whole files
# (`--dist loadfile`: a module's costly fixtures, such as a reconciled 3,000-person world, are
# built once, on one worker) in collection order (`--no-loadscope-reorder`); a file whose long
# test was collected last would run alone at the end while the other worker idles.
LONGEST_FIRST = (
    "test_soak.py::",
    "test_push.py::test_kill_minus_9_at_random_points_then_resume",
    "test_run.py::test_fault_matrix_ends_clearly_and_resumes_to_the_same_state",
    "test_match_settings.py::test_scheduled_runs_reuse_the_last_runs_weights",
    "test_atomic.py::test_a_crash_while_writing_report_html_leaves_the_previous_report",
    "test_hostile_corpus.py::test_hostile_corpus_runs_to_the_clean_end_state_and_every_file_round_trips",
    "test_review_loop.py::test_review_loop_on_the_sandbox",
    "test_run.py::test_dry_run_then_apply_then_nothing_left",
    "test_extract_sandbox.py::test_a_backlog_bigger_than_the_day_finishes_in_the_minimum_days",
    "test_report_browser.py::",
    "test_notebooks.py::",
)


@pytest.hookimpl(trylast=True)  # after pytest's own grouping by fixture, which it would otherwise undo
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, key in enumerate(LONGEST_FIRST) if key in item.nodeid), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: every other test keeps its place


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
