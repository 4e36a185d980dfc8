"""kind: gradient -- the gradient of a scalar function, component by component by the chain rule.

For a vector of symbolic length, the k-th component, with the case split k = i / k != i where an index
appears, and softmax(x) and e_i recognised in the result. For symbols or a vector of given length, every
component; with `at`, the gradient at that point.
"""
from __future__ import annotations

import sympy as sp

from .. import mathobj as mo
from ..calculus import function_lines, partial_lines, recognize
from ..diffsteps import tidy
from ..derivation import Answer, Part, Solution
from ..expr import ExprError, Scope, parse_length
from . import Kind
from .common import Expr, Fields, Length, Name, Number, check_entry_names, check_sums, point_values


class GradientFields(Fields):
    name: Name = "f"
    function: Expr
    vectors: dict[Name, Length] = {}
    wrt: Name | list[Name]
    at: dict[Name, Number | list[Number]] | None = None


def setup(problem, fields):
    """Parse the function and the variables: (f, variables in order, display arguments, scope info).

    Returns a dict with f, vars (SymPy symbols or entries), args (what f is applied to in the display),
    and, for one vector of symbolic length, vector=(x, n)."""
    lengths = {}
    for name, length in fields.vectors.items():
        try:
            lengths[name] = parse_length(length)
        except ExprError as exc:
            raise problem.error(("vectors", name), exc.message) from None
    f = mo.rename_clashing_indices(problem.expr("function", Scope(vectors=dict(lengths))))
    check_sums(problem, f, lengths)
    check_entry_names(problem, f, lengths)
    wrt = [fields.wrt] if isinstance(fields.wrt, str) else list(fields.wrt)
    if not wrt:
        raise problem.error("wrt", "name at least one variable")
    variables, order, args = {}, [], []
    free = {str(s) for s in f.free_symbols}
    for name in wrt:
        if name in lengths:
            length = lengths[name]
            if not length.is_number:
                if len(wrt) != 1:
                    raise problem.error("wrt", f"the vector {name} of length {length} must be the only variable")
                if fields.at is not None:
                    raise problem.error("at", f"a point needs vectors of given length, and {name} has length "
                                              f"{length}", f"declare vectors: {{{name}: 3}} (a number) to "
                                                           "evaluate the gradient at a point")
                return dict(f=f, vector=(mo.vector(name), length), args=[mo.vector(name)], at=None,
                            lengths=lengths)
            entries = [mo.vector(name)[i] for i in range(1, int(length) + 1)]
            order.extend(entries)
            variables[name] = (name, int(length))
            args.append(mo.vector(name))
        else:
            if name not in free:
                raise problem.error("wrt", f"the function does not contain '{name}'",
                                    "its variables: " + ", ".join(sorted(free) + sorted(lengths)))
            order.append(mo.real(name))
            variables[name] = mo.real(name)
            args.append(mo.real(name))
    given = f
    f = f.doit() if f.has(sp.Sum) else f
    at = point_values(problem, fields.at, variables) if fields.at else None
    if at:
        in_domain(problem, f, at, "at")
    return dict(f=f, given=given, vars=order, args=args, at=at, lengths=lengths)


def undefined_at(problem, gradient, point: dict, field: str, what: str = "the point") -> None:
    """A gradient that has no value at the point (sqrt(x^2 + y^2) at the origin: 0/0) is an error at the
    field that gives the point: the function is not differentiable there."""
    bad = [e for e in gradient if isinstance(e, sp.Basic) and (e.has(sp.nan, sp.zoo, sp.oo, -sp.oo)
                                                               or (e.is_number and not e.is_real))]
    if bad and problem is not None:
        shown = ", ".join(f"{k} = {v}" for k, v in point.items())
        raise problem.error(field, f"the function is not differentiable at {what} ({shown}): its gradient "
                                   "has no value there", "choose another point")


def in_domain(problem, f, point: dict, field: str, what: str = "the point") -> None:
    """The function is defined (finite and real) at the point: a log of a non-positive number, a division
    by zero or a root of a negative number there is an error at the field that gives the point, naming
    the part at fault (also when constants are left in the rest of the function)."""
    shown = ", ".join(f"{k} = {v}" for k, v in point.items())

    def fail(why):
        raise problem.error(field, f"{what} ({shown}) is outside the domain of the function: {why}")

    for e in sp.postorder_traversal(f):
        if isinstance(e, sp.log):
            a = e.args[0].xreplace(point)
            if a.is_number and (a.is_real is False or a.is_nonpositive):
                fail(f"log({_num(a)}) is undefined")
        elif isinstance(e, sp.Pow):
            base, exp = e.args[0].xreplace(point), e.args[1].xreplace(point)
            if base.is_number and base.is_zero and exp.is_number and exp.is_negative:
                fail(f"{sp.sstr(e.args[0])} = 0 divides")
            if base.is_number and base.is_negative and exp.is_number and not exp.is_integer:
                fail(f"a root of the negative number {_num(base)}")
    value = f.xreplace(point) if isinstance(f, sp.Basic) else f
    if value.free_symbols:
        return
    try:
        number = sp.N(value, 30)
    except (TypeError, ValueError, ZeroDivisionError):
        number = sp.nan
    if number.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not number.is_real:
        fail("it is undefined there" if number.has(sp.nan, sp.zoo) or not number.is_number
             else "it is not a real number there")


