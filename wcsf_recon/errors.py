"""Exceptions a user sees. Each renders as one line that says what to fix, never a traceback."""

from __future__ import annotations


class WcsfError(Exception):
    """Base class for every error wcsf-recon reports to a user."""


class InputError(WcsfError):
    """A file the user gave us cannot be read as it stands.

    The message names the file, the column and the first offending row (1-based data row,
    the header not counted) so the user can open the file and fix it.
    """

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        column: str | None = None,
        row: int | None = None,
        value: object | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.column = column
        self.row = row
        self.value = value
        where = []
        if column is not None:
            where.append(f"column '{column}'")
        if row is not None:
            where.append(f"row {row}")
        if value is not None:
            shown = str(value)
            if len(shown) > 60:
                shown = shown[:57] + "..."
            where.append(f"value {shown!r}")
        suffix = f" ({', '.join(where)})" if where else ""
        super().__init__(f"{self.path}: {problem}{suffix}")


class ConfigError(WcsfError):
    """The configuration names an unknown key or a value outside what is allowed."""


class StorageError(WcsfError):
    """A file the toolkit keeps (journal, state) could not be written: disk full, read-only folder."""
