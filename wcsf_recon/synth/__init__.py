"""Synthetic WhatConverts + Salesforce worlds with ground truth, for tests, demos and benchmarks."""

from .io import SNAPSHOT_FORMATS, read_truth, write_world
from .outside import MESS_PROFILES, Mess
from .world import World, generate_world

__all__ = ["MESS_PROFILES", "SNAPSHOT_FORMATS", "Mess", "World", "generate_world", "read_truth", "write_world"]
