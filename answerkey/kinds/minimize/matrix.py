"""kind: minimize, a vector variable -- the gradient of a quadratic in w in closed form (the matrix_gradient
kind's lines), written as k (A w - c), the normal equations A w = c, their solution A^{-1} c, and that
solution substituted back. A gradient that is not affine in w (a function that is not quadratic) is refused.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...errors import CannotDerive
from ...printer import tex
from ..matrix_gradient.solve import gradient_part
from .rules import GRADIENT_EXPANDED, NORMAL_EQUATIONS_SOLVED, SUBSTITUTED_BACK


def affine(problem, g, w):
    """(A, c) with g = A w - c, from the closed form's terms; a spec error where g is not affine in w."""
    n = w.shape[0]
    expanded = sp.expand(g)
    A, c = [], []
    for term in sp.Add.make_args(expanded) if not isinstance(expanded, sp.MatAdd) else expanded.args:
        if isinstance(term, sp.MatMul):
            coeff, mats = term.as_coeff_matrices()
        else:
            coeff, mats = sp.Integer(1), [term]
        if not term.has(w):
            c.append(-term)
            continue
        if mats and mats[-1] == w and not any(m.has(w) for m in mats[:-1]) and not sp.sympify(coeff, strict=True).has(w):
            A.append(coeff * (sp.MatMul(*mats[:-1]) if len(mats) > 1 else sp.Identity(n)))
            continue
        raise problem.error("function", f"the gradient with respect to {w.name} is not affine in {w.name} (the term "
                                        f"{tex(term)}): the function is not quadratic in {w.name}, so grad = 0 is "
                                        "no linear system",
                            "the normal equations need a quadratic, e.g. (X*w - y).T*(X*w - y) + lam*w.T*w")
    if not A:
        raise problem.error("function", f"the gradient does not depend on {w.name}: the function is linear in "
                                        f"{w.name} and has no critical point unless its gradient is 0")
    return sp.MatAdd(*A).doit() if len(A) > 1 else A[0], (sp.MatAdd(*c).doit() if len(c) > 1 else c[0]) if c \
        else sp.ZeroMatrix(n, 1)


def _common(terms) -> sp.Expr:
    """The largest positive rational factor the terms share (2 in 2X^T X + 2 lam I)."""
    numbers = []
    for t in terms:
        coeff = t.as_coeff_matrices()[0] if isinstance(t, sp.MatMul) else sp.Integer(1)
        numbers.append(sp.sympify(coeff, strict=True).as_coeff_Mul()[0])
    k = numbers[0]
    for x in numbers[1:]:
        k = sp.gcd(k, x)
    return abs(k) if k != 0 else sp.Integer(1)


def _args(e):
    return e.args if isinstance(e, sp.MatAdd) else (e,)


def _why(A, w):
    """Why A is invertible (a clause), the condition the page states for the checks (m >= n), and the
    rule's short words."""
    terms = _args(A)

    def factors(t):  # (1/m) X^T X: the matrices of a product with a positive number in front
        coeff, mats = t.as_coeff_matrices() if isinstance(t, sp.MatMul) else (sp.S.One, [t])
        return mats if (coeff.is_positive or not coeff.is_number and coeff.is_positive is not False
                        and all(s.is_positive for s in coeff.free_symbols)) else None

    gram = [t for t in terms if (fs := factors(t)) is not None and len(fs) == 2 and fs[0] == fs[1].T
            and isinstance(fs[1], sp.MatrixSymbol)]
    ridge = [t for t in terms if t not in gram and isinstance(t, sp.MatMul) and isinstance(t.args[-1], sp.Identity)
             and len(t.args) == 2 and t.args[0].is_Symbol]
    shown = tex(mo.Shown(_ordered(A)))
    if len(gram) == 1 and len(terms) == 1:
        X = factors(gram[0])[1]
        rows, cols = X.shape
        return (f"when ${shown}$ is invertible, that is when ${tex(X)}$ has full column rank (independent columns, "
                f"which needs ${tex(rows)} \\geq {tex(cols)}$)", sp.Ge(rows, cols, evaluate=False), "full column rank")
    if len(gram) == 1 and len(ridge) == 1 and len(terms) == 2:
        lam = ridge[0].args[0]
        X = factors(gram[0])[1]
        coeff = gram[0].as_coeff_matrices()[0] if isinstance(gram[0], sp.MatMul) else sp.S.One
        scaled = "" if coeff == 1 else tex(coeff) + " "
        return (f"for ${tex(lam)} > 0$: then ${shown}$ is positive definite "
                f"($v^{{T}} ({shown}) v = {scaled}\\lVert {tex(X)} v \\rVert^{{2}} + {tex(lam)} \\lVert v \\rVert^{{2}} > 0$ "
                f"for $v \\neq 0$), hence invertible, whatever the rank of ${tex(X)}$",
                None, f"invertible for ${tex(lam)} > 0$")
    return (f"when ${shown}$ is invertible", None, "when it is invertible")


