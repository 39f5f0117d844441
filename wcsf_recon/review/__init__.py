"""Review decisions that stick: answer the review queue once; every later run honours and measures by it.

- `decisions`: the decisions file (`decisions.csv`) and the spreadsheet import;
- `apply`: honouring decisions in `reconcile` (after classification, before planning);
- `session`, `widget`, `terminal`: reviewing one cluster at a time in Python, a notebook, a terminal;
- `labels`: `evaluate_labels`, auto-link samples, Wilson intervals;
- `diagnostics`: score histograms per rule and the review queue over runs.
"""

from .apply import ReviewOutcome, apply_decisions, candidate_table
from .decisions import (
    COLUMNS,
    DECISIONS_FILE,
    append_decisions,
    decision_row,
    import_review_file,
    read_decisions,
)
from .labels import LabelEvaluation, evaluate_labels, sample_auto_links, wilson
from .session import ReviewItem, ReviewSession

__all__ = [
    "COLUMNS",
    "DECISIONS_FILE",
    "LabelEvaluation",
    "ReviewItem",
    "ReviewOutcome",
    "ReviewSession",
    "append_decisions",
    "apply_decisions",
    "candidate_table",
    "decision_row",
    "evaluate_labels",
    "import_review_file",
    "read_decisions",
    "sample_auto_links",
    "wilson",
]