def _num(v) -> str:
    v = sp.sympify(v, strict=True)
    return str(v) if v.is_Rational else str(sp.N(v, 6))


def solve(problem) -> Solution:
    fields = problem.fields
    info = setup(problem, fields)
    fname = sp.Symbol(fields.name)
    if "vector" in info:
        return _solve_vector(fname, info)
    return _solve_components(fname, info, problem)


def _solve_vector(fname, info) -> Solution:
    """A vector of symbolic length n: the k-th component, cases, and the vector recognised."""
    f = info["f"]
    x, n = info["vector"]
    part = Part()
    lhs = mo.Applied(fname, x)
    g = function_lines(part, lhs, f)
    k = mo.fresh_index(mo.names_in(g) | {str(n)})
    nabla = mo.Nabla(fname, x)
    part.add(nabla, mo.DotsVector(mo.Partial(fname, x[k]), k, n, False), rule="definition of the gradient",
             check=False)
    entry = partial_lines(part, fname, g, x[k], assume={"ranges": {k: n}})
    truth = mo.DotsVector(mo.conventional_diff(g, x[k]), k, n, True)
    bound = {lim[0] for total in entry.atoms(sp.Sum) for lim in total.limits}
    deltas = sorted((d for d in entry.atoms(sp.KroneckerDelta) if k in d.args and not d.free_symbols & bound), key=str)
    if len(deltas) == 1:
        other = deltas[0].args[0] if deltas[0].args[1] == k else deltas[0].args[1]
        same = tidy(entry.subs(k, other).doit()) if entry.subs(k, other).has(sp.Sum) else entry.subs(k, other)
        part.add(mo.Partial(fname, x[other]), same, note=f"where ${sp.latex(k)} = {sp.latex(other)}$",
                 rule="the case split", value=mo.conventional_diff(g, x[k]).subs(k, other))
        part.add(mo.Partial(fname, x[k]), tidy(entry.subs(deltas[0], 0).doit()),
                 note=f"where ${sp.latex(k)} \\neq {sp.latex(other)}$", rule="the case split",
                 value=mo.conventional_diff(g, x[k]), assume={"distinct": (k, other)})
    vector = recognize(entry, x, n, k)
    shown = vector if vector is not None else mo.DotsVector(entry, k, n, True) if mo.uniform_entry(entry, k) \
        else mo.EntryMatrix(entry, k, mo.index("_unused"), n, sp.Integer(1))
    part.add(nabla, shown, rule="recognising the vector" if vector is not None else "the components assembled",
             value=truth, therefore=True, vector_index=k)
    answers = {"gradient": Answer(entry, index=k, display=shown,
                                  description=f"the {sp.latex(k)}-th entry of the gradient")}
    return Solution([part], answers, data={"index": k})


def _summed_vectors(g, order) -> dict:
    """The vectors of given length among the variables that g sums over (Sum(w[i] x[i], (i, 1, 3))):
    their k-th entry is derived once, not once per entry. {base: length}."""
    out = {}
    for v in order:
        if isinstance(v, sp.Indexed) and v.base not in out:
            for total in g.atoms(sp.Sum):
                variables = {lim[0] for lim in total.limits}
                if any(e.base == v.base and any(i.has(var) for i in e.indices for var in variables)
                       for e in total.function.atoms(sp.Indexed)):
                    out[v.base] = sum(1 for w in order if isinstance(w, sp.Indexed) and w.base == v.base)
                    break
    return out


