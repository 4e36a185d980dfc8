"""kind: matrix_gradient -- the derivative of a scalar function of vectors and matrices with respect to
a matrix (or vector), in index notation: the function as a sum over entries, the derivative of one
entry, and the entries assembled into the matrix, in the denominator layout (the gradient has the
variable's shape), with the closed form."""
from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ... import mathobj as mo
from ...calculus import matrix_calculus_loaded, partial_lines
from ...derivation import Answer, Part, Solution
from ...diffsteps import collapse
from ...errors import CannotDerive
from ...expr import parse_length
from ...matrixform import combine_sums, fewer_sums, matrix_form
from ...rules import GIVEN, then
from .fields import setup
from .rules import (DENOMINATOR_LAYOUT, DERIVATIVE_OF_INVERSE, DERIVATIVE_OF_LOG_DET, ENTRIES_ASSEMBLED,
                    IN_INDEX_NOTATION, IN_MATRIX_NOTATION, JACOBI_FORMULA, MATRIX_CALCULUS, SUMS_COLLECTED)


def index_form(f):
    """The scalar f as sums over 1-based entry indices (x_i, w_ij)."""
    # Concrete sizes are made symbolic while SymPy writes the entry, so that the sums stay sums.
    dims = sorted({d for m in f.atoms(sp.MatrixSymbol) for d in m.shape if d.is_number})
    to_symbol = {d: sp.Symbol(f"_dim{int(d)}", integer=True, positive=True) for d in dims}
    general = f.xreplace({m: sp.MatrixSymbol(m.name, *[to_symbol.get(d, d) for d in m.shape])
                          for m in f.atoms(sp.MatrixSymbol)})
    general = general.replace(lambda e: isinstance(e, sp.MatPow) and e.base.shape == (1, 1),
                              lambda e: sp.Pow(e.base[0, 0], e.exp))
    general = general.replace(lambda e: isinstance(e, sp.MatrixExpr) and not isinstance(e, sp.MatrixSymbol)
                              and e.shape == (1, 1) and not isinstance(e, MatrixElement), lambda e: e[0, 0])
    scalar = general[0, 0] if isinstance(general, sp.MatrixExpr) else general
    scalar = scalar.replace(lambda e: isinstance(e, sp.Trace), lambda e: e.rewrite(sp.Sum))
    scalar = scalar.replace(lambda e: isinstance(e, mo.LogSumExpOf), lambda e: e.written_out())
    scalar = scalar.replace(lambda e: isinstance(e, MatrixElement) and not isinstance(e.parent, sp.MatrixSymbol),
                            lambda e: e.parent._entry(e.i, e.j))
    taken = {str(s) for m in f.atoms(sp.MatrixSymbol) for d in m.shape for s in sp.sympify(d, strict=True).free_symbols}
    taken |= {mo.entry_name(m) for m in f.atoms(sp.MatrixSymbol)} | {"k", "l"}  # sizes, entries, the entry's own
    names = iter(n for n in "ijpqrstuvabcdgh" if n not in taken)
    renamed = {}

    def rebuild(t):
        limits, sub = [], {}
        for d, lo, hi in t.limits:
            new = renamed.setdefault(d, mo.index(next(names)))
            sub[d] = new - 1
            limits.append((new, lo + 1, hi + 1))
        return sp.Sum(t.function.xreplace(sub), *limits)

    shifted = scalar.replace(lambda t: isinstance(t, sp.Sum), rebuild)
    back = {v: k for k, v in to_symbol.items()}
    shifted = shifted.replace(lambda t: isinstance(t, MatrixElement), lambda t: MatrixElement(
        sp.MatrixSymbol(t.args[0].name, *[back.get(d, d) for d in t.args[0].shape]), t.args[1], t.args[2]))
    shifted = shifted.xreplace(back)
    out = shifted.replace(lambda t: isinstance(t, MatrixElement), mo.to_indexed)
    return sp.expand(out) if not out.has(sp.Sum) else out


