"""kind: derivation -- its fields (the left side, and the chain of forms the instructor writes, each with
optional words), and the spec read into expressions (shared by its solver and its confirmation)."""
from __future__ import annotations

import sympy as sp
from pydantic import Field, StrictStr

from ... import mathobj as mo
from ...errors import SpecError
from ...expr import Scope
from ..common import Expr, Fields, Name, check_entry_names


class Step(Fields):
    form: Expr  # the next form of the chain, in the spec's expression syntax
    rule: StrictStr | None = Field(default=None, max_length=200)  # the words that justify it (plain text, $math$)


class DerivationFields(Fields):
    start: Expr  # the left side: what the chain begins with
    wrt: Name | None = None  # with it, the left side is the derivative of start along wrt
    steps: list[Step] = Field(min_length=1, max_length=40)


def setup(problem):
    """(the left side as an expression, the variable it is differentiated along or None, the forms)."""
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
    return start, wrt, forms


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

    start, _, _ = setup(problem)
    ctx = Context()
    for s in start.free_symbols:
        (ctx.indices if s.is_integer else ctx.scalars)[s.name] = s
    return ctx


def claim(start, wrt):
    """What the chain starts from, as a value: the left side, or its derivative along wrt."""
    return sp.diff(start, wrt) if wrt is not None else start
