"""Progress bars for the CLI: one rich bar per kind of work (WhatConverts pages, Salesforce objects, push batches).

The stages report `(what, done, total)` through a plain callback, so the CLI draws rich bars and
notebooks tqdm.auto ones (`wcsf_recon.push.tqdm_progress`) from the same calls. Bars go to stderr
and vanish when output is not a terminal (rich's default), so piped output and logs stay clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Progress = Callable[[str, int, int], None]  # (what, done, total)


@contextmanager
def rich_bars(enabled: bool = True) -> Iterator[Progress | None]:
    """A progress callback drawing rich bars while the block runs (None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    bars = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def update(what: str, done: int, total: int) -> None:
        if what not in tasks:
            tasks[what] = bars.add_task(what, total=total)
        bars.update(tasks[what], completed=done, total=total)

    with bars:
        yield update
