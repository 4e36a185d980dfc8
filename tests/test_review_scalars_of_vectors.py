"""Gradients over data where a number of the data (u^T u, 1^T y, logsumexp(Wx), a^T tanh(Wx + b)) multiplies a
vector or matrix: found by a review with a course's losses. Each answer is judged by central differences of the
loss written in plain floating point on random matrices, and every displayed line must be read back."""
from __future__ import annotations

import random
from pathlib import Path

import mpmath
import pytest
import sympy as sp

from answerkey import readback, render
from answerkey.build import load_spec, solve_all
from answerkey.errors import VerificationError

from .kindutil import write_spec

SIZES = {"n": 3, "d": 3, "C": 4, "h": 3, "m": 4}


def _sig(t):
    return 1 / (1 + mpmath.e ** (-t))


def _dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def _mv(A, x):
    return [_dot(row, x) for row in A]


def _lse(z):
    return mpmath.log(sum(mpmath.e ** t for t in z))


# id -> (spec fields, the loss over explicit matrices in floating point, a piece the key must print)
LOSSES = {
    # a^T tanh(Wx + b): W of h rows inside the sums once h is given a size (SymPy's subs skipped them)
    "tanh-net-a": (dict(name="L", function="(a.T*tanh(W*x + b) - t)**2/2", wrt="a",
                        shapes={"W": ["h", "n"], "x": ["n", 1], "a": ["h", 1], "b": ["h", 1]}),
                   lambda M: (_dot(M["a"], [mpmath.tanh(z + c) for z, c in zip(_mv(M["W"], M["x"]), M["b"])])
                              - M["t"]) ** 2 / 2,
                   r"\tanh{\left(W x + b \right)}"),
    # softmax cross-entropy with labels that need not sum to 1: (1^T y) softmax(Wx), bracketed
    "softmax-log": (dict(name="J", function="-y.T*log(softmax(W*x))", wrt="W",
                         shapes={"W": ["C", "d"], "x": ["d", 1], "y": ["C", 1]}),
                    lambda M: -_dot(M["y"], [z - _lse(_mv(M["W"], M["x"])) for z in _mv(M["W"], M["x"])]),
                    r"\left(\mathbf{1}^{T} y\right) \operatorname{softmax}\left(W x\right)"),
    "sigmoid-times-norm": (dict(function="sigmoid(u.T*v)*(u.T*u)", wrt="v",
                                shapes={"u": ["d", 1], "v": ["d", 1]}),
                           lambda M: _sig(_dot(M["u"], M["v"])) * _dot(M["u"], M["u"]),
                           r"\left(u^{T} u\right) u"),
    # a number of the data times logsumexp: the expression was refused with a traceback
    "norm-times-lse": (dict(function="y.T*y*logsumexp(W*x)", wrt="x",
                            shapes={"W": ["C", "d"], "x": ["d", 1], "y": ["C", 1]}),
                       lambda M: _dot(M["y"], M["y"]) * _lse(_mv(M["W"], M["x"])),
                       r"\left(y^{T} y\right) W^{T} \operatorname{softmax}\left(W x\right)"),
    # SymPy's matrix calculus writes the number u^T X u times A^T as a Kronecker product
    "trace-times-quadratic": (dict(function="trace(A*X)*(u.T*X*u)", wrt="X",
                                   shapes={"u": ["n", 1], "A": ["n", "n"], "X": ["n", "n"]}),
                              lambda M: sum(_dot(M["A"][i], [M["X"][j][i] for j in range(SIZES["n"])])
                                            for i in range(SIZES["n"])) * _dot(M["u"], _mv(M["X"], M["u"])),
                              r"\left(u^{T} X u\right) A^{T}"),
    # a minus sign before X^T (a (.) b (.) y): SymPy's printer dropped the brackets, and the build failed
    "nested-elementwise": (dict(function="-y.T*log(sigmoid(tanh(exp(X*w))))", wrt="w",
                                shapes={"X": ["m", "n"], "w": ["n", 1], "y": ["m", 1]}),
                           lambda M: -_dot(M["y"], [mpmath.log(_sig(mpmath.tanh(mpmath.e ** z)))
                                                    for z in _mv(M["X"], M["w"])]),
                           r"= - X^{T} \left(\left(\mathbf{1} - \sigma"),
}


def _explicit(shapes, rng):
    out = {}
    for name, (r, c) in shapes.items():
        rows, cols = SIZES.get(r, r), SIZES.get(c, c)
        m = [[mpmath.mpf(rng.uniform(-1, 1)) for _ in range(cols)] for _ in range(rows)]
        out[name] = [row[0] for row in m] if cols == 1 else m
    out["t"] = mpmath.mpf("0.3")
    return out