def _closed_form(f, wrt):
    """SymPy's matrix-calculus result, when it is a plain matrix expression of the variable's shape."""
    matrix_calculus_loaded()
    try:
        closed = sp.diff(f, wrt)
        if not isinstance(closed, sp.MatrixExpr) or closed.shape != wrt.shape:
            return None
        sizes = {s: 2 for d in wrt.shape for s in sp.sympify(d, strict=True).free_symbols}
        sizes.update({s: 2 for m in f.atoms(sp.MatrixSymbol) for d in m.shape for s in sp.sympify(d, strict=True).free_symbols})
        mo.concrete(closed.subs(sizes))
    except Exception:  # noqa: BLE001 - any failure of SymPy's matrix calculus: show the entries only
        return None
    from ...verify import equal

    if equal(mo.GradientOf(f, wrt), closed) is not None:  # SymPy's result is not always right (log det -> 0)
        return None
    return closed


def _scalar_krons(closed):
    """closed with each Kronecker product of a matrix and a 1 x 1 product written as that number times the
    matrix ((u^T X u) A^T), or None when another Kronecker product is left (no notation of the course)."""
    def scalar_times(t):
        ones = [a for a in t.args if a.shape == (1, 1)]
        rest = [a for a in t.args if a.shape != (1, 1)]
        if len(ones) != len(t.args) - 1 or len(rest) != 1:
            return t
        return sp.Mul(*[mo.OneByOne(a) for a in ones]) * rest[0]

    out = closed.replace(lambda t: isinstance(t, sp.KroneckerProduct), scalar_times)
    return None if out.has(sp.KroneckerProduct) else out


def named_rule(f, X):
    """Identities that index notation does not reach: (closed form, its rule), or None."""
    if X.shape[0] != X.shape[1]:
        return None
    inverse_t = sp.Inverse(X).T
    if f == sp.Determinant(X):
        return sp.Determinant(X) * inverse_t, JACOBI_FORMULA
    if f == sp.log(sp.Determinant(X)):
        return inverse_t, DERIVATIVE_OF_LOG_DET
    return None


def solve(problem) -> Solution:
    c = problem.fields
    f, wrt = setup(problem)
    part, answer = gradient_part(problem, f, wrt, c.name)
    return Solution([part], {"gradient": Answer(answer)}, data={"layout": "denominator"})


