"""kind: jacobian -- its fields (the outputs, each a name and its expression, and the variables; or one vector
function of one vector), and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

import sympy as sp
from pydantic import Field

from ... import mathobj as mo
from ...expr import Scope
from ..common import (Expr, Fields, Length, Name, Number, check_entry_names, in_domain, parse_lengths, parse_shapes,
                      point_values)

ELEMENTWISE = {"sigmoid": mo.sigmoid, "tanh": sp.tanh, "relu": mo.relu}  # the vector functions of one entry
RESERVED = {"J": "the Jacobian", "delta": "Kronecker's delta", "sigma": "the sigmoid", "e": "Euler's number",
            "diag": "the diagonal matrix"}  # names the page of a vector function writes with their own meaning
SUPPORTED = ("softmax(x); sigmoid(x), tanh(x) or relu(x), elementwise; an affine map A*x + b or W*x, "
             "its matrices in shapes")


class JacobianFields(Fields):
    outputs: dict[Name, Expr] | None = Field(None, min_length=1, max_length=8)  # y_1, y_2, ...: each of wrt
    function: Expr | None = None  # or one vector function of the vector wrt (softmax(x), sigmoid(x), A*x + b)
    name: Name = "y"  # the vector function's name (its i-th output y_i)
    vectors: dict[Name, Length] = {}  # with function: the vector wrt and its length (n or a number)
    shapes: dict[Name, list[Length]] = {}  # with function: the matrices (and bias vectors) of an affine map
    wrt: Name | list[Name]
    at: dict[Name, Number | list[Number]] | None = None  # a point: the Jacobian there (and its determinant)


def is_vector_form(problem) -> bool:
    return problem.fields.function is not None


def setup(problem):
    """({output symbol: expression}, the variables in order, the point or None)."""
    c = problem.fields
    if c.function is not None or c.outputs is None:
        raise problem.error("function" if c.function is not None else "outputs",
                            "give either outputs (scalar functions) or function (one vector function)")
    for field in ("vectors", "shapes", "name"):
        if field in c.model_fields_set:
            verb = "belongs" if field == "name" else "belong"
            raise problem.error(field, f"{field} {verb} to a vector function (function:), not to outputs")
    if isinstance(c.wrt, str):
        raise problem.error("wrt", "list the variables of the outputs, as in wrt: [x, y]")
    if not 1 <= len(c.wrt) <= 8:
        raise problem.error("wrt", "name between 1 and 8 variables")
    outputs = {}
    for name in c.outputs:
        f = problem.expr(("outputs", name), Scope())
        check_entry_names(problem, f, {}, f"outputs.{name}")
        outputs[sp.Symbol(name)] = f
    if len(set(c.wrt)) != len(c.wrt):
        raise problem.error("wrt", "a variable is named twice")
    free = {str(s) for f in outputs.values() for s in f.free_symbols}
    for name in c.wrt:
        if name not in free:
            raise problem.error("wrt", f"no output contains '{name}'", "their names: " + ", ".join(sorted(free)))
        if name in c.outputs:
            raise problem.error("wrt", f"'{name}' is an output and a variable")
    variables = [mo.real(n) for n in c.wrt]
    if c.at and any(isinstance(v, list) for v in c.at.values()):
        bad = next(k for k, v in c.at.items() if isinstance(v, list))
        raise problem.error(("at", bad), f"expected a number for {bad}, got a list")
    point = point_values(problem, c.at, {n: mo.real(n) for n in c.wrt}) if c.at else None
    if point:
        for name, f in zip(c.outputs, outputs.values()):
            in_domain(problem, f, point, "at", f"the point (for {name})")
    return outputs, variables, point


def setup_vector(problem) -> dict:
    """One vector function of one vector x: its i-th output as an expression of x's entries.

    Returns a dict: form ('softmax', 'sigmoid', 'tanh', 'relu' or 'affine'), name (the output's Symbol),
    x (IndexedBase), n (its length), m (the output's length), i (the output's index), entry (the i-th
    output: softmax(x)_i, sigmoid(x_i), sum_j a_ij x_j + b_i), matrices ([(coefficient, MatrixSymbol)] of an
    affine map; its biases in `biases`), point ({x_j: number} or None)."""
    c = problem.fields
    if c.outputs is not None:
        raise problem.error("outputs", "give either outputs (scalar functions) or function (one vector function)")
    if not isinstance(c.wrt, str):
        if len(c.wrt) != 1:
            raise problem.error("wrt", "a vector function is differentiated along one vector", "wrt: x")
        wrt = c.wrt[0]
    else:
        wrt = c.wrt
    lengths = parse_lengths(problem, c.vectors)
    shapes = parse_shapes(problem, c.shapes)
    for name in shapes:
        if name in lengths:
            raise problem.error(("shapes", name), f"'{name}' is declared in vectors and in shapes")
    if wrt not in lengths:
        raise problem.error("wrt", f"'{wrt}' is not a vector of the problem",
                            f"declare it with its length, as in vectors: {{{wrt}: n}}")
    for field, name in (("name", c.name), ("wrt", wrt)):
        if name in RESERVED:
            raise problem.error(field, f"'{name}' is a name the page uses itself ({RESERVED[name]})",
                                "call it something else")
    if c.name == wrt or c.name in lengths or c.name in shapes:
        raise problem.error("name", f"'{c.name}' is the output's name and a vector or matrix of the function",
                            "name the output otherwise, e.g. name: p")
    x, n = mo.vector(wrt), lengths[wrt]
    taken = set(lengths) | set(shapes) | {c.name, str(n)} | {str(s) for d in shapes.values() for e in d
                                                             for s in e.free_symbols}
    taken |= {name.lower() for name in shapes}
    if shapes:
        info = _affine(problem, wrt, lengths, shapes, taken)
    else:
        i = mo.fresh_index(taken, ("i", "r", "s", "t"))
        scope = Scope(vectors={name: lengths[name] for name in lengths}, entrywise={wrt: i})
        entry = problem.expr("function", scope)
        form = _form(entry, x, i, n)
        if form is None:
            raise problem.error("function", "this vector function is not supported", "supported: " + SUPPORTED)
        info = dict(form=form, entry=entry, i=i, m=n, matrices=[], biases=[])
    info.update(name=sp.Symbol(c.name), x=x, n=n, wrt=wrt, shapes=shapes, lengths=lengths)
    point = None
    if c.at is not None:
        if info["form"] == "affine":
            raise problem.error("at", "an affine map has the same Jacobian at every point (its matrix)",
                                "leave out at")
        if not n.is_number:
            raise problem.error("at", f"a point needs a vector of given length, and {wrt} has length {n}",
                                f"declare vectors: {{{wrt}: 3}} (a number) to evaluate the Jacobian at a point")
        point = point_values(problem, c.at, {wrt: (wrt, int(n))})
    info["point"] = point
    return info


def _form(entry, x, i, n):
    """Which supported vector function the i-th output is, or None."""
    if entry == mo.SoftmaxEntry(x, i, n):
        return "softmax"
    for name, fn in ELEMENTWISE.items():
        if entry == fn(x[i]):
            return name
    return None


def _affine(problem, wrt, lengths, shapes, taken) -> dict:
    """A*x + b (a sum of matrices times x, and of bias vectors), as its i-th output in index notation."""
    matrices = {**shapes, **{name: (length, sp.Integer(1)) for name, length in lengths.items()}}
    entries = {}
    for name, (rows, cols) in matrices.items():
        entry = name if cols == 1 else name.lower()
        if entry in entries:
            raise problem.error(("shapes", name) if name in shapes else ("vectors", name),
                                f"'{name}' and '{entries[entry]}' would both have entries named {entry}: the key "
                                "writes a matrix's entries in lower case", "rename one of them")
        entries[entry] = name
    f = problem.expr("function", Scope(matrices=matrices))
    X = sp.MatrixSymbol(wrt, *matrices[wrt])
    m, terms, biases = None, [], []
    for term in sp.Add.make_args(f) if not isinstance(f, sp.MatAdd) else f.args:
        coeff, factors = (term.args[0], term.args[1:]) if isinstance(term, sp.MatMul) and term.args[0].is_number \
            else (sp.Integer(1), term.args if isinstance(term, sp.MatMul) else (term,))
        if isinstance(term, sp.MatrixSymbol):
            factors = (term,)
        if len(factors) == 2 and factors[1] == X and isinstance(factors[0], sp.MatrixSymbol) and factors[0] != X:
            terms.append((coeff, factors[0]))
            rows = factors[0].shape[0]
        elif len(factors) == 1 and isinstance(factors[0], sp.MatrixSymbol) and factors[0] != X \
                and factors[0].shape[1] == 1:
            biases.append((coeff, factors[0]))
            rows = factors[0].shape[0]
        else:
            raise problem.error("function", "this vector function is not supported: an affine map is a sum of "
                                            f"matrices times {wrt} and of bias vectors", "supported: " + SUPPORTED)
        if m is not None and sp.sympify(rows - m, strict=True) != 0:
            raise problem.error("function", "the terms of the map have different numbers of rows")
        m = rows
    if not terms:
        raise problem.error("function", f"the map does not contain {wrt} times a matrix", "supported: " + SUPPORTED)
    i = mo.fresh_index(taken | set(entries), ("i", "r", "s", "t"))
    j = mo.fresh_index(taken | set(entries) | {str(i), "k"}, ("j", "l", "p", "q"))
    n = matrices[wrt][0]
    entry = sp.Add(*[c * sp.Sum(mo.vector(M.name.lower())[i, j] * mo.vector(wrt)[j], (j, 1, n)) for c, M in terms]) \
        + sp.Add(*[c * mo.vector(b.name)[i] for c, b in biases])
    return dict(form="affine", entry=entry, i=i, m=m, matrices=terms, biases=biases, expression=f)


def output_vector(info):
    """What the output's name means on the page: a vector (softmax(x), (sigma(x_1), ..., sigma(x_n)), the
    column of the affine map's outputs), whose entries the page writes y_i."""
    entry, i, m = info["entry"], info["i"], info["m"]
    if info["form"] == "softmax":
        return mo.Softmax(info["x"], info["n"])
    e = mo.index("_e")
    return mo.EntryMatrix(entry.subs(i, e), e, mo.index("_unused"), m, sp.Integer(1))


def context(problem):
    """Each output a function of the variables, as the spec gives it; every other name a constant. For a
    vector function: the vector x (its entries x_k), the output's name as that vector (its entries y_i),
    an affine map's matrices and their entries (A: a_ik, b: b_i)."""
    from ...reader import Context, Function

    if is_vector_form(problem):
        info = setup_vector(problem)
        ctx = Context()
        if info["form"] == "affine":
            for name, (rows, cols) in {**info["shapes"], **{k: (v, sp.Integer(1)) for k, v in info["lengths"].items()}}.items():
                M = sp.MatrixSymbol(name, rows, cols)
                ctx.matrices[name] = M
                entry = mo.entry_name(M)
                ctx.entries[entry] = (mo.vector(entry), 1 if cols == 1 else 2)
        else:
            for name, length in info["lengths"].items():
                ctx.vectors[name] = (mo.vector(name), length)
        for d in [info["n"], info["m"]] + [e for dims in info["shapes"].values() for e in dims]:
            for s in sp.sympify(d, strict=True).free_symbols:
                ctx.indices[s.name] = s
        ctx.labels[info["name"].name] = output_vector(info)
        ctx.shape = (info["m"], info["n"])
        return ctx
    outputs, variables, _ = setup(problem)
    ctx = Context()
    for f in outputs.values():
        for s in f.free_symbols:
            (ctx.indices if s.is_integer else ctx.scalars)[s.name] = s
    for name, f in outputs.items():
        ctx.functions[name.name] = Function(list(variables), f)
    return ctx
