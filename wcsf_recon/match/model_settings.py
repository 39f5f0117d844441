"""Match-model settings as data: blocking keys, comparisons and their levels, thresholds, margin.

One validated, serializable object (JSON or TOML a user can edit). Its `digest()` is stamped on
every link and into the run's manifest, so a result always says which settings made it. Every
level is a named, declarative test (`exact`, `jaro_winkler >= t`, `damerau <= k`, ...), so the same
settings can be compiled to SQL CASE expressions for DuckDB later, as splink does.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..errors import ConfigError

LEVEL_KINDS = ("exact", "nickname", "damerau", "jaro_winkler", "phonetic", "prefix", "initial", "swapped")
FIELDS = ("first", "last", "postal", "city", "state", "street")


@dataclass(frozen=True)
class Level:
    """One comparison level: `kind` with its `threshold` (unused for exact/nickname/phonetic/initial)."""

    kind: str
    threshold: float = 0.0

    @property
    def label(self) -> str:
        """A short readable name (`jaro_winkler>=0.92`)."""
        if self.kind == "jaro_winkler":
            return f"jaro_winkler>={self.threshold:g}"
        if self.kind in ("damerau", "prefix"):
            return f"{self.kind}<={self.threshold:g}" if self.kind == "damerau" else f"prefix {self.threshold:g}"
        return self.kind


@dataclass(frozen=True)
class Comparison:
    """A field compared through ordered levels; the first level that holds is the pair's level.

    Two further levels are implicit: `null` (either side missing, weight 0) and `else`.
    `tf_adjust`: an exact agreement on a rare value weighs more than one on a common value.
    """

    field: str
    levels: tuple[Level, ...]
    tf_adjust: bool = False


def _levels(*items: tuple[str, float] | str) -> tuple[Level, ...]:
    return tuple(Level(i) if isinstance(i, str) else Level(i[0], float(i[1])) for i in items)


DEFAULT_COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "first",
        _levels(
            "exact",
            "nickname",
            ("damerau", 1),
            ("jaro_winkler", 0.92),
            "phonetic",
            ("jaro_winkler", 0.85),
            "initial",
        ),
        tf_adjust=True,
    ),
    Comparison(
        "last", _levels("exact", ("damerau", 1), ("jaro_winkler", 0.92), "phonetic", ("jaro_winkler", 0.85)), True
    ),
    Comparison("postal", _levels("exact", ("damerau", 1))),
    Comparison("city", _levels("exact", ("damerau", 1), ("jaro_winkler", 0.88)), tf_adjust=True),
    Comparison("state", _levels("exact")),
    Comparison("street", _levels("exact", ("jaro_winkler", 0.92), ("jaro_winkler", 0.8))),
)
# record pairs considered: any rule whose fields are all equal (plus first letters via `first1`)
DEFAULT_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("last", "first1"),
    ("first", "last"),
    ("last", "postal"),
    ("first", "postal"),
    ("last", "city"),
    ("first", "city"),
    ("last_phonetic", "first1"),
    ("last_phonetic", "postal"),
    ("postal", "first1"),
    ("postal", "last1"),
    ("postal", "city"),
    ("last", "state"),
    ("first", "state"),
    ("city", "first1"),
    ("city", "last1"),
    ("swapped",),
)


@dataclass(frozen=True)
class ModelSettings:
    """Everything the probabilistic name/place model is told; the rest it learns from the snapshot.

    `link_weight` / `review_weight`: match weights (log2 Bayes factor plus prior) at which a pair
    auto-links or is queued for review. `margin_bits`: a rival within this many bits of the best
    is near-equal, so nothing is guessed. `household_extra_bits`: where Salesforce shows
    households (two first names under one surname and address for over 1% of them), a link
    needs this many bits more (a surname and an address say less there). `max_block_size`:
    blocking keys shared by more records than this are skipped (they say little and cost much).
    `max_leads`: above this many WhatConverts leads the model is not run (a user's cap; the default
    is above any account we measured: its pair work runs on DuckDB at every size). `random_pairs`, `em_pairs`,
    `em_iterations`: training sample sizes.
    """

    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS
    blocking: tuple[tuple[str, ...], ...] = DEFAULT_BLOCKING
    link_weight: float = 2.0
    review_weight: float = 2.0
    household_extra_bits: float = 4.0
    margin_bits: float = 4.0
    max_block_size: int = 25
    max_leads: int = 100_000_000
    random_pairs: int = 100_000
    em_pairs: int = 150_000
    em_iterations: int = 25
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON/TOML-ready)."""
        data = asdict(self)
        data["blocking"] = [list(b) for b in self.blocking]
        return data

    def digest(self) -> str:
        """Short stable hash of the settings (12 hex digits)."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "match settings") -> ModelSettings:
        """Validate and build; an unknown key, field or level kind, or a value of the wrong kind, is refused by name."""
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: match settings must be a table of keys, got {type(data).__name__}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
        values = dict(data)
        if "comparisons" in values:
            if not isinstance(values["comparisons"], list):
                raise ConfigError(f"{source}: comparisons = {values['comparisons']!r}: must be a list of tables")
            values["comparisons"] = tuple(_comparison(c, source) for c in values["comparisons"])
        if "blocking" in values:
            rules = values["blocking"]
            allowed = {*FIELDS, "first1", "last1", "last_phonetic", "swapped"}
            if not isinstance(rules, list) or not all(isinstance(r, list) and r for r in rules):
                raise ConfigError(f"{source}: blocking = {rules!r}: must be a list of lists of keys")
            for rule in rules:
                bad = [k for k in rule if k not in allowed]
                if bad:
                    raise ConfigError(
                        f"{source}: blocking key(s) {', '.join(map(repr, bad))} unknown; allowed: {sorted(allowed)}"
                    )
            values["blocking"] = tuple(tuple(r) for r in rules)
        for key in NUMBERS:
            if key not in values:
                continue
            value = values[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{source}: {key} = {value!r}: must be a number")
            values[key] = float(value)  # `3` and `3.0` are one setting, with one digest
        for key in COUNTS:
            value = values.get(key)
            if key in values and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ConfigError(f"{source}: {key} = {value!r}: must be a whole number of at least 1")
        if values.get("margin_bits", 1) <= 0:
            raise ConfigError(f"{source}: margin_bits = {values['margin_bits']!r}: must be above 0")
        if "extra" in values and not isinstance(values["extra"], dict):
            raise ConfigError(f"{source}: extra = {values['extra']!r}: must be a table")
        if values.get("review_weight", cls.review_weight) > values.get("link_weight", cls.link_weight):
            raise ConfigError(f"{source}: review_weight must not exceed link_weight")
        return cls(**values)

    @classmethod
    def load(cls, path: str | Path) -> ModelSettings:
        """Read settings from a .json or .toml file (keys left out keep their defaults)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except FileNotFoundError:
            raise ConfigError(f"{path}: match settings file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: match settings file cannot be read: {exc}") from None
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: {exc}") from None
        return cls.from_dict(data, str(path))

    def save(self, path: str | Path) -> Path:
        """Write the settings as TOML (a `.toml` name) or JSON (any other), for a user to edit and `load`."""
        path = Path(path)
        if path.suffix == ".toml":
            import tomli_w

            data = self.to_dict()
            blocking = "".join(f"    {json.dumps(rule)},\n" for rule in data.pop("blocking"))  # one rule a line
            for comparison in data["comparisons"]:  # a threshold only where the level kind reads one
                for level in comparison["levels"]:
                    if level["kind"] not in ("damerau", "jaro_winkler", "prefix"):
                        del level["threshold"]
            text = TOML_HEADER + f"blocking = [\n{blocking}]\n" + tomli_w.dumps(data)
        else:
            text = json.dumps(self.to_dict(), indent=2)
        write_text(path, text)
        return path


