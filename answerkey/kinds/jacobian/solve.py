"""kind: jacobian -- the Jacobian matrix of a vector function, entry by entry, then assembled in the
numerator layout (row i: the i-th output, column j: the j-th variable); with `at`, the Jacobian there, and
for a square one its determinant (the factor a change of variables scales areas by).

For one vector function of one vector x (function: softmax(x), sigmoid(x), A*x + b): the i-th output, the
entry d y_i / d x_k by the chain and quotient rules with the case split k = i / k != i, the two cases in
one with delta_ik, and the matrix recognised (diag(p) - p p^T, diag(sigma(x) (.) (1 - sigma(x))), A); for
a given length the matrix entry by entry, with `at` its numbers.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...calculus import function_lines, partial_lines
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...printer import tex
from ...rules import GIVEN, then
from .fields import is_vector_form, output_vector, setup, setup_vector
from .rules import (AFFINE_MATRIX, AFFINE_ROW, BOTH_CASES, DIAGONAL_MATRIX, DIFFERENTIATE_ALONG,
                    IN_TERMS_OF_OUTPUT, JACOBIAN_DETERMINANT, JACOBIAN_LAYOUT, JACOBIAN_THERE, OFF_THE_DIAGONAL,
                    ON_THE_DIAGONAL, OUTPUT_THERE, RELU_AT_ZERO, SOFTMAX_MATRIX, WRITTEN_OUT)


class Slashed(mo.Display):
    """d y / d x written on one line (inside a matrix, where stacked fractions would touch): args (y, x)."""

    def _latex(self, printer):
        y, x = self.args
        return f"\\partial {printer._print(y)} / \\partial {printer._print(x)}"


class OutputEntry(mo.Display):
    """y_i, the i-th entry of the output vector as the page names it: args (Symbol(y), i, value)."""

    def _latex(self, printer):
        name, i, _ = self.args
        return f"{printer._print(name)}_{{{printer._print(i)}}}"

    def value(self):
        return self.args[2]


class InOrder(mo.Display):
    """A product shown in the order written (p_i (delta_ik - p_k)), sums bracketed; its value is the product."""

    precedence = 50

    def _latex(self, printer):
        return " ".join(f"\\left({printer._print(a)}\\right)" if isinstance(a, sp.Add) else printer._print(a)
                        for a in self.args)

    def value(self):
        return sp.Mul(*[mo.value_of(a) for a in self.args])


class Written(mo.Display):
    """A matrix written in vector notation (diag(p) - p p^T), as its LaTeX: args (Symbol(latex), value)."""

    def _latex(self, printer):
        return self.args[0].name

    def value(self):
        return self.args[1]


def solve(problem) -> Solution:
    if is_vector_form(problem):
        return _solve_vector(problem)
    outputs, variables, point = setup(problem)
    names = list(outputs)
    given = Part(intro="The outputs, and each one's derivative along each variable:")
    for name, f in outputs.items():
        given.add(mo.Applied(name, *variables), f, value=f)
    entries = {}
    for i, (name, f) in enumerate(outputs.items()):
        for j, v in enumerate(variables):
            result = tidy(sp.diff(f, v))
            given.add(mo.Partial(name, v), mo.PartialOf(f, v), chain=[result] if result != f else [],
                      rule=DIFFERENTIATE_ALONG.at(y=tex(name), x=tex(v)), value=sp.diff(f, v))
            entries[i, j] = result
    rows, cols = len(names), len(variables)
    jacobian = sp.ImmutableMatrix(rows, cols, lambda i, j: entries[i, j])
    truth = sp.ImmutableMatrix(rows, cols, lambda i, j: sp.diff(outputs[names[i]], variables[j]))
    J = sp.Symbol("J")
    detJ = sp.Determinant(sp.MatrixSymbol("J", rows, cols)) if rows == cols else None
    shown = sp.ImmutableMatrix(rows, cols, lambda i, j: Slashed(names[i], variables[j]))
    assembled = Part()
    assembled.add(J, shown, chain=[jacobian], rule=JACOBIAN_LAYOUT, value=truth, therefore=point is None)
    answers = {"jacobian": Answer(jacobian, description="the Jacobian matrix (numerator layout)")}
    if rows == cols:
        det = tidy(jacobian.det())
        assembled.add(detJ, det, rule=JACOBIAN_DETERMINANT, value=truth.det())
        answers["det"] = Answer(det, description="the Jacobian determinant")
    parts = [given, assembled]
    if point:
        at = ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)
        here = Part(intro=f"At the point {at}:")
        at_point = sp.ImmutableMatrix(jacobian.subs(point).applyfunc(tidy))
        here.add(J, at_point, note=f"at {at}", rule=JACOBIAN_THERE, value=truth, assume=dict(point), therefore=True)
        answers["jacobian_at"] = Answer(at_point, description="the Jacobian at the point")
        if rows == cols:
            det_at = tidy(at_point.det())
            here.add(detJ, det_at, note=f"at {at}", rule=JACOBIAN_DETERMINANT, value=truth.det(),
                     assume=dict(point))
            answers["det_at"] = Answer(det_at, description="the Jacobian determinant at the point")
        parts.append(here)
    return Solution(parts, answers)


def _solve_vector(problem) -> Solution:
    info = setup_vector(problem)
    y, x, n, m, i, entry, form = (info[key] for key in ("name", "x", "n", "m", "i", "entry", "form"))
    taken = mo.names_in(entry) | {str(n), str(m), y.name, str(i)}
    k = mo.fresh_index(taken, ("k", "l", "q", "r", "s"))
    yi, xk = sp.Indexed(sp.IndexedBase(y), i), x[k]
    names = dict(yi=tex(yi), xk=tex(xk), xi=tex(x[i]), i=tex(i), k=tex(k))

    first = Part(intro=f"The ${tex(i)}$-th output, for ${_bounds(i, m)}$:")
    if form == "affine":
        first.add(y, info["expression"], rule=GIVEN, value=output_vector(info))
        j = next(lim[0] for total in entry.atoms(sp.Sum) for lim in total.limits)
        first.add(yi, entry, rule=AFFINE_ROW.at(i=tex(i), j=tex(j)), value=entry)
        g = entry
    else:
        g = function_lines(first, yi, entry)
    ranges = {"ranges": {i: m, k: n}}
    second = Part(intro=f"Its derivative along ${tex(xk)}$, for ${_bounds(k, n)}$"
                        + (" (relu has no derivative at 0; the key takes $\\operatorname{relu}'(0) = 0$, as "
                           f"deep-learning frameworks do, so the entry is 0 where ${tex(x[i])} = 0$)" if form == "relu"
                           else "") + ":")
    derived = partial_lines(second, yi, g, xk, assume=ranges)
    truth = mo.conventional_diff(g, xk)
    unified, on, off, words = _entry_forms(form, info, i, k)
    deltas = [d for d in derived.atoms(sp.KroneckerDelta) if set(d.args) == {i, k}]
    if deltas:  # the case split, then both cases in one
        on_derived, off_derived = tidy(derived.subs(k, i)), tidy(derived.subs(deltas[0], 0))
        if sp.expand(mo.value_of(on) - on_derived) == 0:  # the same product, in the order the key writes it
            on_derived = on
        if sp.expand(mo.value_of(off) - off_derived) == 0:
            off_derived = off
        second.add(mo.Partial(yi, x[i]), on_derived, chain=[on] if on != on_derived else [],
                   note=f"where ${tex(k)} = {tex(i)}$", rule=ON_THE_DIAGONAL.at(i=tex(i), k=tex(k)),
                   value=truth.subs(k, i), assume=ranges)
        second.add(mo.Partial(yi, xk), off_derived, chain=[off] if off != off_derived else [],
                   note=f"where ${tex(k)} \\neq {tex(i)}$", rule=OFF_THE_DIAGONAL.at(i=tex(i), k=tex(k)),
                   value=truth, assume={**ranges, "distinct": (k, i)})
        both = BOTH_CASES.at(delta=tex(sp.KroneckerDelta(i, k)), i=tex(i), k=tex(k))
        second.add(mo.Partial(yi, xk), unified, rule=then(both, words), value=truth, assume=ranges)
    elif unified != derived:
        second.add(mo.Partial(yi, xk), unified, rule=words, value=truth, assume=ranges)
    J = sp.Symbol("J")
    value = mo.EntryMatrix(truth, i, k, m, n)
    sized = m.is_number and n.is_number
    assembled, matrix_words = _assembled(form, info, i, k, names)
    layout = (f"The Jacobian matrix in the numerator layout: row ${tex(i)}$ holds the derivatives of ${tex(yi)}$, "
              f"column ${tex(k)}$ those along ${tex(xk)}$")
    if form == "affine":
        total = assembled.args[1]
        layout += (f" (the denominator layout, row ${tex(k)}$ the derivatives along ${tex(xk)}$, gives the transpose "
                   f"${tex(total.T)}$)")
    third = Part(intro=layout + ":")
    third.add(J, mo.EntryMatrix(mo.Partial(yi, xk), i, k, m, n), chain=[mo.EntryMatrix(unified, i, k, m, n), assembled],
              rule=matrix_words, value=value.doit() if sized else value, therefore=not sized,
              assume=ranges)
    j = mo.fresh_index(taken | {str(k)}, ("j", "l", "q", "s"))
    plain = mo.elementary(mo.value_of(unified), j)
    answers = {"jacobian": Answer(plain, index=sp.Tuple(i, k), display=assembled,
                                  description=f"the ({tex(i)}, {tex(k)}) entry of the Jacobian (numerator layout)")}
    parts = [first, second, third]
    if sized:
        written = sp.ImmutableMatrix(int(m), int(n), lambda r, c: on.subs(i, r + 1) if r == c else
                                     off.subs({i: r + 1, k: c + 1}, simultaneous=True))
        if form == "affine":
            written = sp.ImmutableMatrix(int(m), int(n), lambda r, c: unified.subs({i: r + 1, k: c + 1},
                                                                                    simultaneous=True))
        explicit = value.doit()
        size = f"{tex(x)} \\in \\mathbb{{R}}^{{{int(n)}}}" if form != "affine" else f"{int(m)} \\times {int(n)}"
        third.add(J, written, rule=WRITTEN_OUT.at(size=size), value=explicit, therefore=True)
        answers["jacobian"] = Answer(sp.ImmutableMatrix(written.applyfunc(mo.value_of)), display=written,
                                     description="the Jacobian matrix (numerator layout)")
        if info["point"]:
            parts.append(_at_point(info, info["point"], J, explicit, answers))
    return Solution(parts, answers, data={"layout": "numerator"})


def _bounds(index, top) -> str:
    return f"1 \\leq {tex(index)} \\leq {tex(top)}"


def _entry_forms(form, info, i, k):
    """The entry d y_i / d x_k in one line for every i and k (with delta_ik), on the diagonal (k = i), off
    it, and the rule that writes it so (softmax: with the outputs p_i)."""
    x, y, delta = info["x"], info["name"], sp.KroneckerDelta(i, k)

    def out(index):
        return OutputEntry(y, index, info["entry"].subs(info["i"], index))

    if form == "softmax":
        rule = IN_TERMS_OF_OUTPUT.at(yi=tex(sp.Indexed(sp.IndexedBase(y), i)))
        return InOrder(out(i), delta - out(k)), InOrder(out(i), 1 - out(i)), -out(i) * out(k), rule
    if form == "affine":
        entry = sp.Add(*[c * mo.vector(M.name.lower())[i, k] for c, M in info["matrices"]])
        return entry, entry, entry, None
    on = {"sigmoid": InOrder(mo.sigmoid(x[i]), 1 - mo.sigmoid(x[i])), "tanh": 1 - sp.tanh(x[i]) ** 2,
          "relu": sp.Heaviside(x[i], 0)}[form]
    rule = RELU_AT_ZERO if form == "relu" else None
    return InOrder(on, delta) if isinstance(on, InOrder) else on * delta, on, sp.Integer(0), rule


def _assembled(form, info, i, k, names):
    """The Jacobian in vector notation, and the rule that reads it off the entries."""
    x, n, y = info["x"], info["n"], info["name"]
    X, Y = tex(x), tex(y)
    value = mo.EntryMatrix(mo.conventional_diff(info["entry"], x[k]), i, k, info["m"], n)
    diag = "\\operatorname{diag}"
    if form == "softmax":
        text = f"{diag}\\left({Y}\\right) - {Y} {Y}^{{T}}"
        yi, yk = f"{Y}_{{{tex(i)}}}", f"{Y}_{{{tex(k)}}}"
        words = SOFTMAX_MATRIX.at(diagonal=f"{tex(sp.KroneckerDelta(i, k))} {yi}", diag=f"{diag}({Y})",
                                  outer=f"{yi} {yk}", outer_matrix=f"{Y} {Y}^T")
    elif form == "affine":
        total = sp.Add(*[c * M for c, M in info["matrices"]])
        text = tex(total)
        words = AFFINE_MATRIX.at(entry=tex(_entry_forms(form, info, i, k)[0]), matrix=tex(total))
        return Written(sp.Symbol(text), total), words
    else:
        inner = {"sigmoid": f"\\sigma\\left({X}\\right) \\odot \\left(1 - \\sigma\\left({X}\\right)\\right)",
                 "tanh": f"1 - \\tanh^{{2}}\\left({X}\\right)",
                 "relu": f"\\mathbf{{1}}\\left[{X} > 0\\right]"}[form]
        text = f"{diag}\\left({inner}\\right)"
        words = DIAGONAL_MATRIX.at(yi=names["yi"], xi=names["xi"])
        if form == "relu":
            words = then(words, RELU_AT_ZERO)
    return Written(sp.Symbol(text), value), words


def _at_point(info, point, J, explicit, answers) -> Part:
    x, n, y = info["x"], int(info["n"]), info["name"]
    at = f"${tex(x)} = (" + ", ".join(tex(point[x[r]]) for r in range(1, n + 1)) + ")$"
    here = Part(intro=f"At {at}:")
    if info["form"] == "softmax":
        p = sp.ImmutableMatrix([mo.SoftmaxEntry(x, r, n) for r in range(1, n + 1)])
        numbers = p.applyfunc(lambda e: mo.accurate(mo.elementary(e).doit().xreplace(point), 30))
        named = Written(sp.Symbol(f"{tex(y)} = \\operatorname{{softmax}}\\left({tex(x)}\\right)"), p)
        here.add(named, numbers, rule=OUTPUT_THERE, value=p, assume=dict(point), approx=True)
    exact = sp.ImmutableMatrix(explicit.subs(point).applyfunc(tidy))
    kink = info["form"] == "relu" and any(point[x[r]] == 0 for r in range(1, n + 1))
    rule = then(JACOBIAN_THERE, RELU_AT_ZERO) if kink else JACOBIAN_THERE
    if all(e.is_Rational for e in exact):
        shown = exact
        here.add(J, exact, rule=rule, value=explicit, assume=dict(point), therefore=True)
    else:
        shown = exact.applyfunc(lambda e: mo.accurate(e, 30))
        here.add(J, shown, rule=rule, value=explicit, assume=dict(point), therefore=True, approx=True)
    answers["jacobian_at"] = Answer(exact, display=shown, description="the Jacobian at the point")
    return here


def describe(problem) -> str:
    if is_vector_form(problem):
        info = setup_vector(problem)
        x, n, y = info["x"], info["n"], info["name"]
        if info["form"] == "affine":
            shapes = ", ".join(f"${name} \\in \\mathbb{{R}}^{{{tex(r)} \\times {tex(c)}}}$"
                               for name, (r, c) in info["shapes"].items())
            given = f"${tex(y)} = {tex(info['expression'])}$ with {shapes}"
        else:
            shown = {"softmax": "\\operatorname{softmax}", "sigmoid": "\\sigma", "tanh": "\\tanh",
                     "relu": "\\operatorname{relu}"}[info["form"]]
            given = f"${tex(y)} = {shown}({tex(x)})$" + ("" if info["form"] == "softmax" else ", elementwise")
        text = (f"For {given}, ${tex(x)} \\in \\mathbb{{R}}^{{{tex(n)}}}$, compute the Jacobian matrix "
                f"$\\partial {tex(y)} / \\partial {tex(x)}$ (numerator layout)")
        if info["point"]:
            values = ", ".join(tex(info["point"][x[r]]) for r in range(1, int(n) + 1))
            text += f" and evaluate it at ${tex(x)} = ({values})$"
        return text + "."
    outputs, variables, point = setup(problem)
    args = ", ".join(tex(v) for v in variables)
    given = ", ".join(f"${tex(n)}({args}) = {tex(f)}$" for n, f in outputs.items())
    text = f"For {given}, compute the Jacobian matrix of $({', '.join(tex(n) for n in outputs)})$ with respect to $({args})$"
    if point:
        text += " and evaluate it at " + ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)
    return text + "."
