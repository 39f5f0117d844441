"""The notebook widget's buttons record answers through ReviewSession (clicked headless, no browser)."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets  # the notebook extra; dev installs it

from wcsf_recon import reconcile
from wcsf_recon.review import ReviewSession, read_decisions
from wcsf_recon.synth import generate_world


def _buttons(box) -> dict[str, object]:
    found: dict[str, object] = {}

    def walk(widget) -> None:
        if isinstance(widget, widgets.Button):
            found[widget.description] = widget
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(box)
    return found


def test_clicks_record_answers_and_advance(tmp_path: Path) -> None:
    from wcsf_recon.review.widget import review_widget

    recon = reconcile(generate_world(300, seed=4040).snapshot)
    session = ReviewSession(recon, tmp_path / "decisions.csv", who="fran")
    box = review_widget(session)
    first, second = session.pending()[:2]
    header = box.children[0]
    assert "Cluster 1 of" in header.value
    candidate = session.item(first).candidates["candidate_id"].iloc[0]
    _buttons(box)[f"same {candidate}"].click()
    assert "Cluster 2 of" in header.value and first not in session.pending()
    _buttons(box)["create new Lead"].click()
    answers = read_decisions(tmp_path / "decisions.csv")
    assert answers[["wc_lead_ids", "candidate_id", "decision", "who"]].values.tolist() == [
        [first, candidate, "same", "fran"],
        [second, "new", "create", "fran"],
    ]
    _buttons(box)["skip"].click()
    assert "Cluster 4 of" in header.value and len(read_decisions(tmp_path / "decisions.csv")) == 2
