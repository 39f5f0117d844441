"""Short text and HTML renderings for the result objects: counts, not 8 kB of DataFrames, in a REPL or Jupyter."""

from __future__ import annotations

import html
from collections.abc import Mapping


def counts_repr(name: str, counts: Mapping[str, object]) -> str:
    """`Name(a=1,234, b=5)`: one line."""
    parts = ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in counts.items())
    return f"{name}({parts})"


def counts_html(name: str, counts: Mapping[str, object], note: str = "") -> str:
    """A small two-column table with a bold title, for `_repr_html_`."""
    rows = "".join(
        f"<tr><td style='text-align:left'>{html.escape(str(k))}</td>"
        f"<td style='text-align:right'>{f'{v:,}' if isinstance(v, int) else html.escape(str(v))}</td></tr>"
        for k, v in counts.items()
    )
    tail = f"<p>{html.escape(note)}</p>" if note else ""
    return f"<b>{html.escape(name)}</b><table>{rows}</table>{tail}"
