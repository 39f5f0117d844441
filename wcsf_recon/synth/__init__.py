"""Synthetic WhatConverts + Salesforce worlds with ground truth, for tests, demos and benchmarks."""

from .io import read_truth, write_world
from .world import World, generate_world

__all__ = ["World", "generate_world", "read_truth", "write_world"]
