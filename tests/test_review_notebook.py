"""Notebook 03's review widget renders headless: a widget view in the executed output, the first cluster on screen.

tests/test_notebooks.py executes every notebook once (nbclient, a real kernel) and calls
`check_review_widget` on 03_unmatched_review, so the notebook is not run twice.
"""

from __future__ import annotations

import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def check_review_widget(nb: nbformat.NotebookNode) -> None:
    """Assert the executed notebook shows one review widget, no errors, the histogram and the answered cluster."""
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
    views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 1 and views[0]["data"][WIDGET_VIEW]["model_id"]
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    html = " ".join(str(m.get("state", {}).get("value", "")) for m in state.values())
    assert "Cluster 1 of" in html and "Salesforce candidates" in html  # the first cluster is on screen
    histogram = next(c for c in nb.cells if c.cell_type == "code" and "score_histogram(recon)" in c.source)
    assert sum("image/png" in o.get("data", {}) for o in histogram.outputs) == 1
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "clusters left to review" in printed
