"""kind: derivation -- its fields (the left side, and the chain of forms the instructor writes, each with
optional words), and the spec read into expressions (shared by its solver and its confirmation)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from typing import Annotated, Literal

import sympy as sp
from pydantic import Field, StrictStr

from ... import mathobj as mo
from ...errors import SpecError
from ...expr import Scope
from ...texcheck import LaTeX
from ..common import Expr, Fields, Name, check_entry_names


class Step(Fields):
    form: Expr  # the next form of the chain, in the spec's expression syntax
    rule: Annotated[StrictStr, LaTeX(words=True)] | None = Field(default=None, max_length=200)  # the words that
    # justify it (plain text, $math$)
    relation: Literal["=", "<=", "<", ">=", ">"] = "="  # how the form relates to the one before it


class DerivationFields(Fields):
    start: Expr  # the left side: what the chain begins with
    wrt: Name | None = None  # with it, the left side is the derivative of start along wrt
    assume: list[StrictStr] = Field(default=[], max_length=12)  # conditions on the names: x > -1, 0 < p < 1, y2 = 0
    steps: list[Step] = Field(min_length=1, max_length=40)


RELATIONS = {"=": "=", "<=": "≤", "<": "<", ">=": "≥", ">": ">"}  # the spec's relations, as the page's


@dataclass(frozen=True)
class Chain:
    """The spec read: the left side, the variable it is differentiated along (or None), the forms, each
    form's relation to the one before it (=, <, ≤, >, ≥), the chain's conclusion (the weakest relation),
    the domain (relations such as x > -1) and the values the assumptions give names (y2 = 0)."""

    start: sp.Expr
    wrt: sp.Symbol | None
    forms: list
    relations: list
    total: str
    domain: tuple = ()
    values: dict = dc_field(default_factory=dict)

    def __iter__(self):  # start, wrt, forms = setup(problem)
        return iter((self.start, self.wrt, self.forms))

    @property
    def assume(self) -> dict:
        """The assumptions as a line's `assume`: the values, and the domain."""
        return {**self.values, **({"domain": self.domain} if self.domain else {})}


def setup(problem) -> Chain:
    """The spec read into a Chain; errors at their fields."""
    c = problem.fields
    start = problem.expr("start", Scope())
    check_entry_names(problem, start, {}, "start")
    forms = [_as_written(problem, ("steps", i, "form")) for i in range(len(c.steps))]
    wrt = None
    if c.wrt is not None:
        wrt = mo.real(c.wrt)
        if c.wrt not in {str(s) for s in start.free_symbols}:
            raise problem.error("wrt", f"the left side does not contain '{c.wrt}'")
    names = {str(s) for s in start.free_symbols}
    for i, form in enumerate(forms):
        extra = sorted({str(s) for s in form.free_symbols} - names)
        if extra:
            raise problem.error(("steps", i, "form"), f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not "
                                                      "in the left side", "a chain of forms keeps its names")
    domain, values = _assumptions(problem, names)
    relations, total = [], "="
    for i, step in enumerate(c.steps):
        rel = RELATIONS[step.relation]
        after = combine(total, rel)
        if after is None:
            raise problem.error(("steps", i, "relation"), f"the chain so far shows {_spec(total)}, and this step "
                                                          f"{step.relation}: the two go opposite ways",
                                "a chain of claims goes one way (=, <= and <, or =, >= and >)")
        relations.append(rel)
        total = after
    return Chain(start, wrt, forms, relations, total, domain, values)


def _spec(rel: str) -> str:
    return {v: k for k, v in RELATIONS.items()}[rel]


def combine(total: str, rel: str) -> str | None:
    """The chain's relation after one more link: = and <= give <=, any < gives <; None for a link the
    other way (<= after >=)."""
    if rel == "=":
        return total
    if total == "=":
        return rel
    if {total, rel} <= {"<", "≤"}:
        return "<" if "<" in (total, rel) else "≤"
    if {total, rel} <= {">", "≥"}:
        return ">" if ">" in (total, rel) else "≥"
    return None


def _assumptions(problem, names: set):
    """The assume: conditions as (the domain: relations of the names, the values: name -> number)."""
    domain, values = [], {}
    for i, text in enumerate(problem.fields.assume):
        where = ("assume", i)
        cond = problem.expr(where, Scope(allow_compare=True), text=re.sub(r"(?<![<>=!])=(?!=)", "==", text))
        parts = cond.args if isinstance(cond, sp.And) else (cond,)
        if not all(isinstance(p, sp.core.relational.Relational) for p in parts):
            raise problem.error(where, "expected a condition such as x > -1, 0 < p < 1 or y2 = 0")
        for part in parts:
            extra = sorted(str(s) for s in part.free_symbols if str(s) not in names)
            if extra:
                raise problem.error(where, f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} not in the "
                                           "left side")
            if isinstance(part, sp.Eq):
                if not (isinstance(part.lhs, sp.Symbol) and part.rhs.is_number):
                    raise problem.error(where, "an equality assumed gives a name a number (y2 = 0)")
                values[part.lhs] = part.rhs
            elif part.is_number or part in (sp.true, sp.false):
                raise problem.error(where, "the condition holds or fails whatever the names are")
            else:
                domain.append(part)
    return tuple(domain), values


def _as_written(problem, path):
    """A form as the instructor wrote it, not as SymPy would rewrite it (sums and products kept, only
    their nesting flattened); where that cannot be read (a check on the size of a power needs numbers), as
    SymPy reads it."""
    try:
        with sp.evaluate(False):
            form = problem.expr(path, Scope())
    except SpecError:
        return problem.expr(path, Scope())

    def flat(e):
        if isinstance(e, (sp.Add, sp.Mul)):
            args = []
            for a in e.args:
                args.extend(a.args if type(a) is type(e) else (a,))
            return type(e)(*args, evaluate=False)
        return e

    with sp.evaluate(False):
        return form.replace(lambda e: isinstance(e, (sp.Add, sp.Mul)), flat)


def context(problem):
    """Every name of the left side a scalar (the forms use no others)."""
    from ...reader import Context

    start = setup(problem).start
    ctx = Context()
    for s in start.free_symbols:
        (ctx.indices if s.is_integer else ctx.scalars)[s.name] = s
    return ctx


def claim(start, wrt):
    """What the chain starts from, as a value: the left side, or its derivative along wrt."""
    return sp.diff(start, wrt) if wrt is not None else start
