"""Gradients over data in matrix notation (issue 14, item 1) and problems of parts (item 6).

The losses are the ones a course writes (least squares averaged over m, ridge, logistic regression, word2vec's
naive softmax with respect to the centre vector and to the outside vectors, negative sampling, a one-hidden-
layer network); each key's matrix form is judged here by an independent computation: the loss evaluated in
plain floating point (mpmath) on random matrices of explicit size, its gradient by central differences, and
the key's answer evaluated by SymPy on the same matrices."""
from __future__ import annotations

import json
import random

import mpmath
import pytest
import sympy as sp

from answerkey import readback, render
from answerkey.build import load_spec, solve_all
from answerkey.errors import VerificationError

from .kindutil import write_spec

SIZES = {"m": 3, "n": 2, "V": 4, "d": 2, "K": 3, "h": 2}


def _sig(t):
    return 1 / (1 + mpmath.e ** (-t))


def _mat(rng, r, c):
    return [[mpmath.mpf(rng.uniform(-1, 1)) for _ in range(c)] for _ in range(r)]


def _mv(A, x):
    return [sum(a * b for a, b in zip(row, x)) for row in A]


# name -> (spec fields, loss in floating point over the dict of explicit matrices, expected LaTeX piece)
LOSSES = {
    "mse": (dict(function="(X*w - y).T*(X*w - y)/m", shapes={"X": ["m", "n"], "w": ["n", 1], "y": ["m", 1]},
                 wrt="w"),
            lambda M: sum((a - b) ** 2 for a, b in zip(_mv(M["X"], M["w"]), M["y"])) / SIZES["m"], "X^{T}"),
    "ridge": (dict(function="(X*w - y).T*(X*w - y) + lam*w.T*w",
                   shapes={"X": ["m", "n"], "w": ["n", 1], "y": ["m", 1]}, wrt="w"),
              lambda M: sum((a - b) ** 2 for a, b in zip(_mv(M["X"], M["w"]), M["y"]))
              + M["lam"] * sum(t ** 2 for t in M["w"]), "X^{T}"),
    "logistic": (dict(function="-(y.T*log(sigmoid(X*w)) + (1 - y).T*log(1 - sigmoid(X*w)))",
                      shapes={"X": ["m", "n"], "w": ["n", 1], "y": ["m", 1]}, wrt="w"),
                 lambda M: -sum(t * mpmath.log(_sig(z)) + (1 - t) * mpmath.log(1 - _sig(z))
                                for z, t in zip(_mv(M["X"], M["w"]), M["y"])),
                 r"X^{T} \left(\sigma\left(X w\right) - y\right)"),
    "logistic-bias-mean": (dict(function="-(y.T*log(sigmoid(X*w + b)) + (1 - y).T*log(1 - sigmoid(X*w + b)))/m",
                                shapes={"X": ["m", "n"], "w": ["n", 1], "y": ["m", 1], "b": ["m", 1]}, wrt="w"),
                           lambda M: -sum(t * mpmath.log(_sig(z + c)) + (1 - t) * mpmath.log(1 - _sig(z + c))
                                          for z, t, c in zip(_mv(M["X"], M["w"]), M["y"], M["b"])) / SIZES["m"],
                           r"\frac{1}{m} X^{T} \left(\sigma\left(X w + b\right) - y\right)"),
    "naive-softmax-v": (dict(name="J", function="-y.T*U*v + logsumexp(U*v)",
                             shapes={"U": ["V", "d"], "v": ["d", 1], "y": ["V", 1]}, wrt="v"),
                        lambda M: -sum(a * b for a, b in zip(M["y"], _mv(M["U"], M["v"])))
                        + mpmath.log(sum(mpmath.e ** z for z in _mv(M["U"], M["v"]))),
                        r"U^{T} \left(\operatorname{softmax}\left(U v\right) - y\right)"),
    "naive-softmax-U": (dict(name="J", function="-y.T*U*v + logsumexp(U*v)",
                             shapes={"U": ["V", "d"], "v": ["d", 1], "y": ["V", 1]}, wrt="U"),
                        lambda M: -sum(a * b for a, b in zip(M["y"], _mv(M["U"], M["v"])))
                        + mpmath.log(sum(mpmath.e ** z for z in _mv(M["U"], M["v"]))),
                        r"\left(\operatorname{softmax}\left(U v\right) - y\right) v^{T}"),
    "negative-sampling": (dict(name="J", function="-log(sigmoid(u.T*v)) - o.T*log(sigmoid(-(N*v)))",
                               shapes={"u": ["d", 1], "v": ["d", 1], "N": ["K", "d"], "o": ["K", 1]}, wrt="v"),
                          lambda M: -mpmath.log(_sig(sum(a * b for a, b in zip(M["u"], M["v"]))))
                          - sum(t * mpmath.log(_sig(-z)) for z, t in zip(_mv(M["N"], M["v"]), M["o"])),
                          r"\sigma\left(u^{T} v\right)"),
    "hidden-layer": (dict(name="L", function="(v.T*sigmoid(W*x) - t)**2/2",
                          shapes={"W": ["h", "n"], "x": ["n", 1], "v": ["h", 1]}, wrt="W"),
                     lambda M: (sum(a * _sig(z) for a, z in zip(M["v"], _mv(M["W"], M["x"]))) - M["t"]) ** 2 / 2,
                     r"x^{T}"),
}


