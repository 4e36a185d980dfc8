"""The page is the proof: one regression test per example of the issue that found printed lines false
under a "verified" record, tracebacks for constants, and silent or confusing failures. Each spec is in
tests/specs/issue12/. A spec either builds with every displayed line read back from the page (the record
says so: nothing unread) and its answers equal to values worked out here by hand, or fails with a clear
error at its field (exit 1 or 2, no traceback)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from answerkey import render, readback, rules
from answerkey.build import load_spec, solve_all
from answerkey.errors import SpecError, VerificationError

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "tests" / "specs" / "issue12"


def solved(name):
    spec = load_spec(SPECS / f"{name}.yaml")
    solutions = solve_all(spec, jobs=1)
    for problem, solution in zip(spec.problems, solutions):
        assert solution.verified
        assert solution.unread == [], solution.unread
        assert solution.checks[0].startswith("all "), solution.checks[0]
    return spec, solutions


def by_name(expr, values: dict):
    """expr with its symbols and entries replaced by name (x, x[2]), whatever their assumptions."""
    def entry(e):
        return sp.Float(values[str(e.base.label)][int(e.indices[0]) - 1], 30)

    expr = sp.sympify(expr).doit()  # sums of concrete length written out first
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed) and str(e.base.label) in values, entry)
    expr = expr.xreplace({s: sp.Float(values[s.name], 30) for s in expr.free_symbols if s.name in values})
    return sp.N(expr.doit(), 20)


def entry_values(solution, n, x, extra=None):
    """The k-th entry answer at length n, k = 1..n, for the vector x (a list)."""
    answer = solution.answers["gradient"]
    out = []
    for k in range(1, n + 1):
        e = answer.expr.subs({answer.index: k}).xreplace({s: n for s in answer.expr.free_symbols if s.name == "n"})
        out.append(float(by_name(e, {"x": x, **(extra or {})})))
    return out


X = [0.7, -1.3, 2.1]


@pytest.mark.parametrize("name, expected", [
    ("sum2", [4 * v for v in X]),                                   # 2 sum x_i^2
    ("negsum", [-2 * v for v in X]),                                # -sum x_i^2
    ("sumsq", [2 * sum(X)] * 3),                                    # (sum x_i)^2
    ("prodsums", [sum(v * v for v in X) + 2 * v * sum(X) for v in X]),  # (sum x_i)(sum x_j^2)
    ("double", [2 * sum(X)] * 3),                                   # sum_j sum_i x_i x_j
    ("range2", [0.0, 2 * X[1], 2 * X[2]]),                          # sum_{i=2}^n x_i^2: nothing for x_1
    ("rangem1", [X[1], X[0] + X[2], X[1]]),                         # sum_{i=1}^{n-1} x_i x_{i+1}
])
def test_sums_as_a_teacher_writes_them(name, expected):
    _, (solution,) = solved(name)
    assert entry_values(solution, 3, X) == pytest.approx(expected)


def test_the_written_out_sum_keeps_its_brackets():
    spec, (solution,) = solved("sum2")
    shown = [d.math for d in readback.displays(render.solution_block(spec.problems[0], solution))]
    assert r"f(x) = 2 \left(x_{1}^{2} + x_{2}^{2} + \dots + x_{n}^{2}\right)" in shown
    spec, (solution,) = solved("negsum")
    shown = [d.math for d in readback.displays(render.solution_block(spec.problems[0], solution))]
    assert r"f(x) = - \left(x_{1}^{2} + x_{2}^{2} + \dots + x_{n}^{2}\right)" in shown


def test_an_operator_in_front_is_bracketed_unless_last():
    spec, (solution,) = solved("sumsq")
    shown = [d.math for d in readback.displays(render.solution_block(spec.problems[0], solution))]
    assert any(r"2 \left(\frac{\partial}{\partial x_{k}} x_{k}\right) \sum_{i=1}^{n} x_{i}" in m for m in shown)


def test_a_tie_of_three_splits_in_thirds():
    _, (solution,) = solved("max3")
    assert list(solution.answers["gradient_at"].expr) == [sp.Rational(1, 3)] * 3


def test_relu_at_zero_is_zero_and_verifies():
    _, (solution,) = solved("relu0")  # relu(z) + z at z = 0: relu'(0) = 0
    assert list(solution.answers["gradient_at"].expr) == [1]


def test_backprop_tie_prints_no_false_indicator():
    spec, (solution,) = solved("bpmax")  # m = max(x, y) at x = y = 2, f = m z with z = 3
    assert solution.answers["a"].expr == sp.Rational(3, 2) and solution.answers["b"].expr == sp.Rational(3, 2)
    block = render.solution_block(spec.problems[0], solution)
    assert r"\mathbf{1}" not in block  # the indicator is 0 at the tie: the line shows the split number only


def test_backprop_local_and_total_partials_differ_on_the_page():
    spec, (solution,) = solved("bpqq")  # q = x x, f = q + x at x = 3: df/dx = 2x + 1 = 7
    assert solution.answers["a"].expr == 7
    block = render.solution_block(spec.problems[0], solution)
    assert r"\left(\dfrac{\partial f}{\partial x}\right)_{q}" in block
    assert r"a := \dfrac{\partial f}{\partial x}" in block


@pytest.mark.parametrize("name, values, expected", [
    ("tanh", {"w": 0.4, "b": -0.2, "x": 1.5},  # d/dw, d/db of tanh(wx + b)^2
     lambda w, b, x: [2 * sp.tanh(w * x + b) * (1 - sp.tanh(w * x + b) ** 2) * x,
                      2 * sp.tanh(w * x + b) * (1 - sp.tanh(w * x + b) ** 2)]),
    ("ridge", {"w": 0.4, "x": 1.5, "y": -0.5, "lam": 0.3},
     lambda w, x, y, lam: [2 * (w * x - y) * x + 2 * lam * w]),
    ("axx", {"x": 0.4, "a": 1.7}, lambda x, a: [a + 2 * x]),
])
def test_constants_are_constants(name, values, expected):
    _, (solution,) = solved(name)
    got = [float(by_name(e, values)) for e in solution.answers["gradient"].expr]
    assert got == pytest.approx([float(v) for v in expected(**values)])


def test_a_data_vector_beside_the_weights():
    _, (solution,) = solved("dot")  # sum w_i x_i with respect to w: x_k
    answer = solution.answers["gradient"]
    k = answer.index
    assert by_name(answer.expr.subs(k, 2), {"x": X}) == pytest.approx(X[1])


def test_a_temperature_is_a_constant():
    _, (solution,) = solved("temp")  # T log sum exp(x_i / T): softmax(x / T)
    answer = solution.answers["gradient"]
    T = 0.7
    got = [float(by_name(answer.expr.subs(answer.index, k).xreplace(
        {s: 3 for s in answer.expr.free_symbols if s.name == "n"}), {"x": X, "T": T})) for k in (1, 2, 3)]
    z = [sp.exp(v / T) for v in X]
    assert got == pytest.approx([float(v / sum(z)) for v in z])


def test_a_ridge_term_in_a_matrix_gradient():
    spec, (solution,) = solved("mridge")
    assert "lam" in str(solution.answers["gradient"].expr)


def test_a_sum_over_a_vector_of_given_length_is_derived_once():
    spec, (solution,) = solved("sum-of-given-length")
    lines = [l for part in solution.parts for l in part.lines]
    assert sum(1 for l in lines if l.note.startswith("for $1 \\leq k")) == 1
    w, b, x, y = [1, 2, 0.5], 1, [0.3, -0.2, 0.9], 0.4
    residual = sum(wi * xi for wi, xi in zip(w, x)) + b - y
    got = [float(by_name(e, {"x": x, "y": y})) for e in solution.answers["gradient_at"].expr]
    assert got == pytest.approx([2 * residual * xi for xi in x] + [2 * residual])


def test_a_descent_with_constants():
    _, (solution,) = solved("step2")
    assert solution.answers["update"].expr.free_symbols  # the update is in the constants x, y, lam


@pytest.mark.parametrize("name, field, words", [
    ("atsym", "at", "a point needs vectors of given length"),
    ("unbound", "function", "the sum runs to n, but x has length 4"),
    ("logneg", "at", "outside the domain of the function"),
    ("inv0", "at", "outside the domain of the function"),
    ("norm0", "at", "not differentiable at the point"),
    ("steplog", "steps", "the point that step 1 reaches"),
    ("bplr", "learning_rate", "a learning_rate without update does nothing"),
])
def test_clear_errors_at_their_field(name, field, words):
    with pytest.raises(SpecError) as err:
        solve_all(load_spec(SPECS / f"{name}.yaml"), jobs=1)
    message = str(err.value)
    assert f"{name}.yaml:" in message and f": {field}: " in message and words in message
    head = message.split(": problem")[0]
    assert head.count(":") >= 2  # file:line:col


def test_errors_on_the_command_line_have_no_traceback():
    for name in ("logneg", "unbound"):
        proc = subprocess.run([sys.executable, str(ROOT / "generate.py"), str(SPECS / f"{name}.yaml"), "--check"],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr


def test_a_misprinted_line_fails_the_build():
    """The printer path that wrote 2 x_1^2 + x_2^2 + ... for 2 sum x_i^2: put that line back on the page
    and the read-back fails, naming the line, the printed LaTeX and both values."""
    spec, (solution,) = solved("sum2")
    problem = spec.problems[0]
    block = render.solution_block(problem, solution)
    wrong = block.replace(r"2 \left(x_{1}^{2} + x_{2}^{2} + \dots + x_{n}^{2}\right)", r"2 x_{1}^{2} + x_{2}^{2} + \dots + x_{n}^{2}")
    assert wrong != block
    with pytest.raises(VerificationError) as err:
        readback.check(problem, solution, wrong, problem.kind.context(problem))
    assert "step 2 (the sum written out) is wrong as printed" in str(err.value)
    assert "the left side is" in str(err.value) and "the right side is" in str(err.value)


# -- found by an adversarial review: each spec in tests/specs/issue12/review-*.yaml ------------------------


def _lines(spec, solution):
    return [d.math for d in readback.displays(render.solution_block(spec.problems[0], solution))]


def test_saturated_functions_print_their_true_digits():
    """sigma(300) + tanh(150): the approx line printed 1.80332e-130 for 2.05928e-130 (cancellation), and a
    value that small was compared only absolutely; now the digits are right and a wrong digit fails."""
    spec, (solution,) = solved("review-sat_300")
    line = [m for m in _lines(spec, solution) if r"\approx" in m][0]
    assert r"5.14820 \times 10^{-131}" in line and r"2.05928 \times 10^{-130}" in line
    problem = spec.problems[0]
    block = render.solution_block(problem, solution).replace("2.05928", "1.80332")
    with pytest.raises(VerificationError):
        readback.check(problem, solution, block, problem.kind.context(problem))
    spec, (solution,) = solved("review-n3b")  # softmax cross-entropy at x = (400, 0, -400)
    line = [m for m in _lines(spec, solution) if r"\approx" in m][0]
    assert r"-1.91517 \times 10^{-174}" in line and r"3.66787 \times 10^{-348}" in line


def test_tiny_points_stay_themselves():
    spec, solutions = solved("review-tiny")  # log(z) + z at 1e-31, log z at 1e-300 (it was made 0)
    shown = [d.math for s, p in zip(solutions, spec.problems)
             for d in readback.displays(render.solution_block(p, s))]
    assert any(r"\nabla f(1 \times 10^{-300}) = \begin{bmatrix}1 \times 10^{300}\end{bmatrix}" in m for m in shown)
    assert not any("E+" in m for m in shown)
    solved("review-z_1_0e-20")  # log z at 1e-20: finite differences that crossed 0 were a traceback


@pytest.mark.parametrize("name", ["review-b6", "review-v11", "review-ix2", "review-e1"])
def test_ordinary_specs_the_review_found_refused(name):
    """A label b beside an input b, a case split at k = n, sizes named k and l, a constant e beside Euler's
    number: each builds verified with every line read back."""
    solved(name)


@pytest.mark.parametrize("name", ["review-w3", "review-w3b"])
def test_a_sum_whose_index_runs_down(name):
    """sum_i x_{n+1-i} y_i was refused ('the sum runs to n, but x has length n'); it builds verified. Its
    written-out form x_n y_1 + x_{n-1} y_2 + ... + x_1 y_n shows a pattern that runs down, which the reader
    does not infer: that line is listed as not read back (and checked as built), nothing else."""
    spec = load_spec(SPECS / f"{name}.yaml")
    (solution,) = solve_all(spec, jobs=1)
    assert solution.verified
    assert all("pattern" in why for _, why in solution.unread) and len(solution.unread) <= 2


def test_a_constant_e_and_euler_number_read_apart():
    spec, (solution,) = solved("review-e1")  # e x + exp(x) at x = 1: e + e, where one of them is Euler's
    assert any(r"e + \mathrm{e}" in m for m in _lines(spec, solution))


def test_a_tie_at_the_point_is_said():
    spec, (solution,) = solved("review-g7")  # relu(x_1) + max(x_1, x_2, x_3) at (0, 0, 0)
    rule = solution.parts[0].lines[-1].rule
    assert rules.names(rule) == ("then", "substituting_the_point", "a_tie_at_the_point")  # "... a tie splits ..."
    assert list(solution.answers["gradient_at"].expr) == [sp.Rational(1, 3), sp.Rational(1, 3), sp.Rational(1, 3)]


@pytest.mark.parametrize("name, words", [
    ("review-amb1", "print alike"),
    ("review-amb2", "print alike"),
    ("review-ns2", "is already the name of layer 3"),
    ("review-ns4", "is taken by the answers output_shape and total_params"),
])
def test_names_a_page_could_not_tell_apart_are_spec_errors(name, words):
    with pytest.raises(SpecError) as err:
        solve_all(load_spec(SPECS / f"{name}.yaml"), jobs=1)
    assert words in str(err.value)


def test_an_approximation_beside_a_constant():
    """2 cos(y - 2) - 1.04518: the rounded 1.04518 may be off in its last digit, however small the sum is
    at some y (a relative 1e-5 of the sum failed there, found by the large instructor-spec run); a digit
    changed still fails."""
    spec, (solution,) = solved("approx-beside-a-constant")
    problem = spec.problems[0]
    block = render.solution_block(problem, solution).replace("1.04518", "1.04528")
    with pytest.raises(VerificationError):
        readback.check(problem, solution, block, problem.kind.context(problem))


@pytest.mark.parametrize("right, wrong", [("x x^{T}", "x^{T} x"), ("x x^{T}", "x^{T}")])
def test_a_side_of_another_shape_is_wrong_not_unread(right, wrong):
    """The quadratic form's gradient printed as x^T x (1 x 1) or x^T (1 x n) where the line means the n x n
    matrix [x_k x_l]: the two cannot be subtracted, and such a line was listed as not read back (and checked
    as built) while the page showed a false line; it is wrong as printed, at a size the cases take."""
    spec = load_spec(ROOT / "problems" / "dl-hw2.yaml")
    problem = spec.problems[2]
    solution = solve_all(spec, jobs=1)[2]
    block = render.solution_block(problem, solution)
    assert right in block and readback.check(problem, solution, block, problem.kind.context(problem)).unread == []
    with pytest.raises(VerificationError, match=r"is wrong as printed.*of shape 2×2.*of shape 1×"):
        readback.check(problem, solution, block.replace(right, wrong), problem.kind.context(problem))


@pytest.mark.parametrize("moved", ["z > 1", "z > -0.5", "z > 0.1", "z > 0.25"])
def test_a_moved_threshold_is_wrong(moved):
    """relu's derivative printed 1[z > 1] (or -0.5, 0.1) for 1[z > 0]: the two differ only between the
    thresholds, where the random points (+-[0.3, 2], four of them) may never fall (found by a review; it
    passed). The sides are also compared on either side of each threshold of a quantity."""
    spec = load_spec(ROOT / "problems" / "losses.yaml")
    problem = spec.problems[3]
    solution = solve_all(spec, jobs=1)[3]
    block = render.solution_block(problem, solution)
    assert "z > 0" in block and readback.check(problem, solution, block, problem.kind.context(problem)).unread == []
    with pytest.raises(VerificationError, match="derivative of relu"):
        readback.check(problem, solution, block.replace("z > 0", moved, 1), problem.kind.context(problem))


def test_thresholds_of_one_quantity_give_points_between_and_beyond():
    from answerkey import numeval, verify

    z, y = sp.symbols("z y")
    first = numeval.Point(fixed={z: 1.5, y: -0.7})
    pairs = [(sp.Piecewise((1, z > 1), (0, True)), sp.Heaviside(z, 0) * sp.Max(y, 0))]
    points = [point.values for point, _ in verify._threshold_cases(pairs, {}, first)]
    assert sorted(float(v[z]) for v in points if v[y] == -0.7) == [-0.25, 0.5, 1.25]  # z's thresholds 0, 1
    assert sorted(float(v[y]) for v in points if v[z] == 1.5) == [-0.25, 0.25]  # y's: max(y, 0)
    assert verify._threshold(sp.Symbol("z") ** 2 - 1, ()) is None  # not linear: no threshold taken
