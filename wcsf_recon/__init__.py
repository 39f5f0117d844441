"""wcsf-recon: keep a WhatConverts account and a Salesforce org in agreement, in batch.

Names are imported on first use (PEP 562), so `import wcsf_recon` stays light: the Salesforce
client (simple-salesforce, zeep), the charts (matplotlib) and the sandbox load only when used.
`wcsf_recon.push` is the push subpackage; the notebook's push function is `wcsf_recon.push_plan`.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Config, OpportunityFilter
    from .errors import ConfigError, InputError, WcsfError
    from .match.explain import plot_waterfall
    from .match.model_settings import ModelSettings
    from .match.saved_model import load_weights
    from .normalize import NormalizedSnapshot, normalize_snapshot
    from .plan import Plan
    from .profile import profile_snapshot
    from .push import PushResult, PushSettings, push_plan
    from .reconcile import Reconciliation, reconcile
    from .review import ReviewSession, evaluate_labels, read_decisions
    from .simulate import apply_plan
    from .tables.snapshot import Snapshot, read_snapshot, write_snapshot

_WHERE = {
    "Config": "config",
    "OpportunityFilter": "config",
    "ConfigError": "errors",
    "InputError": "errors",
    "WcsfError": "errors",
    "plot_waterfall": "match.explain",
    "ModelSettings": "match.model_settings",
    "load_weights": "match.saved_model",
    "NormalizedSnapshot": "normalize",
    "normalize_snapshot": "normalize",
    "Plan": "plan",
    "profile_snapshot": "profile",
    "PushResult": "push",
    "PushSettings": "push",
    "push_plan": "push",
    "Reconciliation": "reconcile",
    "reconcile": "reconcile",
    "ReviewSession": "review",
    "evaluate_labels": "review",
    "read_decisions": "review",
    "apply_plan": "simulate",
    "Snapshot": "tables.snapshot",
    "read_snapshot": "tables.snapshot",
    "write_snapshot": "tables.snapshot",
}
__all__ = [
    "Config",
    "ConfigError",
    "InputError",
    "ModelSettings",
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
    "load_weights",
    "normalize_snapshot",
    "plot_waterfall",
    "profile_snapshot",
    "push_plan",
    "read_decisions",
    "read_snapshot",
    "reconcile",
    "write_snapshot",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # the next look-up is a plain attribute
        return value
    if importlib.util.find_spec(f"{__name__}.{name}") is not None:  # a submodule, e.g. `wcsf_recon.push`
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


class _Package(types.ModuleType):
    """Keeps `wcsf_recon.reconcile` the function when the submodule of that name is imported first.

    Importing `wcsf_recon.reconcile` (as `attribution` does) binds the submodule on the package,
    which would shadow the lazily imported function of the same name: `wr.reconcile(snap)` then
    raised "'module' object is not callable" in a notebook that imported `attribution` first.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _WHERE.get(name) == name and hasattr(value, name):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