def _explicit(shapes, rng):
    """Random matrices of explicit size: {name: rows (a list of lists, or a list for a column)}."""
    out = {}
    for name, (r, c) in shapes.items():
        rows, cols = SIZES.get(r, r), SIZES.get(c, c)
        m = _mat(rng, rows, cols)
        out[name] = [row[0] for row in m] if cols == 1 else m
    out["lam"], out["t"] = mpmath.mpf("0.7"), mpmath.mpf("0.3")
    return out


def _finite_differences(loss, M, wrt):
    h = mpmath.mpf("1e-12")
    target = M[wrt]
    grad = []
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
        grad.append((pos, (at(h) - at(-h)) / (2 * h)))
    return grad


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_course_loss_gets_its_gradient_in_matrix_notation(tmp_path, name):
    fields, loss, piece = LOSSES[name]
    spec = load_spec(write_spec(tmp_path, {"kind": "matrix_gradient", "id": name, **fields}))
    (solution,) = solve_all(spec)
    assert solution.verified
    answer = solution.answers["gradient"].expr
    assert isinstance(answer, sp.MatrixExpr) and not answer.has(sp.Sum), answer  # a matrix form, not entries
    latex = render.solution_block(spec.problems[0], solution)
    assert piece in latex
    with mpmath.workdps(40):
        rng = random.Random(name)
        M = _explicit(fields["shapes"], rng)
        sizes = {sp.Symbol(k, integer=True, positive=True): v for k, v in SIZES.items()}
        subs = {sp.MatrixSymbol(n, *[sizes.get(sp.Symbol(str(d), integer=True, positive=True), d)
                                     if isinstance(d, str) else d for d in dims]):
                sp.ImmutableMatrix([[sp.Float(str(x), 40)] for x in M[n]] if not isinstance(M[n][0], list)
                                   else [[sp.Float(str(x), 40) for x in row] for row in M[n]])
                for n, dims in fields["shapes"].items()}
        scalars = {"lam": sp.Float("0.7"), "t": sp.Float("0.3"), **SIZES}
        value = answer.xreplace({m: subs[next(k for k in subs if k.name == m.name)]
                                 for m in answer.atoms(sp.MatrixSymbol)})
        value = value.xreplace({s: scalars[s.name] for s in value.free_symbols if s.name in scalars})
        value = sp.ImmutableMatrix(value.doit().as_explicit() if not isinstance(value, sp.MatrixBase) else value)
        for pos, expected in _finite_differences(loss, M, fields["wrt"]):
            got = value[pos[0], 0] if len(pos) == 1 else value[pos[0], pos[1]]
            assert abs(complex(sp.N(got, 30)) - complex(expected)) < 1e-8 * max(1, abs(complex(expected))), (pos, got,
                                                                                                            expected)


def test_a_wrong_matrix_form_on_the_page_fails_the_read_back(tmp_path):
    fields = LOSSES["logistic"][0]
    spec = load_spec(write_spec(tmp_path, {"kind": "matrix_gradient", "id": "lr", **fields}))
    problem = spec.problems[0]
    solution = problem.kind.solve(problem)
    block = render.solution_block(problem, solution)
    right = r"X^{T} \left(\sigma\left(X w\right) - y\right)"
    assert right in block
    for wrong in (r"X \left(\sigma\left(X w\right) - y\right)",  # X for X^T: a shape error, unreadable
                  r"X^{T} \left(y - \sigma\left(X w\right)\right)",  # the sign
                  r"X^{T} \left(\sigma\left(X w\right) - \mathbf{1}\right)"):  # y dropped for the ones
        mutated = block.replace(right, wrong)
        try:
            record = readback.check(problem, solution, mutated, problem.kind.context(problem))
        except VerificationError:
            continue
        assert record.unread, wrong  # not read: listed, never passed as checked


