"""The derivation kind's claims (inequalities): a wrong one fails with its counterexample, a true but
hard one is checked at points and says so on the page, the printed relation is the one read back, and
the known rules are found by their identities. Judged by independent computations (mpmath at the point
the error names, a grid of points, SymPy's own simplification)."""
from __future__ import annotations

import random
import re

import mpmath
import pytest
import sympy as sp

from answerkey import claims, mathobj as mo, readback, render, rules
from answerkey.errors import AnswerkeyError, VerificationError
from answerkey.kinds.derivation import known
from answerkey.kinds.derivation.rules import (ALGEBRA, EXP_LOG_INVERSE, LOG_OF_PRODUCT, LOG_OF_QUOTIENT,
                                              SOFTMAX_SHIFT, TWO_CLASS_SOFTMAX)
from tests.kindutil import solve

x, y, a, b, c = (mo.real(n) for n in "xyabc")


def _point(message: str, name: str) -> float:
    return float(re.search(rf"at {name} = (-?[0-9.e+-]+)", message).group(1))


def test_a_wrong_bound_fails_naming_its_step_and_a_counterexample(tmp_path):
    """exp(x) <= 1 + x + x^2 is false for large x: the error names step 2 and a point where it fails."""
    problem = {"kind": "derivation", "start": "exp(x)", "steps": [
        {"form": "exp(x)", "rule": "as it is"}, {"form": "1 + x + x**2", "relation": "<=", "rule": "a guess"}]}
    with pytest.raises(AnswerkeyError) as info:
        solve(tmp_path, problem)
    message = str(info.value)
    assert "step 2 (a guess" in message and "does not hold" in message, message
    at = _point(message, "x")
    assert mpmath.exp(at) > 1 + at + at ** 2  # the counterexample is one (mpmath, not the tool)


def test_a_wrong_strict_claim_fails_where_the_sides_meet(tmp_path):
    """log(1 + x) < x fails at x = 0 (both 0) unless x != 0 is assumed; with it, it holds."""
    base = {"kind": "derivation", "start": "log(1 + x)", "steps": [{"form": "x", "relation": "<"}]}
    with pytest.raises(AnswerkeyError) as info:
        solve(tmp_path, {**base, "assume": ["x > -1"]})
    assert abs(_point(str(info.value), "x")) < 1e-6
    _, (solution,) = solve(tmp_path, {**base, "assume": ["x > -1", "x != 0"]})
    assert solution.verified


def test_a_true_but_hard_claim_is_checked_at_points_and_says_so(tmp_path):
    """exp(x) >= 1 + x: SymPy proves nothing; the page says 'checked at 200 points, not proved', and the
    claim does hold on a grid (computed here)."""
    assert claims.prove(1 + x, "≤", sp.exp(x)) is None
    assert all(mpmath.exp(t) >= 1 + t for t in mpmath.linspace(-50, 50, 2001))
    spec, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "exp(x)",
                                         "steps": [{"form": "1 + x", "relation": ">="}]})
    (problem,) = spec.problems
    block = render.solution_block(problem, solution)
    assert "checked at 200 points, not proved" in block
    assert r"\geq" in block


def test_a_proved_claim_does_not_say_points(tmp_path):
    spec, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "x + 1/x", "assume": ["x > 0"],
                                         "steps": [{"form": "2", "relation": ">="}]})
    block = render.solution_block(spec.problems[0], solution)
    assert "points" not in block
    assert claims.check(x + 1 / x, "≥", 2, (sp.Gt(x, 0),)).how == "proved"


@pytest.mark.parametrize("printed, mutated", [(r"\leq", r"\geq"), (r"\leq", "="), (r"\leq", "<")])
def test_the_printed_relation_is_the_one_read_back(tmp_path, printed, mutated):
    """The page's relation mutated in the LaTeX: the read-back fails (>= and = are false for
    log(1 + x) vs x; < is false at x = 0, where the sides meet)."""
    spec, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "log(1 + x)", "assume": ["x > -1"],
                                         "steps": [{"form": "x", "relation": "<="}]})
    problem = spec.problems[0]
    block = render.solution_block(problem, solution)
    context = problem.kind.context(problem)
    record = readback.check(problem, solution, block, context)
    assert record.checked == 1 and not record.unread
    assert printed in block
    with pytest.raises(VerificationError):
        readback.check(problem, solution, block.replace(printed, mutated), context)


