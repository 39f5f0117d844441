"""Result objects read well in a REPL and in Jupyter; the HTML report's labels say what each number counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wcsf_recon import PushResult, reconcile
from wcsf_recon.html_report import build_report


@pytest.fixture(scope="module")
def recon(sample_snapshot):
    return reconcile(sample_snapshot)


def test_short_repr_and_html_for_every_result(sample_snapshot, recon) -> None:
    push = PushResult(applied=False, planned={"salesforce_creates": 448}, remaining={"salesforce_creates": 448})
    objects = {"Snapshot": sample_snapshot, "Plan": recon.plan, "MatchResult": recon.match, "PushResult": push}
    for name, obj in objects.items():
        text = repr(obj)
        assert text.startswith(name) and len(text) < 300 and "\n" not in text, text
        html = obj._repr_html_()
        assert html.startswith((f"<b>{name}", "<b>Push")) and "<table" in html
    assert "salesforce_lead_creates=448" in repr(recon.plan)
    assert "review_clusters=76" in repr(recon.match)
    assert "<td style='text-align:right'>3,200</td>" in sample_snapshot._repr_html_()


def test_python_call_writes_report_html(recon, tmp_path: Path) -> None:
    path = recon.write_report(tmp_path / "out")
    assert path == tmp_path / "out" / "report.html"
    text = path.read_text()
    assert text.count("data:image/png;base64,") == 7 and (tmp_path / "out" / "reports" / "review_queue.csv").exists()


def test_report_cards_one_name_one_number(recon) -> None:
    page = build_report(recon)
    cards = {label: value for value, label in re.findall(r"<div class='card'><b>([^<]*)</b>([^<]*)</div>", page)}
    # the by-source table's won_deals column sums to the card's number
    table = page[page.index("<h2>By source</h2>") : page.index("<h2>Reconciliation</h2>")]
    header = re.findall(r"<th>([^<]*)</th>", table)
    column = header.index("won_deals")
    rows = re.findall(r"<tr>\s*((?:<td>[^<]*</td>\s*)+)</tr>", table)
    won = sum(int(re.findall(r"<td>([^<]*)</td>", r)[column].replace(",", "")) for r in rows)
    assert cards["won deals"] == f"{won:,}" == "208"
    queue = recon.reports["review_queue"]
    people, rows = queue["cluster"].nunique(), len(queue)  # counted here, not by the code under test
    assert 0 < people < rows  # the sample has clusters with several candidates: the two counts differ
    assert cards["people to review"] == f"{people:,}" and recon.people_to_review() == people
    assert "in the review queue" not in cards  # people, not the candidate rows of review_queue.csv
    summary = recon.summary().set_index("item")["count"]
    assert summary["people to review"] == people and summary["review_queue"] == rows
    leads_label = next(label for label in cards if label.startswith("leads ("))
    assert cards[leads_label] == "3,055" and "145 spam or duplicates left out of 3,200" in leads_label


def test_reconcile_stays_callable_when_its_submodule_is_imported_first() -> None:
    import subprocess
    import sys

    code = "import wcsf_recon as wr\nfrom wcsf_recon import attribution\nassert callable(wr.reconcile), wr.reconcile"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
