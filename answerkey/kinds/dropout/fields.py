"""kind: dropout -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation).

p is the probability of DROPPING a unit (PyTorch's nn.Dropout(p)); `keep:` gives 1 - p instead. The mask
says which units are kept (1) and which dropped (0). Inverted dropout (the default, PyTorch's) scales the
kept units by 1/(1 - p) at training and leaves the layer alone at test time; `inverted: false` scales
nothing at training and multiplies by 1 - p at test time."""
from __future__ import annotations

import sympy as sp
from pydantic import StrictBool, StrictInt

from ..common import Fields, Name, Number, _exact


class DropoutFields(Fields):
    h: list[Number] | list[list[Number]]
    p: Number | Name | None = None
    keep: Number | Name | None = None
    mask: list[StrictInt] | list[list[StrictInt]] | None = None
    inverted: StrictBool = True
    variance: StrictBool = False


class Expectation(sp.Expr):
    """E[X], as the page prints it; display only (the line's value says what it is)."""

    is_commutative = True

    def _latex(self, printer):
        return f"\\operatorname{{E}}\\left[{printer._print(self.args[0])}\\right]"


class Variance(sp.Expr):
    """Var[X], as the page prints it; display only."""

    is_commutative = True

    def _latex(self, printer):
        return f"\\operatorname{{Var}}\\left[{printer._print(self.args[0])}\\right]"


def _letter(name: str) -> sp.Symbol:
    return sp.Symbol(name, positive=True)


def _flat(problem, value, field):
    """(entries in order, shape): a list is (n,), a matrix given as rows (rows, cols)."""
    if not value:
        raise problem.error(field, f"{field} is empty")
    if isinstance(value[0], list):
        cols = len(value[0])
        if cols == 0:
            raise problem.error((field, 0), "an empty row")
        for r, row in enumerate(value):
            if len(row) != cols:
                raise problem.error((field, r), f"row {r + 1} has {len(row)} entries; row 1 has {cols}")
        return [v for row in value for v in row], (len(value), cols)
    return list(value), (len(value),)


def setup(problem) -> dict:
    """{h: exact entries (flat), shape, drop: p (a number or a letter), keep: 1 - p, letter: the letter of
    the formulas (p, or the keep letter q with p = 1 - q), keep_form: 1 - p or q in that letter, numeric,
    mask (flat, or None), inverted, variance}."""
    c = problem.fields
    h, shape = _flat(problem, c.h, "h")
    h = [_exact(v) for v in h]
    if (c.p is None) == (c.keep is None):
        raise problem.error("p" if c.p is not None else "h",
                            "give the drop probability p or the keep probability keep, not " +
                            ("both" if c.p is not None else "neither"),
                            "p is the probability of dropping a unit (PyTorch's convention); keep = 1 - p")
    if c.p is not None:
        P = _letter(c.p if isinstance(c.p, str) else "p")
        keep_form, letter = 1 - P, P
        if isinstance(c.p, str):
            drop = P
        else:
            drop = _exact(c.p)
            if not (0 <= drop < 1):
                raise problem.error("p", f"the drop probability p must lie in [0, 1), got {c.p}",
                                    "p = 1 would drop every unit (and divide by 0)")
        keep = 1 - drop
    else:
        Q = _letter(c.keep if isinstance(c.keep, str) else "q")
        keep_form, letter = Q, Q
        if isinstance(c.keep, str):
            keep = Q
        else:
            keep = _exact(c.keep)
            if not (0 < keep <= 1):
                raise problem.error("keep", f"the keep probability must lie in (0, 1], got {c.keep}",
                                    "keep = 0 would drop every unit (and divide by 0)")
        drop = 1 - keep
    mask = None
    if c.mask is not None:
        mask, mshape = _flat(problem, c.mask, "mask")
        if mshape != shape:
            raise problem.error("mask", f"the mask has shape {_shape(mshape)}; h has shape {_shape(shape)}",
                                "one mask entry per activation")
        for i, v in enumerate(mask):
            if v not in (0, 1):
                where = ("mask", i) if len(shape) == 1 else ("mask", i // shape[1], i % shape[1])
                raise problem.error(where, f"a mask entry is 0 (dropped) or 1 (kept), got {v}")
        if keep.is_number and keep == 1 and 0 in mask:  # p = 0: a dropped unit has probability 0
            i = mask.index(0)
            where = ("mask", i) if len(shape) == 1 else ("mask", i // shape[1], i % shape[1])
            raise problem.error(where, "the mask drops a unit, but p = 0 drops none",
                                "with p = 0 every mask entry is 1; give p > 0 for a mask with zeros")
        mask = [sp.Integer(v) for v in mask]
    return dict(h=h, shape=shape, drop=drop, keep=keep, letter=letter, keep_form=keep_form,
                numeric=keep.is_number, mask=mask, inverted=c.inverted, variance=c.variance)


def _shape(shape) -> str:
    return str(shape[0]) if len(shape) == 1 else f"{shape[0]} x {shape[1]}"


def context(problem):
    """p (or the keep letter), h and m as vectors of h's length (the symbolic lines' h_i and m_i), and m
    random: m_i = 1 with the keep probability, 0 otherwise (what E[...] and Var[...] average over)."""
    from ... import mathobj as mo
    from ...reader import Context

    info = setup(problem)
    ctx = Context()
    letter = info["letter"]
    ctx.scalars[letter.name] = letter
    n = len(info["h"])
    for name in ("h", "m"):
        ctx.vectors[name] = (mo.vector(name), sp.Integer(n))
    ctx.indices["i"] = mo.index("i")
    ctx.random[mo.vector("m")] = ((sp.Integer(1), info["keep_form"]), (sp.Integer(0), 1 - info["keep_form"]))
    return ctx
