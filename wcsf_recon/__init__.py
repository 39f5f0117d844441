"""wcsf-recon: keep a WhatConverts account and a Salesforce org in agreement, in batch."""

from .config import Config
from .errors import ConfigError, InputError, WcsfError
from .normalize import NormalizedSnapshot, normalize_snapshot
from .profile import profile_snapshot
from .snapshot import Snapshot, read_snapshot, write_snapshot

__all__ = [
    "Config",
    "ConfigError",
    "InputError",
    "NormalizedSnapshot",
    "Snapshot",
    "WcsfError",
    "normalize_snapshot",
    "profile_snapshot",
    "read_snapshot",
    "write_snapshot",
]
__version__ = "0.1.0"
