"""The trained match model beside the outputs: `match_model.json`, written by every reconcile, reused by the next.

The file holds the settings, their digest and the weights learned from the snapshot. A later run
reuses those weights when its settings have the same digest (no retraining: the same evidence
weighs the same from run to run); changed settings, a deleted file or `--retrain` train afresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .fellegi_sunter import SWAP, Weights
from .model_settings import ModelSettings

MODEL_FILE = "match_model.json"
RETRAIN = "; delete the file or pass --retrain to train afresh"


def model_file(path: str | Path) -> Path:
    """`path` itself when it names a file, else `path/match_model.json`."""
    path = Path(path)
    return path / MODEL_FILE if path.is_dir() else path


def read_model_file(path: str | Path) -> tuple[ModelSettings, Weights | None]:
    """The settings and the weights (None when the model did not run) of a `match_model.json` or its folder."""
    file = model_file(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(file), "no trained match model here (reconcile writes one beside links.csv)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(file), f"cannot be read as JSON ({exc}){RETRAIN}") from None
    if not isinstance(data, dict) or not isinstance(data.get("settings"), dict):
        raise InputError(str(file), f"has no `settings` table{RETRAIN}")
    settings = ModelSettings.from_dict(data["settings"], f"{file} settings")
    raw = data.get("weights")
    return settings, None if raw is None else _weights(raw, settings, str(file))


def load_weights(path: str | Path) -> Weights | None:
    """Trained weights from an output folder (or its `match_model.json`); None when there is none to reuse.

    Pass them on as `reconcile(snapshot, config, weights=...)`: they are used when the config's
    match settings have the digest they were trained under, else the model retrains.
    """
    if not model_file(path).exists():
        return None
    return read_model_file(path)[1]


def latest_weights(runs_dir: str | Path) -> Weights | None:
    """The weights of the newest run folder under `runs_dir` that holds a `match_model.json` (None if none)."""
    runs = Path(runs_dir)
    folders = sorted((p.parent for p in runs.glob(f"*/{MODEL_FILE}")), reverse=True) if runs.is_dir() else []
    for folder in folders:  # run ids are UTC timestamps: sorted by name is sorted by time
        weights = load_weights(folder)
        if weights is not None:
            return weights
    return None


def level_names(settings: ModelSettings) -> dict[str, list[str]]:
    """Per comparison, the label of each weight index: `null`, the settings' levels in order, `else`."""
    names = {c.field: ["null", *(level.label for level in c.levels), "else"] for c in settings.comparisons}
    names[SWAP] = ["null", "swapped", "in order"]
    return names


def weights_table(settings: ModelSettings, weights: Weights) -> pd.DataFrame:
    """One row per comparison level: m (same person), u (by chance) and the bits an agreement there adds."""
    rows = []
    for name, labels in level_names(settings).items():
        bits = weights.bayes_factors(name)
        for index, label in enumerate(labels):
            rows.append(
                {
                    "comparison": name,
                    "level": label,
                    "m": weights.m[name][index],
                    "u": weights.u[name][index],
                    "bits": 0.0 if index == 0 else float(bits[index]),
                }
            )
    return pd.DataFrame(rows)


def _weights(raw: Any, settings: ModelSettings, source: str) -> Weights:
    """Weights from JSON, checked against the settings they were trained under (one level count per comparison)."""
    known = set(Weights.__dataclass_fields__)
    if not isinstance(raw, dict) or set(raw) - known:
        raise InputError(source, f"`weights` must be a table of {', '.join(sorted(known))}{RETRAIN}")
    expected = {name: len(labels) for name, labels in level_names(settings).items()}
    for key in ("m", "u"):
        table = raw.get(key)
        if not isinstance(table, dict) or set(table) != set(expected):
            raise InputError(source, f"weights.{key} must have one entry per comparison {sorted(expected)}{RETRAIN}")
        for name, values in table.items():
            ok = isinstance(values, list) and all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in values)
            if not ok or len(values) != expected[name]:
                raise InputError(
                    source,
                    f"weights.{key}.{name} must be {expected[name]} probabilities (one per level){RETRAIN}",
                    value=values,
                )
    prior = raw.get("prior")
    if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not 0 < prior < 1:
        raise InputError(source, f"weights.prior must be a probability between 0 and 1{RETRAIN}", value=prior)
    if raw.get("settings_digest") != settings.digest():
        raise InputError(
            source,
            f"weights were trained under settings {raw.get('settings_digest')!r} but the file's settings are "
            f"{settings.digest()!r}{RETRAIN}",
        )
    return Weights(**{**raw, "prior": float(prior)})
