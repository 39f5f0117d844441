"""A notebook widget (ipywidgets) walking a ReviewSession: leads and candidates side by side, one-click answers."""

from __future__ import annotations

import html
from typing import Any

from .session import ReviewSession


def _table(frame: Any) -> str:
    return frame.to_html(index=False, escape=True, na_rep="", border=0)


def review_widget(session: ReviewSession) -> Any:
    """An ipywidgets box: the current cluster's leads and candidates, a `same` button per candidate,
    `different` per candidate, `create` and `skip`; each click appends to the decisions file."""
    try:
        import ipywidgets as w  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - the notebook extra
        raise ImportError("the review widget needs ipywidgets: pip install 'wcsf-recon[notebook]'") from exc

    queue = session.pending()
    state = {"at": 0}
    header, body, buttons = w.HTML(), w.HTML(), w.VBox()
    note = w.Text(placeholder="note (optional)", layout=w.Layout(width="60%"))
    log = w.HTML()

    def show() -> None:
        if state["at"] >= len(queue):
            header.value = f"<b>Done</b>: {len(queue)} clusters walked; answers in {html.escape(str(session.path))}"
            body.value, buttons.children = "", ()
            return
        item = session.item(queue[state["at"]])
        header.value = (
            f"<b>Cluster {state['at'] + 1} of {len(queue)}</b> — leads {html.escape(item.wc_lead_ids)}"
            f"<br><i>{html.escape(item.reason)}</i>"
        )
        body.value = (
            "<div style='display:flex;gap:1em'><div><b>WhatConverts</b>"
            + _table(item.leads)
            + "</div><div><b>Salesforce candidates</b>"
            + (_table(item.candidates) if len(item.candidates) else "<p>none</p>")
            + "</div></div>"
        )
        rows = []
        for candidate in item.candidates["candidate_id"]:
            same = w.Button(description=f"same {candidate}", button_style="success", layout=w.Layout(width="auto"))
            different = w.Button(description=f"different {candidate}", layout=w.Layout(width="auto"))
            same.on_click(lambda _b, c=candidate: record("same", c))
            different.on_click(lambda _b, c=candidate: record("different", c))
            rows.append(w.HBox([same, different]))
        create = w.Button(description="create new Lead", button_style="warning")
        skip = w.Button(description="skip")
        create.on_click(lambda _b: record("create", None))
        skip.on_click(lambda _b: advance())
        buttons.children = (*rows, w.HBox([create, skip]))

    def record(decision: str, candidate: str | None) -> None:
        ids = queue[state["at"]]
        session.answer(ids, decision, candidate, note.value)
        log.value = f"recorded: {html.escape(decision)} {html.escape(candidate or '')} for {html.escape(ids)}"
        note.value = ""
        if decision != "different" or ids not in session.pending():
            advance()
        else:
            show()

    def advance() -> None:
        state["at"] += 1
        show()

    show()
    box = w.VBox([header, body, buttons, note, log])
    box.add_class("wcsf-review")
    return box