def _ordered(A):
    """A with its terms in a reader's order: products of the data first, multiples of I last
    (X^T X + lam I), for display (inside mo.Shown, which prints it in that order)."""
    terms = sorted(_args(A), key=lambda t: (t.has(sp.Identity), sp.default_sort_key(t)))
    return sp.MatAdd(*terms, evaluate=False) if len(terms) > 1 else A


def solve_matrix(problem, info) -> Solution:
    c = problem.fields
    f, w = info["f"], info["wrt"]
    fname = sp.Symbol(c.name)
    part, closed = gradient_part(problem, f, w, c.name)
    part.intro = "The gradient, entry by entry in index notation, then in matrix form:"
    if not isinstance(closed, sp.MatrixExpr) or isinstance(closed, mo.EntryMatrix):
        raise CannotDerive(f"{problem.doc.file}: {problem.label}: cannot solve the gradient set to zero: it has "
                           "no closed matrix form")
    A, rhs = affine(problem, closed, w)
    k = _common([*_args(A), *_args(rhs)])
    A1 = sp.MatAdd(*[sp.MatMul(1 / k, t).doit() for t in _args(A)]).doit() if k != 1 else A
    c1 = sp.MatMul(1 / k, rhs).doit() if k != 1 else rhs
    shownA = _ordered(A1)
    grad = mo.GradientOf(f, w)
    with sp.evaluate(False):
        inner = sp.MatAdd(sp.MatMul(shownA, w), sp.MatMul(-1, c1))
        factored = mo.Shown(sp.MatMul(k, inner) if k != 1 else inner)
    part.add(mo.Partial(fname, w), factored, rule=GRADIENT_EXPANDED.at(variable=tex(w)), value=grad)
    why, condition, short = _why(A1, w)
    equations = f"{tex(mo.Shown(sp.MatMul(shownA, w, evaluate=False)))} = {tex(c1)}"
    solving = Part(intro=f"Setting the gradient to zero gives the normal equations ${equations}$. They have exactly "
                         f"one solution {why}:")
    star = sp.Symbol(f"{tex(w)}^{{\\ast}}")
    solution = sp.MatMul(sp.Inverse(A1), c1)
    shown_solution = mo.Shown(sp.MatMul(sp.Inverse(shownA), c1, evaluate=False))
    solving.add(star, shown_solution, rule=NORMAL_EQUATIONS_SOLVED.at(equations=equations, why=short),
                value=solution, therefore=True)
    note = f"at ${tex(w)} = {tex(star)}$" + (f", for ${tex(condition)}$" if condition is not None else "")
    with sp.evaluate(False):
        back = sp.MatAdd(sp.MatMul(shownA, sp.Inverse(shownA), c1), sp.MatMul(-1, c1))
        back = mo.Shown(sp.MatMul(k, back) if k != 1 else back)
    zero = sp.ZeroMatrix(*w.shape)
    assume = {w: solution}
    if condition is not None:
        assume["holds"] = [("≥", condition.lhs, condition.rhs)]
    with sp.evaluate(False):
        cancelled = mo.Shown(sp.MatMul(k, sp.MatAdd(c1, sp.MatMul(-1, c1))) if k != 1 else sp.MatAdd(c1, sp.MatMul(-1, c1)))
    solving.add(mo.Partial(fname, w), back, chain=[cancelled, zero], note=note, rule=SUBSTITUTED_BACK, value=grad,
                assume=assume)
    hessian = tex(mo.Shown(sp.MatMul(k, shownA, evaluate=False) if k != 1 else shownA))
    if short == "full column rank":
        closing = (f"The Hessian of ${c.name}$ is the constant matrix ${hessian}$, positive semidefinite "
                   f"($v^{{T}} X^{{T}} X v = \\lVert X v \\rVert^{{2}} \\geq 0$): ${c.name}$ is convex, so this critical "
                   f"point is a global minimum, the only one when ${tex(A1)}$ is invertible.")
    elif short.startswith("invertible for"):
        closing = (f"The Hessian of ${c.name}$ is the constant matrix ${hessian}$, positive definite for the same "
                   f"reason: ${c.name}$ is strictly convex, and this critical point is its unique global minimum.")
    else:
        closing = (f"The Hessian of ${c.name}$ is the constant matrix ${hessian}$: where it is positive definite, "
                   "this critical point is the unique global minimum.")
    answers = {"gradient": Answer(closed, description="the gradient"),
               "minimizer": Answer(solution, display=shown_solution,
                                   description="the solution of the normal equations")}
    return Solution([part, solving, Part(intro=closing)], answers, data={"layout": "denominator"})


def describe_matrix(problem, info) -> str:
    f, w = info["f"], info["wrt"]
    shapes = ", ".join(f"${n} \\in \\mathbb{{R}}^{{{tex(d[0])} \\times {tex(d[1])}}}$" for n, d in info["shapes"].items())
    name = problem.fields.name
    return (f"Let ${name}({tex(w)}) = {tex(f)}$ with {shapes}. Find the ${tex(w)}$ where the gradient "
            f"$\\partial {name} / \\partial {tex(w)}$ vanishes.")
