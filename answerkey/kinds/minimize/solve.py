"""kind: minimize -- stationary points: the gradient set to zero and solved, step by step.

Scalar variables: the gradient entry by entry (the gradient kind's lines), sums over data split and
factored, the real solutions of grad f = 0, and at each one the solution substituted back (the gradient
vanishes there) and the second-derivative test of the hessian kind (its lines and its verdict). A vector
variable (shapes): the gradient in closed form (matrix_gradient's), written as A w - c (it must be affine
in w: the function quadratic), the normal equations A w = c and their solution A^{-1} c, substituted back.
Newton's method: the gradient and the Hessian at the point, and theta - H^{-1} grad f, in numbers.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...calculus import function_lines, partial_lines
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...errors import CannotDerive
from ...printer import tex
from ..hessian.solve import definiteness, second_partials, test_at
from .fields import setup
from .rules import FACTORED, SUMS_SPLIT, SUBSTITUTED_BACK


def solve(problem) -> Solution:
    info = setup(problem)
    if info["mode"] == "matrix":
        from .matrix import solve_matrix

        return solve_matrix(problem, info)
    if info["mode"] == "newton":
        from .newton import solve_newton

        return solve_newton(problem, info)
    return _scalar(problem, info)


def _cannot(problem, why: str) -> CannotDerive:
    return CannotDerive(f"{problem.doc.file}: {problem.label}: cannot find the critical points: {why}")


def split_sums(e, variables):
    """Sums split term by term, factors without their index taken out, sums of constants counted:
    sum_i (2b - 2x_i) = 2mb - 2 sum_i x_i."""
    def split(total):
        if len(total.limits) != 1:
            return total
        i, lo, hi = total.limits[0]
        out = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(total.function)):
            outside, inside = term.as_independent(i, as_Add=False)
            out += outside * (sp.Sum(inside, (i, lo, hi)).doit() if not inside.has(i) else sp.Sum(inside, (i, lo, hi)))
        return out

    return sp.expand(e.replace(lambda t: isinstance(t, sp.Sum), split))


def _sum_dummies(forms, variables):
    sums = sorted({s for e in forms for s in e.atoms(sp.Sum) if not s.has(*variables)}, key=sp.default_sort_key)
    return {s: sp.Dummy(f"S{k}", real=True) for k, s in enumerate(sums)}


def _factored(e, variables):
    """e factored where that shows where it vanishes (3x^2 - 3 = 3(x - 1)(x + 1)); e itself otherwise."""
    dummies = _sum_dummies([e], variables)
    plain = e.xreplace(dummies)
    if plain.atoms(sp.Sum) or not plain.is_polynomial(*variables):
        return e
    factored = sp.factor(plain)
    if not isinstance(factored, sp.Mul) or sp.expand(factored) != sp.expand(plain):
        return e
    return factored.xreplace({d: s for s, d in dummies.items()})


def critical_points(problem, forms, variables, f) -> list[dict]:
    """The real solutions of forms = 0 (each a dict variable -> value), in a stable order; CannotDerive
    where they cannot be found or are not isolated."""
    dummies = _sum_dummies(forms, variables)
    back = {d: s for s, d in dummies.items()}
    eqs = [sp.together(e.xreplace(dummies)) for e in forms]
    if any(e.atoms(sp.Sum) for e in eqs):
        raise _cannot(problem, "a sum over the data still holds a variable after splitting")
    if any(e.has(*variables) and a.has(*variables) for e in eqs for a in e.atoms(sp.sin, sp.cos, sp.tan)):
        raise _cannot(problem, "the gradient is periodic in a variable: its zeros are not a finite list")
    polynomial = all(sp.numer(e).is_polynomial(*variables) for e in eqs)
    try:
        if not polynomial and len(variables) == 1:
            found = sp.solveset(eqs[0], variables[0], sp.S.Reals)
            if found is sp.S.EmptySet:
                return []
            if not isinstance(found, sp.FiniteSet):
                raise _cannot(problem, f"SymPy's solveset gives {found}, not a finite list of points")
            solutions = [{variables[0]: v} for v in found]
        else:
            solutions = sp.solve(eqs, variables, dict=True)
    except (NotImplementedError, ValueError, TypeError) as exc:
        raise _cannot(problem, f"SymPy cannot solve the gradient's equations ({str(exc)[:80]})") from None
    points = []
    for sol in solutions:
        if set(sol) != set(variables) or any(v.has(*variables) for v in sol.values()):
            raise _cannot(problem, "they are not isolated points (a whole curve or set of them solves "
                                   "the equations)")
        point = {v: sp.simplify(sol[v].xreplace(back)) for v in variables}
        if any(p.is_real is False for p in point.values()):
            continue
        if not all(_surely_real(p) for p in point.values()):
            raise _cannot(problem, "whether a solution is real depends on the constants")
        if not _defined(f, point) or not all(_defined(e.xreplace(back), point) for e in eqs):
            continue
        points.append(point)
    return sorted(points, key=lambda p: [sp.default_sort_key(p[v]) if not p[v].is_number else (0, float(p[v]))
                                         for v in variables])


def _surely_real(value) -> bool:
    """A solution that is real whatever the real constants and data: SymPy says so, or it is a rational
    function of them (sums of data included), without i and without roots."""
    if value.is_real:
        return True
    roots = [p for p in value.atoms(sp.Pow) if not p.exp.is_integer]
    return not value.has(sp.I) and not roots and not value.has(sp.log, sp.exp, sp.LambertW)


class Parened(mo.Display):
    """A negative number put into a form, in brackets (4 (-1)^3 - 4 (-1)); its value is the number."""

    def value(self):
        return self.args[0]

    def _latex(self, printer):
        return f"\\left({printer._print(self.args[0])}\\right)"


def _defined(e, point) -> bool:
    value = e.xreplace(point)
    if not value.is_number:
        return not value.has(sp.nan, sp.zoo, sp.oo, -sp.oo)
    number = sp.N(value, 30)
    return bool(number.is_finite and number.is_real)


def substituted(form, point):
    """The form with the point's values put in, unevaluated (3 (-1)^2 - 3)."""
    values = {v: Parened(p) if p.is_number and p.is_negative else p for v, p in point.items()}
    with sp.evaluate(False):
        shown = form.xreplace(values)
        return shown.replace(lambda e: isinstance(e, sp.Pow) and isinstance(e.base, Parened),
                             lambda e: sp.Pow(e.base.args[0], e.exp, evaluate=False))  # SymPy brackets (-1)^3


