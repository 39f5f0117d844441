"""Normalization of phones, emails and names: vectorized, cached by distinct value."""

from .emails import canonical_emails, normalize_emails
from .frame import NormalizedSnapshot, normalize_snapshot, quality_report
from .names import first_name_scores, fold_names, last_name_scores, parse_caller_names, split_person_names
from .phones import normalize_phones

__all__ = [
    "NormalizedSnapshot",
    "canonical_emails",
    "first_name_scores",
    "fold_names",
    "last_name_scores",
    "normalize_emails",
    "normalize_phones",
    "normalize_snapshot",
    "parse_caller_names",
    "quality_report",
    "split_person_names",
]