def test_a_size_named_in_the_function_is_that_size(tmp_path):
    """1/m with X of m rows: m is the number of rows, not a new constant of the same name."""
    spec = load_spec(write_spec(tmp_path, {"kind": "matrix_gradient", "id": "mse", **LOSSES["mse"][0]}))
    (solution,) = solve_all(spec)
    free = {str(s) for s in solution.answers["gradient"].expr.free_symbols}
    assert "m" in free and all(s.is_integer for s in solution.answers["gradient"].expr.free_symbols
                               if str(s) == "m")


PARTS = {
    "title": "Linear regression",
    "problems": [
        {"id": "ls", "statement": r"Let $L(w) = \|Xw - y\|^2$.", "points": 12,
         "function": "(X*w - y).T*(X*w - y)", "shapes": {"X": ["m", "n"], "w": ["n", 1], "y": ["m", 1]},
         "params": {"c": 3},
         "parts": [
             {"kind": "matrix_gradient", "statement": r"Compute $\nabla_w L$.", "name": "L", "wrt": "w", "points": 6},
             {"kind": "matrix_gradient", "statement": "Compute the gradient with respect to $X$.", "name": "L",
              "wrt": "X", "points": 4},
             {"kind": "hessian", "statement": "A part of another kind, with its own function.",
              "function": "c*x**2*y", "wrt": ["x", "y"], "at": {"x": 1, "y": 2}, "points": 2}]},
        {"kind": "gradient", "id": "plain", "function": "x**2", "wrt": "x", "points": 1},
    ],
}


def test_problem_of_parts_builds_each_part_of_its_kind_with_its_points(tmp_path):
    import yaml

    path = tmp_path / "parts.yaml"
    path.write_text(yaml.safe_dump(PARTS, sort_keys=False))
    spec = load_spec(path)
    assert [p.ref for p in spec.problems] == ["1.a", "1.b", "1.c", "2"]
    assert [p.kind.name for p in spec.problems] == ["matrix_gradient", "matrix_gradient", "hessian", "gradient"]
    solutions = solve_all(spec)
    assert all(s.verified for s in solutions)
    assert "X^{T}" in render.solution_block(spec.problems[0], solutions[0])
    # the shared param c reaches part (c): its Hessian at (1, 2) is [[2cy, 2cx], [2cx, 0]] = [[12, 6], [6, 0]]
    assert solutions[2].answers["hessian_at"].expr == sp.Matrix([[12, 6], [6, 0]])
    key = render.render(spec, solutions)
    questions = render.render_questions(spec, solutions)
    for text in (key, questions):
        assert text.count(r"\textbf{(a)}") == 1 and r"\textbf{(c)}" in text
        assert "(12 points)" in text and "(6 points)" in text and "(4 points)" in text and "(1 point)" in text
        assert text.index(r"Let $L(w)") < text.index(r"\textbf{(a)}")  # the problem's statement once, first
    from answerkey import outputs

    data = json.loads(outputs.answers_json(spec, solutions))  # the parts' answers under their parts
    first, second = data["problems"]
    assert (first["number"], first["id"], first["points"], first["verified"]) == (1, "ls", 12.0, True)
    assert [(p["part"], p["kind"], p["points"]) for p in first["parts"]] == \
        [("a", "matrix_gradient", 6.0), ("b", "matrix_gradient", 4.0), ("c", "hessian", 2.0)]
    assert first["parts"][2]["answers"]["hessian_at"]["value"] == [[12, 6], [6, 0]]
    assert (second["number"], second["points"], "parts" in second) == (2, 1.0, False)