def test_the_assumption_is_read_from_the_page(tmp_path):
    """Without its 'Assume x > -1.' note the page's log(1 + x) has no value at some points: it fails."""
    spec, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "log(1 + x)", "assume": ["x > -1"],
                                         "steps": [{"form": "x", "relation": "<="}]})
    problem = spec.problems[0]
    block = render.solution_block(problem, solution)
    assert "Assume $x > -1$." in block
    with pytest.raises(VerificationError, match="no real value"):
        readback.check(problem, solution, block.replace("Assume $x > -1$.", ""), problem.kind.context(problem))


def test_a_chain_concludes_with_its_weakest_relation(tmp_path):
    """= then <= then <: the conclusion is <; the page's last line says so, and it holds (x + 2 > x)."""
    spec, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "x", "steps": [
        {"form": "x + 0"}, {"form": "x + 1", "relation": "<="}, {"form": "x + 2", "relation": "<"}]})
    last = solution.parts[0].lines[-1]
    assert last.therefore and last.relation == "<"
    assert [line.relation for line in solution.parts[0].lines] == ["=", "≤", "<", "<"]


def test_mixing_directions_is_an_error_at_the_step(tmp_path):
    with pytest.raises(AnswerkeyError, match=r"steps\.2\.relation"):
        solve(tmp_path, {"kind": "derivation", "start": "x", "steps": [
            {"form": "x + 0"}, {"form": "x + 1", "relation": "<="}, {"form": "x", "relation": ">"}]})


@pytest.mark.parametrize("left, right, want", [
    (sp.exp(x + c) / (sp.exp(x + c) + sp.exp(y + c)), sp.exp(x) / (sp.exp(x) + sp.exp(y)), SOFTMAX_SHIFT),
    (sp.exp(a) / (sp.exp(a) + sp.exp(b)), mo.sigmoid(a - b), TWO_CLASS_SOFTMAX),
    (sp.log(x * y), sp.log(x) + sp.log(y), LOG_OF_PRODUCT),
    (sp.log(x / y), sp.log(x) - sp.log(y), LOG_OF_QUOTIENT),
    (sp.log(sp.exp(x + y), evaluate=False), x + y, EXP_LOG_INVERSE),
    ((x + 1) ** 2, x ** 2 + 2 * x + 1, ALGEBRA),
    (sp.log(x * y), sp.log(x * y) + 0 * x, ALGEBRA),
])
def test_known_rules_are_found_by_their_identity(left, right, want):
    """The rule of a link from the identity instantiated; each link is true (SymPy's own check, for positive
    names), and a link no identity gives is algebra."""
    pos = {s: sp.Symbol(s.name, positive=True) for s in (x, y)}
    assert sp.simplify(sp.expand_log(mo.plain_functions(left - right).xreplace(pos), force=True)) == 0
    got = known.equality_rule(left, right, {})
    assert rules.names(got)[0] == want.name, rules.text(got)


def test_known_rules_do_not_read_the_instructors_words(tmp_path):
    """A step without words gets the known rule; a step with words keeps them, whatever they say."""
    _, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "exp(a)/(exp(a) + exp(b))",
                                      "steps": [{"form": "sigmoid(a - b)"}]})
    assert rules.names(solution.parts[0].lines[0].rule) == ("two_class_softmax",)
    _, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "exp(a)/(exp(a) + exp(b))",
                                      "steps": [{"form": "sigmoid(a - b)", "rule": "log of a product"}]})
    assert rules.text(solution.parts[0].lines[0].rule) == "log of a product"


def test_the_sigmoid_derivative_and_the_chain_rule(tmp_path):
    _, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "sigmoid(2*x)", "wrt": "x",
                                      "steps": [{"form": "2*sigmoid(2*x)*(1 - sigmoid(2*x))"}]})
    assert rules.names(solution.parts[0].lines[0].rule) == ("with_chain_rule", "sigmoid_derivative")
    _, (solution,) = solve(tmp_path, {"kind": "derivation", "start": "log(1 + x**2)", "wrt": "x",
                                      "steps": [{"form": "2*x/(1 + x**2)"}]})
    assert rules.names(solution.parts[0].lines[0].rule) == ("chain_rule",)


def test_claims_at_points_stay_in_the_domain():
    """Every point drawn for 0 < p < 1 and x < p lies in that domain (checked here, not by the tool)."""
    from answerkey import numerics

    p = mo.real("p")
    points = numerics.domain_points(random.Random(1), [p, x], (sp.Gt(p, 0), sp.Lt(p, 1), sp.Lt(x, p)), 300)
    assert len(points) == 300
    assert all(0 < v[p] < 1 and v[x] < v[p] for v in points)
