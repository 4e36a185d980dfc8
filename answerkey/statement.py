"""Statements that show the problem's own numbers: `<<path>>` in a statement is replaced by the value of
that field of the problem (`<<inputs.x>>`, `<<filters>>`, `<<kernel.width>>`), a parameter (`<<a>>`), or
an expression field typeset as math (`<<function>>`), so a drawn variant's statement shows its draws.
"""
from __future__ import annotations

import re

import sympy as sp

from .errors import Diagnostic, SpecError
from .expr import Scope, parse_length
from .printer import tex

PLACEHOLDER = re.compile(r"<<\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*>>")


def _lookup(data, path):
    for part in path:
        if isinstance(part, int) and isinstance(data, list):
            data = data[part]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and str(part).isdigit() and int(part) - 1 < len(data):
            data = data[int(part) - 1]
        else:
            raise KeyError(part)
    return data


def _scope(raw: dict) -> Scope:
    scope = Scope()
    for name, length in (raw.get("vectors") or {}).items():
        try:
            scope.vectors[name] = parse_length(length)
        except Exception:  # noqa: BLE001 - the kind reports a bad length itself
            pass
    for name, dims in (raw.get("shapes") or {}).items():
        try:
            scope.matrices[name] = tuple(parse_length(d) for d in dims)
        except Exception:  # noqa: BLE001
            pass
    return scope


def value_tex(problem, path: tuple, value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return tex(sp.Float(repr(value), 30) if isinstance(value, float) else sp.Integer(value))
    if isinstance(value, str):
        return tex(problem.expr(path, _scope(_lookup(problem.doc.data, problem.path)), text=value))
    if isinstance(value, list):
        return r"\left(" + ", ".join(value_tex(problem, path, v) for v in value) + r"\right)"
    if isinstance(value, dict):
        return ", ".join(f"\\text{{{k}}} = {value_tex(problem, path + (k,), v)}" for k, v in value.items())
    return str(value)


def fill(problem, text: str | None = None) -> str | None:
    """The statement (or `text`: the statement of the problem's group, for its parts) with every <<path>>
    replaced; a SpecError for a path that does not exist."""
    text = problem.statement if text is None else text
    if not text:
        return text
    raw = _lookup(problem.doc.data, problem.path)

    def replace(match):
        path = tuple(match.group(1).split("."))
        if len(path) == 1 and path[0] in problem.params:
            return tex(problem.params[path[0]])
        try:
            value = _lookup(raw, path)
        except KeyError:
            raise SpecError(Diagnostic(problem.where("statement"),
                                       f"<<{match.group(1)}>> names no field or parameter of this problem")) from None
        return value_tex(problem, path, value)

    return PLACEHOLDER.sub(replace, text)