def test_variants_of_a_problem_of_parts_share_its_draws_and_name_columns_by_part(tmp_path):
    import csv

    import yaml

    from answerkey import build

    data = {"title": "V", "problems": [{
        "id": "q", "params": {"c": {"randint": [2, 9], "default": 3}}, "function": "c*x**2 + x*y",
        "parts": [{"kind": "gradient", "wrt": ["x", "y"], "at": {"x": 1, "y": 1}},
                  {"kind": "hessian", "wrt": ["x", "y"]}]}]}
    path = tmp_path / "v.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    options = build.Options(out=str(tmp_path / "out"), pdf=False, variants=4, seed=1, jobs=1)
    result = build.run(path, options)
    assert result.exit_code == 0, result.failures
    rows = list(csv.DictReader((tmp_path / "out" / "v-variants" / "answers.csv").open()))
    assert len(rows) == 4 and "1.a.gradient_at" in rows[0] and "1.b.hessian" in rows[0]
    for row in rows:  # one draw of c for both parts: the gradient's x entry 2c + 1, the Hessian's corner 2c
        grad = sp.Matrix(json.loads(row["1.a.gradient_at"]))  # numbers, as answers.json has them
        hess = sp.Matrix(json.loads(row["1.b.hessian"]))
        assert grad[0, 0] - 1 == hess[0, 0] and hess[0, 0] in {2 * c for c in range(2, 10)}, row
    assert len({row["1.b.hessian"] for row in rows}) > 1  # the draws differ between variants


@pytest.mark.parametrize("change, message", [
    ({"bogus": 1}, "no part uses 'bogus'"),
    ({"kind": "gradient"}, "a problem of parts has no kind of its own"),
    ({"where": "c > 1"}, "put the condition on the part"),
    ({"parts": []}, "expected a list of parts"),
    ({"points": 11}, "the problem has 11 points and its parts 6 + 4 + 2 = 12"),
    ({"points": 12, "parts": [{"kind": "gradient", "wrt": "x", "points": 1}]}, "no part uses 'shapes'"),
])
def test_problem_of_parts_errors_are_clear(tmp_path, change, message):
    import copy

    import yaml

    from answerkey.errors import SpecError

    data = copy.deepcopy(PARTS)
    data["problems"][0].update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(SpecError) as info:
        solve_all(load_spec(path))
    assert message in str(info.value) and "bad.yaml:" in str(info.value)


def test_a_part_with_its_own_function_is_told_that_it_inherits_no_field(tmp_path):
    import yaml

    from answerkey.errors import SpecError

    data = {"title": "T", "problems": [{"id": "p", "function": "x**2*y", "wrt": ["x", "y"],
                                        "parts": [{"kind": "gradient"}, {"kind": "hessian", "function": "x*y"}]}]}
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(SpecError) as info:
        solve_all(load_spec(path))
    assert "problem 1(b) (p): wrt: missing: a part with a function of its own takes none of the problem's fields" \
        in str(info.value)


def test_an_inherited_field_is_reported_where_the_problem_wrote_it(tmp_path):
    text = """title: T
problems:
  - id: p
    function: x**2 +
    parts:
      - kind: gradient
        wrt: x
"""
    path = tmp_path / "inh.yaml"
    path.write_text(text)
    from answerkey.errors import SpecError

    with pytest.raises(SpecError) as info:
        solve_all(load_spec(path))
    assert str(info.value).startswith(f"{path}:4:") and "problem 1(a)" in str(info.value)


def test_the_hessian_of_softmax_cross_entropy_is_diag_p_minus_p_p_transpose(tmp_path):
    """-y^T x + logsumexp(x) with respect to x: diag(p) - p p^T, p = softmax(x), against SymPy's own hessian of
    the function written out at n = 3."""
    spec = load_spec(write_spec(tmp_path, {"kind": "hessian", "id": "ce", "name": "L",
                                           "function": "-y.T*x + logsumexp(x)",
                                           "shapes": {"x": ["n", 1], "y": ["n", 1]}, "wrt": "x"}))
    (solution,) = solve_all(spec)
    answer = solution.answers["hessian"].expr
    assert render.solution_block(spec.problems[0], solution).count(r"\operatorname{diag}") >= 1
    xs = sp.symbols("x0:3")
    loss = sp.log(sum(sp.exp(t) for t in xs))  # the -y^T x term has no second derivative
    want = sp.hessian(loss, xs)
    x = next(m for m in answer.atoms(sp.MatrixSymbol) if m.name == "x")
    got = answer.xreplace({x: sp.ImmutableMatrix(xs)}).subs(x.shape[0], 3).doit()
    got = sp.ImmutableMatrix(got.as_explicit() if not isinstance(got, sp.MatrixBase) else got)
    point = {t: v for t, v in zip(xs, (0.3, -1.2, 2.0))}
    assert max(abs(float((got - want)[i, j].subs(point))) for i in range(3) for j in range(3)) < 1e-12