def _scalar(problem, info) -> Solution:
    c = problem.fields
    f, variables = info["f"], info["vars"]
    fname = sp.Symbol(c.name)
    first = Part(intro="The gradient, entry by entry:")
    g = function_lines(first, mo.Applied(fname, *variables), f)
    forms, shown = [], []
    for v in variables:
        form = partial_lines(first, fname, g, v)
        truth = mo.conventional_diff(g, v)
        if form.has(sp.Sum):
            split = split_sums(form, variables)
            if split != form:
                first.add(mo.Partial(fname, v), split, rule=SUMS_SPLIT, value=truth)
                form = split
        factored = _factored(form, variables)
        if factored != form:
            first.add(mo.Partial(fname, v), factored, rule=FACTORED, value=truth)
        forms.append(form)
        shown.append(factored)
    points = critical_points(problem, forms, variables, f)
    equations = ", ".join(f"${tex(e)} = 0$" for e in shown)
    if not points:
        raise problem.error("function", "the gradient is never zero: the function has no critical point"
                                        + (" (its equations have no real solution)" if forms else ""),
                            "choose a function with a minimum, e.g. add a quadratic term")
    words = "one real solution" if len(points) == 1 else f"{len(points)} real solutions"
    solving = Part(intro=f"At a critical point every partial derivative is zero: {equations}. This system has "
                         f"{words}: " + "; ".join(_point_text(p, variables) for p in points) + ".")
    second, hessian = second_partials(fname, f, variables, forms, therefore=True)
    parts = [first, solving, second]
    groups: dict[str, list] = {}
    for k, point in enumerate(points, start=1):
        label = f"critical point {k}" if len(points) > 1 else "the critical point"
        here, grad_at, _, said = test_at(problem, fname, f, variables, point, forms, hessian, field="function",
                                         intro=f"At {label}, {_point_text(point, variables)}, the solution "
                                               "substituted back, and the second-derivative test:",
                                         substituted=sp.ImmutableMatrix([substituted(e, point) for e in forms]),
                                         rule=SUBSTITUTED_BACK, minors=len(variables) > 1)
        if any(e != 0 for e in grad_at):  # the solver's solution must make the gradient vanish
            raise _cannot(problem, f"the solution {_point_text(point, variables)} does not make the gradient zero")
        parts.append(here)
        if said is None:
            parts.append(Part(intro="The second derivatives there depend on the constants: the test does not "
                                    "decide without their values."))
            groups.setdefault("undecided", []).append(point)
            continue
        sentence, short = said
        parts.append(Part(intro="Hence " + sentence + "."))
        key = {"a local minimum": "minima", "a local maximum": "maxima", "a saddle point": "saddles"}.get(short,
                                                                                                          "undecided")
        groups.setdefault(key, []).append(point)
    answers = {"points": Answer(_rows(points, variables), description="the critical points (one per row)")}
    for key, members in groups.items():
        answers[key] = Answer(_rows(members, variables), description=f"the critical points that are {key}")
    minima = groups.get("minima", [])
    if len(minima) == 1:
        only = minima[0]
        convex = not hessian.has(*variables) and definiteness(hessian) == "positive definite"
        if convex:
            parts.append(Part(intro=f"The Hessian is the same positive definite matrix everywhere, so ${c.name}$ is "
                                    "strictly convex and this local minimum is its global minimum."))
        answers["minimum"] = Answer(sp.ImmutableMatrix([only[v] for v in variables]) if len(variables) > 1
                                    else only[variables[0]],
                                    description="the global minimum" if convex else "the one local minimum")
        if not f.has(sp.Sum):  # (a sum's value there would reuse its index inside itself)
            answers["minimum_value"] = Answer(tidy(f.xreplace(only)), description="the function's value there")
    return Solution(parts, answers)


def _rows(points, variables):
    return sp.ImmutableMatrix([[p[v] for v in variables] for p in points])


def _point_text(point, variables) -> str:
    return ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)


def describe(problem) -> str:
    c = problem.fields
    info = setup(problem)
    if info["mode"] == "matrix":
        from .matrix import describe_matrix

        return describe_matrix(problem, info)
    args = ", ".join(tex(v) for v in info["vars"])
    text = f"Let ${c.name}({args}) = {tex(info['f'])}$."
    if info["mode"] == "newton":
        start = ", ".join(f"${tex(k)} = {tex(v)}$" for k, v in info["at"].items())
        steps = c.newton.steps
        return text + (f" Take {'one Newton step' if steps == 1 else f'{steps} Newton steps'} "
                       r"$\theta \leftarrow \theta - H^{-1} \nabla " + c.name + f"$ from {start}.")
    return text + " Find its critical points and classify them."
