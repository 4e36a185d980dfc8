"""The registry of problem kinds: every folder here that holds a kind.

A kind is one folder, `answerkey/kinds/NAME/`:

    __init__.py    KIND = Kind(NAME, fields, solve, confirm, describe, context)
                   (optional: values=, a where: condition's own names such as a graph's nodes;
                   entries=, the keys a mapping field takes, for --set)
    fields.py      its fields (a pydantic model) and the spec read into mathematical objects
    solve.py       solve(problem) -> Solution: the steps as data; describe(problem): the task in words
    confirm.py     confirm(problem, solution): every answer computed another way (no code shared with solve.py)
    rules.py       its own rules, each a name and its wording (optional; answerkey/rules.py holds the shared
                   ones): the registry imports it with the kind, which puts them in the one table of rules
    template.tex   its template partial (optional: the shared templates/kind.tex otherwise)
    example.yaml   an example spec, built by the tests
    cases.yaml     its tests' data: problems and the answers (or the errors) they must give

The registry finds the folders; nothing else lists the kinds. A kind's modules are imported when it
is first asked for (KINDS[name]): a spec pays only for the kinds it uses.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

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


class Registry(Mapping):
    """The kinds by name, one per folder here. The names are the folders (nothing imported); a kind's
    modules (its rules, fields, solve, confirm: SymPy and numpy work) are imported when the kind is first
    asked for, so a build pays only for the kinds its spec uses (rules.py's whole table imports them all)."""

    def __init__(self, folder: Path):
        self._folder = folder
        self._names = [m.name for m in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name) if m.ispkg]
        self._kinds: dict[str, Kind] = {}

    def __getitem__(self, name: str) -> Kind:
        kind = self._kinds.get(name)
        if kind is None:
            if name not in self._names:
                raise KeyError(name)
            if (self._folder / name / "rules.py").is_file():  # the kind's own rules join the table of rules
                importlib.import_module(f"{__name__}.{name}.rules")
            kind = importlib.import_module(f"{__name__}.{name}").KIND
            assert kind.name == name, f"the kind in kinds/{name}/ is called {kind.name}"
            self._kinds[name] = kind
        return kind

    def __contains__(self, name) -> bool:
        return name in self._names

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


KINDS: Mapping[str, Kind] = Registry(FOLDER)
