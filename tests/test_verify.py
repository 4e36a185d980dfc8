"""The verifier bites: take real derivations, corrupt one step, and the build fails naming that step."""
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from answerkey import mathobj as mo, rules
from answerkey.build import load_spec
from answerkey.errors import VerificationError
from answerkey.verify import verify

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seed():
    spec = load_spec(ROOT / "problems/dl-hw2.yaml")
    return spec, [p.kind.solve(p) for p in spec.problems]


def corrupt_and_verify(seed, number, pick, change):
    spec, solutions = seed
    problem = spec.problems[number - 1]
    fresh = problem.kind.solve(problem)
    lines = [line for part in fresh.parts for line in part.lines]
    index = pick(lines)
    lines[index].rhs = change(lines[index].rhs)
    with pytest.raises(VerificationError) as err:
        verify(problem, fresh)
    return str(err.value), index + 1


def test_uncorrupted_keys_verify(seed):
    spec, solutions = seed
    for problem, solution in zip(spec.problems, solutions):
        assert verify(problem, solution).verified


def test_dropped_factor_is_caught(seed):
    # problem 1: the slip of the seed sheet, the 1/sum factor of log's derivative dropped
    def pick(lines):
        return next(i for i, l in enumerate(lines) if rules.names(l.rule) == ("derivative_of_exp",))

    def drop(rhs):
        return rhs * [a for a in rhs.args if isinstance(a, sp.Pow)][0].args[0]

    message, step = corrupt_and_verify(seed, 1, pick, drop)
    assert f"problem 1 (logsumexp): step {step} (derivative of exp) is wrong" in message
    assert "the left side is" in message and "the right side is" in message


def test_flipped_sign_is_caught(seed):
    def pick(lines):
        return next(i for i, l in enumerate(lines) if rules.names(l.rule) == ("derivative_of_exp",))

    message, step = corrupt_and_verify(seed, 2, pick, lambda rhs: -rhs)
    assert f"problem 2 (softmax-cross-entropy): step {step}" in message


def test_transposed_matrix_is_caught(tmp_path):
    # x^T A x with respect to A is x x^T; with x and y different the transpose matters
    path = tmp_path / "m.yaml"
    path.write_text("title: M\nproblems:\n  - kind: matrix_gradient\n    function: x.T * W * y\n"
                    "    shapes: {x: [n, 1], W: [n, n], y: [n, 1]}\n    wrt: W\n", encoding="utf-8")
    spec = load_spec(path)
    problem = spec.problems[0]
    solution = problem.kind.solve(problem)
    last = solution.parts[0].lines[-1]
    assert last.chain, "the closed form is shown"
    last.chain = [last.chain[0].T]
    with pytest.raises(VerificationError) as err:
        verify(problem, solution)
    assert f"step {len(solution.parts[0].lines)}" in str(err.value)


def test_conv_formula_shifted_by_one_is_caught(seed):
    def pick(lines):
        return next(i for i, l in enumerate(lines) if l.chain and "output map width" in str(l.lhs))

    spec, _ = seed
    problem = spec.problems[5]
    fresh = problem.kind.solve(problem)
    lines = fresh.parts[0].lines
    index = pick(lines)
    lines[index].chain = [lines[index].chain[0], lines[index].chain[1] + 1]
    with pytest.raises(VerificationError) as err:
        verify(problem, fresh)
    assert f"problem 6 (conv-shape): step {index + 1}" in str(err.value)


def test_wrong_backprop_product_is_caught(seed):
    def pick(lines):
        return next(i for i, l in enumerate(lines) if rules.names(l.rule) == ("upstream_times_local",))

    message, step = corrupt_and_verify(seed, 4, pick, lambda rhs: mo.Times(5, -3, 1))
    assert f"problem 4 (backprop): step {step}" in message


def test_wrong_answer_fails_the_independent_check(seed):
    spec, _ = seed
    problem = spec.problems[3]
    solution = problem.kind.solve(problem)
    solution.answers["a"].expr = sp.Integer(16)
    with pytest.raises(VerificationError) as err:
        problem.kind.confirm(problem, solution)
    assert "answer 'a' failed its independent check" in str(err.value)


def test_cannot_derive_is_exit_2(tmp_path):
    # the determinant of a product is neither in index notation nor a known identity
    path = tmp_path / "c.yaml"
    path.write_text("title: C\nproblems:\n  - kind: matrix_gradient\n    function: det(X*X)\n"
                    "    shapes: {X: [n, n]}\n    wrt: X\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "generate.py", str(path), "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 2
    assert "problem 1 (1): cannot derive the gradient of" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_sum_with_several_entries_is_derived(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("title: S\nproblems:\n  - kind: gradient\n    function: Sum(x[i]*x[1], (i, 1, n))\n"
                    "    vectors: {x: n}\n    wrt: x\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "generate.py", str(path), "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
