"""The registry of problem kinds: one module per kind, one line per kind here.

A kind is its fields (a pydantic model), `solve(problem) -> Solution` (steps as data), `confirm(problem,
solution)` (an independent computation of every answer, sharing no code with the solver) and a template
partial `templates/kinds/NAME.tex`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pydantic import BaseModel


@dataclass(frozen=True)
class Kind:
    name: str
    fields: type[BaseModel]
    solve: Callable  # (Problem) -> Solution
    confirm: Callable  # (Problem, Solution) -> list[str]: what was confirmed; raises VerificationError
    template: str
    describe: Callable | None = None  # (Problem) -> LaTeX: the task in words, when the spec has no statement
    context: Callable | None = None  # (Problem) -> reader.Context: what the names on the page mean


def _registry() -> dict[str, Kind]:
    from . import backprop, conv_output_shape, gradient, gradient_step, matrix_gradient, network_shapes

    kinds = [gradient.KIND, matrix_gradient.KIND, backprop.KIND, gradient_step.KIND, conv_output_shape.KIND,
             network_shapes.KIND]
    return {k.name: k for k in kinds}


KINDS: dict[str, Kind] = _registry()
