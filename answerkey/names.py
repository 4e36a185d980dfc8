"""The names a problem's `where:` conditions may use, each meaning one thing.

A problem's own values have qualified names:

- a field by `input.` and its path as written (the path `<<path>>` prints in a statement): `input.inputs.x`,
  `input.kernel.width`, `input.stride` (a field left at its default too); a path that begins with a field
  called input is not doubled (a convolution's `input.width`); a dotted path alone also names its field
  (`inputs.x`, `kernel.width`);
- an answer by its label: `answer.width`, `answer.a`;
- a node of a computational graph by its name: `node.q`, its forward value (the kind's `values`);
- a parameter: `params.a`.

The last part of a qualified name may stand alone (`width`, `x`, `q`, `a`) when it means one thing; when it
means two (a convolution's input width and its answer width), using it is an error that lists the qualified
choices. An unknown name is an error listing the names in scope, with a did-you-mean (expr.Scope.listed).

Answers of other problems (`a.total_params`, `2.width`) are refs.py's, in the kinds that answer in words;
there `input.`, `answer.`, `node.` and `params.` name no problem (refs._scope_hint says so).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .expr import Scope

PREFIXES = ("input", "answer", "node", "params")
NOT_VALUES = ("kind", "id", "statement", "params", "where", "parts")  # common fields that are no field value


@dataclass(frozen=True)
class Meaning:
    qualified: str  # how it is named in full: input.width, answer.width, node.q, params.a
    words: str  # how a message says it: "the field input.width", "the answer width"
    value: sp.Expr
    also: tuple = ()  # other full spellings: a field's path as written (inputs.x for input.inputs.x)


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value)


def _fields(data, path=()):
    """(path, number) for every number in the fields' mappings (not inside lists)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not path and key in NOT_VALUES:
                continue
            number = _number(value)
            if number is not None:
                yield path + (str(key),), number
            else:
                yield from _fields(value, path + (str(key),))


def _field_data(problem) -> dict:
    """The problem's fields as drawn, with the defaults of those left out (its validated model)."""
    from .spec import _get

    raw = _get(problem.doc.data, problem.path)
    try:
        dumped = problem.fields.model_dump()
    except Exception:  # noqa: BLE001 - a model that does not dump: the fields as written
        dumped = {}
    return {**dumped, **raw} if isinstance(raw, dict) else dumped


def meanings(problem, solution=None) -> list[Meaning]:
    """Everything a condition of `problem` can name: its fields, params, the kind's named values (a graph's
    nodes) and, once solved, its numeric answers."""
    out = []
    for path, value in _fields(_field_data(problem)):
        written = ".".join(path)
        full = written if path[0] == "input" and len(path) > 1 else f"input.{written}"
        out.append(Meaning(full, f"the field {written}", value, tuple({written, f"input.{written}"} - {full})))
    out += [Meaning(f"params.{name}", f"the param {name}", value) for name, value in problem.params.items()]
    values = getattr(problem.kind, "values", None)
    if values is not None:
        try:
            named = values(problem)
        except Exception:  # noqa: BLE001 - a graph that does not evaluate: the solver reports it
            named = {}
        out += [Meaning(f"node.{name}", f"the node {name}'s forward value", value) for name, value in named.items()]
    if solution is not None:
        for label, answer in solution.answers.items():
            e = answer.expr
            if isinstance(e, sp.Basic) and not isinstance(e, sp.MatrixBase) and e.is_number:
                out.append(Meaning(f"answer.{label}", f"the answer {label}", e))
    return out


def scope(problem, solution=None) -> Scope:
    """A Scope for a condition: every qualified name and the plain names that mean one thing as values;
    the plain names that mean two things as errors; the qualified names listed for an unknown one."""
    found = meanings(problem, solution)
    spellings: dict[str, list[Meaning]] = {}
    plain: dict[str, list[Meaning]] = {}
    for m in found:
        for spelling in (m.qualified, *m.also):
            if "." in spelling:
                spellings.setdefault(spelling, []).append(m)
        plain.setdefault(m.qualified.rsplit(".", 1)[-1], []).append(m)
    result = Scope(known=set(), allow_compare=True, listed=[m.qualified for m in found])
    for name, ms in spellings.items():
        if len(ms) == 1:
            result.qualified[name] = ms[0].value
        else:
            result.ambiguous[name] = _two_things(name, ms)
    for name, ms in plain.items():
        if len(ms) == 1:
            result.values[name] = ms[0].value
        else:
            result.ambiguous[name] = _two_things(name, ms)
    return result


def _two_things(name: str, ms: list[Meaning]) -> tuple[str, None]:
    said = [m.words if m.words.endswith(m.qualified) else f"{m.words} ({m.qualified})" for m in ms]
    both = ("both " if len(ms) == 2 else "each of ") + ", ".join(said[:-1]) + " and " + said[-1]
    return f"'{name}' is {both}: write " + " or ".join(m.qualified for m in ms), None