def _solve_components(fname, info, problem=None) -> Solution:
    f, order, args = info["f"], info["vars"], info["args"]
    part = Part()
    lhs = mo.Applied(fname, *args)
    g = function_lines(part, lhs, info.get("given", f))
    summed = _summed_vectors(g, order)
    if not summed and any(all(b.is_number for b in s.limits[0][1:]) for s in g.atoms(sp.Sum)):
        g = g.doit()
        part.add(lhs, g, rule="the sum written out", value=f)
    nabla = mo.Nabla(fname, *args)
    part.add(nabla, sp.Matrix([mo.Partial(fname, v) for v in order]), rule="definition of the gradient",
             check=False)
    entries = {}
    for base, length in summed.items():  # one derivation for the k-th entry, then k = 1, ..., length
        k = mo.fresh_index(mo.names_in(g))
        first = len(part.lines)
        entries[base] = (k, partial_lines(part, fname, g, base[k], assume={"ranges": {k: sp.Integer(length)}}))
        part.lines[first].note = f"for $1 \\leq {sp.latex(k)} \\leq {length}$"
    results = []
    for v in order:
        if isinstance(v, sp.Indexed) and v.base in entries:
            k, entry = entries[v.base]
            results.append(entry.subs(k, v.indices[0]))
        else:
            results.append(partial_lines(part, fname, g, v))
    truth = sp.Matrix([mo.conventional_diff(g, v) for v in order])
    grad = sp.Matrix(results)
    entry_words = ", ".join(f"the {sp.latex(entries[b][0])}-th entry of {b} at {sp.latex(entries[b][0])} = 1, ..., {n}"
                            for b, n in summed.items())
    part.add(nabla, grad, rule="the components assembled" + (f", {entry_words}" if summed else ""), value=truth,
             therefore=True)
    answers = {"gradient": Answer(grad.applyfunc(lambda e: e.doit()) if summed else grad, display=grad)}
    if info["at"]:
        point = info["at"]
        values = grad.applyfunc(lambda e: e.doit()).subs(point)  # sums written out first, to reach every entry
        undefined_at(problem, values, point, "at")
        shown_args = [sp.Matrix([point[mo.vector(str(a))[i]] for i in range(1, 1 + sum(
            1 for v in order if isinstance(v, sp.Indexed) and v.base == a))]) if isinstance(a, sp.IndexedBase)
            else point[a] for a in args]
        at_lhs = mo.Applied(sp.Symbol(f"\\nabla {fname}"), *shown_args)
        exact = values.applyfunc(tidy)
        if any(mo.undecided_ties(e) for e in exact):
            raise problem.error("at", "at this point arguments of a max or min tie, and whether the others join "
                                      "the tie depends on the constants", "give the constants values, or choose "
                                                                          "a point without a tie")
        truth_at = truth.applyfunc(lambda e: e.doit()).subs(point)
        from ..printer import tex

        ties = sorted((g for g in f.atoms(sp.Max, sp.Min) if mo.kinks_at(g, point)), key=str)
        rule = "substituting the point" + (
            f"; there ${'$, $'.join(tex(g) for g in ties)}$ tie{'s' if len(ties) == 1 else ''}, and a tie splits "
            "the gradient equally (the indicators above hold away from ties)" if ties else "")
        part.add(at_lhs, exact, rule=rule, value=truth_at, therefore=True)
        if any(e.is_number and not e.is_Rational for e in exact):
            part.add(at_lhs, exact.applyfunc(lambda e: mo.accurate(e, 30)), rule="numerically", value=truth_at,
                     therefore=True, approx=True)
        answers["gradient_at"] = Answer(exact, description="the gradient at the point")
    return Solution([part], answers)


def confirm(problem, solution) -> list[str]:
    from ..confirm import confirm_gradient

    return confirm_gradient(problem, solution, setup(problem, problem.fields))


def describe(problem) -> str:
    from ..printer import tex

    info = setup(problem, problem.fields)
    args = ", ".join(tex(a) for a in info["args"])
    text = f"Compute the gradient of ${problem.fields.name}({args}) = {tex(info['f'])}$"
    if "vector" in info:
        x, n = info["vector"]
        text += f" for ${tex(x)} \\in \\mathbb{{R}}^{{{tex(n)}}}$"
    if info.get("at"):
        text += ", and evaluate it at " + ", ".join(f"${tex(k)} = {tex(v)}$" for k, v in info["at"].items())
    return text + "."

def context(problem):
    """What the names on the page mean: the function as the spec gives it, of the variables in wrt;
    every other name a constant; vectors and their lengths."""
    from ..reader import Context, Function

    fields = problem.fields
    lengths = {name: parse_length(length) for name, length in fields.vectors.items()}
    f = mo.rename_clashing_indices(problem.expr("function", Scope(vectors=dict(lengths))))
    return function_context(f, fields.name, [fields.wrt] if isinstance(fields.wrt, str) else list(fields.wrt),
                            lengths)


def function_context(f, fname: str, wrt: list, lengths: dict):
    from ..reader import Context, Function

    ctx = Context()
    for name, n in lengths.items():
        ctx.vectors[name] = (mo.vector(name), n)
        for s in sp.sympify(n, strict=True).free_symbols:
            ctx.indices[s.name] = s
    for s in f.free_symbols:
        if s.name not in lengths:  # a vector's label is no scalar
            (ctx.indices if s.is_integer else ctx.scalars)[s.name] = s
    params = [(mo.vector(name), lengths[name]) if name in lengths else mo.real(name) for name in wrt]
    ctx.functions[fname] = Function(params, f)
    names = mo.names_in(f) | set(lengths)
    if "e" not in names and len(lengths) == 1:
        ctx.unit_length = next(iter(lengths.values()))
    vectors = [name for name in wrt if name in lengths]
    if len(vectors) == 1:  # [g_k]_k: a vector of the variable's length
        ctx.shape = (lengths[vectors[0]], sp.Integer(1))
    return ctx


KIND = Kind("gradient", GradientFields, solve, confirm, "kinds/gradient.tex", describe, context)
