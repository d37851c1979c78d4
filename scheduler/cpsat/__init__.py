"""The only package that imports ortools: the CP-SAT model of a plan and its solve loop."""

from .solve import SolveOptions, solve

__all__ = ["SolveOptions", "solve"]