def gradient_part(problem, f, wrt, name: str):
    """The lines of d f / d wrt: the function given, in index notation, one entry's derivative and the
    entries assembled, with the closed form (or the closed form of a named identity): (the part, the
    gradient as the answer gives it). Shared with the kinds that need a matrix gradient."""
    fname = sp.Symbol(name)
    part = Part()
    lhs = mo.Applied(fname, wrt)
    part.add(lhs, f, rule=GIVEN, value=f)
    layout = DENOMINATOR_LAYOUT.at(variable=wrt.name)
    rule = named_rule(f, wrt)
    g = None
    if rule is None:
        try:
            g = index_form(f)
        except (TypeError, ValueError, AttributeError, IndexError):
            g = None
        if g is not None and (g.has(MatrixElement) or g.has(sp.MatrixSymbol) or g.has(sp.MatrixExpr)):
            g = None
    if g is None:
        closed, rule_name = rule if rule else (_closed_form(f, wrt), DERIVATIVE_OF_INVERSE if f.has(sp.Inverse)
                                               else MATRIX_CALCULUS)
        if closed is None:
            raise CannotDerive(f"{problem.doc.file}: {problem.label}: cannot derive the gradient of {f} with respect "
                               f"to {wrt.name}: it is neither in index notation nor a known identity")
        part.add(mo.Partial(fname, wrt), closed, therefore=True, value=mo.GradientOf(f, wrt),
                 rule=then(rule_name, layout))
        return part, closed
    part.add(lhs, g, rule=IN_INDEX_NOTATION, value=f)
    rows, cols = wrt.shape
    taken = {str(s) for m in f.atoms(sp.MatrixSymbol) | {wrt} for d in m.shape
             for s in sp.sympify(d, strict=True).free_symbols} | mo.names_in(g)
    k = mo.fresh_index(taken, ("k", "l", "p", "q", "r", "s"))
    l = mo.fresh_index(taken | {str(k)}, ("l", "p", "q", "r", "s", "t"))
    base = mo.vector(mo.entry_name(wrt))
    entry_var = base[k] if cols == 1 else base[k, l]
    try:
        entry = partial_lines(part, fname, g, entry_var, assume={"ranges": {k: rows, l: cols}})
    except CannotDerive as exc:
        raise CannotDerive(f"{problem.doc.file}: {problem.label}: {exc}") from None
    true_entry = collapse(sp.diff(g, entry_var), {k: rows, l: cols})
    combined = combine_sums(entry)
    if combined != entry and fewer_sums(combined, entry):
        part.add(mo.Partial(fname, entry_var), combined, rule=SUMS_COLLECTED, value=true_entry,
                 assume={"ranges": {k: rows, l: cols}})
        entry = combined
    assembled = mo.EntryMatrix(entry, k, l if cols != 1 else sp.Symbol("_unused"), rows, cols)
    truth = mo.EntryMatrix(true_entry, k, l if cols != 1 else sp.Symbol("_unused"), rows, cols)
    closed = _closed_form(f, wrt)
    rule = then(ENTRIES_ASSEMBLED, layout)
    recognised = False  # the matrix form read from the entry (at given sizes the answer stays explicit)
    if closed is not None and (closed.has(sp.Sum, MatrixElement) or closed.has(sp.HadamardPower)):
        closed = None  # SymPy's form with its own 0-based index sums inside: recognised from the entry instead
    if closed is not None and closed.has(sp.KroneckerProduct):
        closed = _scalar_krons(closed)  # A^T (x) (u^T X u): SymPy's way of writing a number times A^T
    if closed is None:
        matrices = {mo.entry_name(m): m for m in f.atoms(sp.MatrixSymbol) | {wrt}}
        closed = matrix_form(entry, matrices, k, rows, *((l, cols) if cols != 1 else ()))
        if closed is not None and closed.shape != wrt.shape:
            closed = None
        if closed is not None:
            rule = then(ENTRIES_ASSEMBLED, IN_MATRIX_NOTATION.at(reading=_reading(closed)), layout)
            recognised = True
    chain = [closed] if closed is not None else []
    part.add(mo.Partial(fname, wrt), assembled, chain=chain, therefore=True, value=truth,
             rule=rule, assume={"ranges": {k: rows, l: cols}})
    concrete = rows.is_number and cols.is_number
    answer = chain[0] if chain and not (concrete and recognised) else assembled.doit() if concrete else assembled
    return part, answer


def _reading(closed) -> str:
    """What the matrix form's notation means, in words: the entrywise function, the entrywise product."""
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    said = []
    if closed.has(ElementwiseApplyFunction):
        said.append("functions entry by entry")
    if closed.has(sp.HadamardProduct):
        said.append(r"$\odot$ entrywise")
    if closed.has(sp.OneMatrix):
        said.append(r"$\mathbf{1}$ a vector of ones")
    return ", ".join(said) if said else "matrix products"


def describe(problem) -> str:
    from ...printer import tex

    f, wrt = setup(problem)
    shapes = ", ".join(f"${n} \\in \\mathbb{{R}}^{{{tex(parse_length(d[0]))} \\times {tex(parse_length(d[1]))}}}$"
                       for n, d in problem.fields.shapes.items())
    name = problem.fields.name
    return (f"Let ${name}({tex(wrt)}) = {tex(f)}$ with {shapes}. "
            f"Compute $\\dfrac{{\\partial {name}}}{{\\partial {tex(wrt)}}}$.")
