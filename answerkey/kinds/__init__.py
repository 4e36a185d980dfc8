"""The registry of problem kinds: every folder here that holds a kind.

A kind is one folder, `answerkey/kinds/NAME/`:

    __init__.py    KIND = Kind(NAME, fields, solve, confirm, describe, context)
                   (optional: values=, a where: condition's own names such as a graph's nodes;
                   entries=, the keys a mapping field takes, for --set)
    fields.py      its fields (a pydantic model) and the spec read into mathematical objects
    solve.py       solve(problem) -> Solution: the steps as data; describe(problem): the task in words
    confirm.py     confirm(problem, solution): every answer computed another way (no code shared with solve.py)
    rules.py       its own rules, each a name and its wording (optional; answerkey/rules.py holds the shared
                   ones): the registry imports it, which puts them in the one table of rules
    template.tex   its template partial (optional: the shared templates/kind.tex otherwise)
    example.yaml   an example spec, built by the tests
    cases.yaml     its tests' data: problems and the answers (or the errors) they must give

The registry finds the folders; nothing else lists the kinds.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pydantic import BaseModel

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Kind:
    name: str
    fields: type[BaseModel]
    solve: Callable  # (Problem) -> Solution
    confirm: Callable  # (Problem, Solution) -> list[str]: what was confirmed; raises VerificationError
    describe: Callable | None = None  # (Problem) -> LaTeX: the task in words, when the spec has no statement
    context: Callable | None = None  # (Problem) -> reader.Context: what the names on the page mean
    after: bool = False  # answers with the answers of the problems before it (refs.py): solved after them
    values: Callable | None = None  # (Problem) -> {name: number}: its own values that where: may name (node.q)
    entries: Callable | None = None  # (raw problem, path) -> the keys a mapping at path takes, or None: any

    @property
    def template(self) -> str:
        """The template partial's name: the folder's template.tex, or the shared default (render.py)."""
        return f"kinds/{self.name}.tex"


def _registry() -> dict[str, Kind]:
    kinds = {}
    for info in sorted(pkgutil.iter_modules([str(FOLDER)]), key=lambda m: m.name):
        if info.ispkg:
            if (FOLDER / info.name / "rules.py").is_file():  # the kind's own rules join the table of rules
                importlib.import_module(f"{__name__}.{info.name}.rules")
            kind = importlib.import_module(f"{__name__}.{info.name}").KIND
            assert kind.name == info.name, f"the kind in kinds/{info.name}/ is called {kind.name}"
            kinds[kind.name] = kind
    return kinds


KINDS: dict[str, Kind] = _registry()
