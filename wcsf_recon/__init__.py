"""wcsf-recon: keep a WhatConverts account and a Salesforce org in agreement, in batch."""

from .config import Config, OpportunityFilter
from .errors import ConfigError, InputError, WcsfError
from .normalize import NormalizedSnapshot, normalize_snapshot
from .plan import Plan
from .profile import profile_snapshot
from .push import PushResult, PushSettings
from .push import push_plan as push
from .reconcile import Reconciliation, reconcile
from .review import ReviewSession, evaluate_labels, read_decisions
from .simulate import apply_plan
from .snapshot import Snapshot, read_snapshot, write_snapshot

__all__ = [
    "Config",
    "ConfigError",
    "InputError",
    "NormalizedSnapshot",
    "OpportunityFilter",
    "Plan",
    "PushResult",
    "PushSettings",
    "Reconciliation",
    "ReviewSession",
    "Snapshot",
    "WcsfError",
    "apply_plan",
    "evaluate_labels",
    "normalize_snapshot",
    "profile_snapshot",
    "push",
    "read_decisions",
    "read_snapshot",
    "reconcile",
    "write_snapshot",
]
__version__ = "0.1.0"
