"""The plan: the changes to make on both sides, as DataFrames. The only thing `push` executes."""

from .build import Plan, build_plan, check_plan_folder

__all__ = ["Plan", "build_plan", "check_plan_folder"]