NUMBERS = ("link_weight", "review_weight", "margin_bits", "household_extra_bits")
COUNTS = ("max_block_size", "max_leads", "random_pairs", "em_pairs", "em_iterations")
TOML_HEADER = (
    "# wcsf-recon match model settings (README: The match model). Keys left out keep their defaults;\n"
    "# point [reconcile] match_settings at this file, or pass --match-settings FILE.\n\n"
)


def _comparison(raw: Any, source: str) -> Comparison:
    if not isinstance(raw, dict) or raw.get("field") not in FIELDS:
        raise ConfigError(f"{source}: each comparison needs a field, one of {', '.join(FIELDS)}; got {raw!r}")
    name = raw["field"]
    unknown = sorted(set(raw) - {"field", "levels", "tf_adjust"})
    if unknown:
        raise ConfigError(
            f"{source}: comparison {name}: unknown key(s) {', '.join(unknown)}; allowed: field, levels, tf_adjust"
        )
    if not isinstance(raw.get("tf_adjust", False), bool):
        raise ConfigError(f"{source}: comparison {name}: tf_adjust = {raw['tf_adjust']!r}: must be true or false")
    levels = []
    for item in raw.get("levels", []):
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in LEVEL_KINDS:
            raise ConfigError(f"{source}: comparison {name}: level kind {kind!r} not one of {', '.join(LEVEL_KINDS)}")
        threshold = item.get("threshold", 0.0)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ConfigError(f"{source}: comparison {name}: level {kind} threshold = {threshold!r}: must be a number")
        levels.append(Level(kind, float(threshold)))
    return Comparison(name, tuple(levels), raw.get("tf_adjust", False))
