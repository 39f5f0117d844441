"""`wcsf-recon review` in a terminal: the same ReviewSession, answered with keys (rich prompt), resumable."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.prompt import Prompt
from rich.table import Table

from .session import ReviewSession

KEYS = "1-9 same as candidate N · dN different from candidate N · c create · s skip · q quit"


def _table(frame: pd.DataFrame, title: str, numbered: bool = False) -> Table:
    table = Table(title=title, title_justify="left")
    if numbered:
        table.add_column("#", justify="right")
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for n, row in enumerate(frame.itertuples(index=False), start=1):
        cells = ["" if pd.isna(v) else str(v) for v in row]
        table.add_row(*([str(n)] if numbered else []), *cells)
    return table


def review_in_terminal(session: ReviewSession, console: Console | None = None) -> int:
    """Walk the pending clusters; each answer is written at once. Returns how many answers were recorded."""
    console = console or Console()
    queue = session.pending()
    recorded = 0
    console.print(f"{len(queue)} clusters to review; answers go to {session.path}. Keys: {KEYS}")
    at = 0
    while at < len(queue):
        ids = queue[at]
        item = session.item(ids)
        console.rule(f"cluster {at + 1} of {len(queue)}: {item.reason}")
        console.print(_table(item.leads, "WhatConverts leads"))
        shown = item.candidates.drop(columns=["matched_id"], errors="ignore")
        console.print(_table(shown, "Salesforce candidates", numbered=True) if len(shown) else "no candidates")
        key = Prompt.ask("answer", console=console, default="s").strip().lower()
        n = len(item.candidates)
        if key == "q":
            break
        if key == "s":
            at += 1
            continue
        if key == "c":
            session.answer(ids, "create")
        elif key.isdigit() and 1 <= int(key) <= n:
            session.answer(ids, "same", item.candidates["candidate_id"].iloc[int(key) - 1])
        elif key.startswith("d") and key[1:].isdigit() and 1 <= int(key[1:]) <= n:
            session.answer(ids, "different", item.candidates["candidate_id"].iloc[int(key[1:]) - 1])
            recorded += 1
            if ids in session.pending():
                continue  # other candidates remain: ask again
            at += 1
            continue
        else:
            console.print(f"[red]not a key:[/] {key!r} ({KEYS})")
            continue
        recorded += 1
        at += 1
    console.print(f"recorded {recorded} answers in {session.path}")
    return recorded