def _differences(loss, M, wrt):
    h = mpmath.mpf("1e-15")
    target = M[wrt]
    positions = [(i,) for i in range(len(target))] if not isinstance(target[0], list) else \
        [(i, j) for i in range(len(target)) for j in range(len(target[0]))]
    for pos in positions:
        def at(delta):
            copy = {k: ([list(r) for r in v] if isinstance(v, list) and v and isinstance(v[0], list) else
                        (list(v) if isinstance(v, list) else v)) for k, v in M.items()}
            if len(pos) == 1:
                copy[wrt][pos[0]] += delta
            else:
                copy[wrt][pos[0]][pos[1]] += delta
            return loss(copy)
        yield pos, (at(h) - at(-h)) / (2 * h)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_number_beside_a_vector_is_right_bracketed_and_read_back(tmp_path, name):
    fields, loss, piece = LOSSES[name]
    spec = load_spec(write_spec(tmp_path, {"kind": "matrix_gradient", "id": name, **fields}))
    problem = spec.problems[0]
    (solution,) = solve_all(spec)
    assert solution.verified
    block = render.solution_block(problem, solution)
    assert piece in block
    assert r"\otimes" not in block and "i_{1}" not in block  # no Kronecker product, no SymPy 0-based sums
    record = readback.check(problem, solution, block, problem.kind.context(problem))
    assert not record.unread, record.unread
    answer = solution.answers["gradient"].expr
    assert isinstance(answer, sp.MatrixExpr) and not answer.has(sp.Sum), answer
    with mpmath.workdps(40):
        M = _explicit(fields["shapes"], random.Random(name))
        sizes = {sp.Symbol(k, integer=True, positive=True): sp.Integer(v) for k, v in SIZES.items()}
        subs = {}
        for m in answer.atoms(sp.MatrixSymbol):
            rows = M[m.name] if isinstance(M[m.name][0], list) else [[x] for x in M[m.name]]
            subs[m] = sp.ImmutableMatrix([[sp.Float(str(x), 40) for x in row] for row in rows])
        value = answer.xreplace(subs).xreplace(sizes)
        value = value.xreplace({s: sp.Float("0.3", 40) for s in value.free_symbols if s.name == "t"})
        value = value.doit()
        value = sp.ImmutableMatrix(value.as_explicit() if not isinstance(value, sp.MatrixBase) else value)
        for pos, expected in _differences(loss, M, fields["wrt"]):
            got = value[pos[0], 0] if len(pos) == 1 else value[pos[0], pos[1]]
            assert abs(complex(sp.N(got, 30)) - complex(expected)) < 1e-12 * max(1, abs(complex(expected))), \
                (pos, got, expected)


@pytest.mark.parametrize("right, wrong", [
    (r"\left(u^{T} u\right) u", r"\left(u^{T} v\right) u"),
    (r"\left(u^{T} u\right) u", r"\left(u^{T} u\right) v"),
    (r"\left(u^{T} u\right) u", r"u"),
])
def test_a_wrong_number_beside_the_vector_fails_the_read_back(tmp_path, right, wrong):
    fields = LOSSES["sigmoid-times-norm"][0]
    spec = load_spec(write_spec(tmp_path, {"kind": "matrix_gradient", "id": "s", **fields}))
    problem = spec.problems[0]
    solution = problem.kind.solve(problem)
    block = render.solution_block(problem, solution)
    assert block.count(right) == 1
    mutated = block.replace(right, wrong)
    try:
        record = readback.check(problem, solution, mutated, problem.kind.context(problem))
    except VerificationError:
        return
    assert record.unread, wrong  # never passed as checked


def test_answers_csv_names_a_part_problem_part_label(tmp_path):
    """SPEC section 5: answers of a part are PROBLEM.PART.LABEL in answers.csv (1.b.hessian)."""
    import csv
    import subprocess
    import sys

    import yaml

    spec = {"title": "T", "problems": [
        {"id": "q", "params": {"c": {"randint": [1, 5], "default": 2}}, "function": "c*x**2*y", "parts": [
            {"kind": "gradient", "wrt": ["x", "y"]},
            {"kind": "hessian", "wrt": ["x", "y"]}]},
        {"kind": "gradient", "function": "x**3", "wrt": "x"}]}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, str(root / "generate.py"), str(path), "--variants", "2", "--no-pdf",
                           "-o", str(tmp_path / "out")], capture_output=True, text=True, cwd=root)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((tmp_path / "out" / "p-variants" / "answers.csv").open(encoding="utf-8")))
    assert {"1.a.gradient", "1.b.hessian", "2.gradient"} <= set(rows[0]), rows[0].keys()
    assert all(row["1.b.hessian"].startswith("[[") and row["2.gradient"] for row in rows)


@pytest.mark.parametrize("kind, function, shapes, wrt", [
    ("matrix_gradient", "(X*x - y).T*(X*x - y)", {"X": ["m", "n"], "x": ["n", 1], "y": ["m", 1]}, "x"),
    ("hessian", "(X*w - x).T*(X*w - x)", {"X": ["m", "n"], "w": ["n", 1], "x": ["m", 1]}, "w"),
    ("minimize", "(A*a - b).T*(A*a - b)", {"A": ["m", "n"], "a": ["n", 1], "b": ["m", 1]}, "a"),
])
def test_a_matrix_and_a_vector_of_one_letter_are_refused_by_every_kind_of_shapes(tmp_path, kind, function, shapes,
                                                                                 wrt):
    """X beside x: both would write entries x_... (minimize raised SymPy's IndexException; hessian printed x_p
    beside x_pi); the hint names a letter the spec does not use."""
    from answerkey.errors import SpecError

    path = write_spec(tmp_path, {"kind": kind, "id": "c", "function": function, "shapes": shapes, "wrt": wrt})
    with pytest.raises(SpecError) as info:
        solve_all(load_spec(path))
    text = str(info.value)
    assert text.startswith(f"{path}:") and "would both have entries named" in text
    hint = text.rsplit("the vector to ", 1)[1].rstrip(")")
    assert hint.lower() not in {n.lower() for n in shapes}
