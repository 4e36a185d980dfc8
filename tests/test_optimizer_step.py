"""optimizer_step against optimizers written again here with numpy (float64, from the textbook / PyTorch
formulas), on instructor-style problems: several coordinates of different scales, weight decay, given
gradients, divergence; and the page: every row of every step's table read back."""
from __future__ import annotations

import numpy as np
import pytest

from tests.kindutil import solve

DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3}


def numpy_optimizer(opt, grad, theta, steps, lr=None, beta=0.9, beta1=0.9, beta2=0.999, rho=0.99, eps=1e-8,
                    wd=None):
    """[theta after each step] (numpy float64), or the step after which |theta| > 1e6."""
    lr = DEFAULT_LR.get(opt, 1e-2) if lr is None else lr
    wd = (0.01 if opt == "adamw" else 0.0) if wd is None else wd
    theta = np.array(theta, dtype=float)
    buf = np.zeros_like(theta)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    out = []
    for t in range(1, steps + 1):
        g = np.array(grad(t, theta), dtype=float)
        if opt != "adamw":
            g = g + wd * theta
        if opt == "sgd":
            theta = theta - lr * g
        elif opt in ("momentum", "nesterov"):
            buf = beta * buf + g
            theta = theta - lr * (buf if opt == "momentum" else g + beta * buf)
        elif opt == "adagrad":
            v = v + g * g
            theta = theta - lr * g / (np.sqrt(v) + eps)
        elif opt == "rmsprop":
            v = rho * v + (1 - rho) * g * g
            theta = theta - lr * g / (np.sqrt(v) + eps)
        else:
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            mhat, vhat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
            if opt == "adamw":
                theta = theta * (1 - lr * wd)
            theta = theta - lr * mhat / (np.sqrt(vhat) + eps)
        out.append(theta.copy())
        if np.any(~np.isfinite(theta)) or np.any(np.abs(theta) > 1e6):
            return t
    return out


def quadratic(a, b, c=0.0):
    """f(x, y) = a x^2 + b y^2 + c x y: its gradient."""
    return lambda t, p: [2 * a * p[0] + c * p[1], 2 * b * p[1] + c * p[0]]


def answer(solution, label="theta"):
    from answerkey import outputs

    value = outputs.answer_record(solution.answers[label])["value"]
    return np.array(value, dtype=float).ravel()


CASES = [
    ("adam", {}, 3), ("adamw", {"weight_decay": 0.1}, 3), ("adam", {"weight_decay": 0.05, "beta1": 0.8}, 2),
    ("sgd", {"learning_rate": 0.05}, 4), ("momentum", {"learning_rate": 0.02, "beta": 0.5}, 3),
    ("nesterov", {"learning_rate": 0.02}, 3), ("adagrad", {"learning_rate": 0.5}, 3),
    ("rmsprop", {"rho": 0.9}, 3), ("rmsprop", {"weight_decay": 0.2, "epsilon": 1e-6}, 2),
]


@pytest.mark.parametrize("opt, extra, steps", CASES)
def test_function_against_numpy(opt, extra, steps, tmp_path):
    """x^2 + 10 y^2 + x y/2 (coordinates of different scales, coupled) from (1.5, -0.7)."""
    problem = {"kind": "optimizer_step", "optimizer": opt, "function": "x**2 + 10*y**2 + x*y/2", "wrt": ["x", "y"],
               "at": {"x": 1.5, "y": -0.7}, "steps": steps, **extra}
    _, (solution,) = solve(tmp_path, problem)
    assert solution.verified and solution.readback["unread"] == []
    keys = {"learning_rate": "lr", "weight_decay": "wd", "epsilon": "eps"}
    want = numpy_optimizer(opt, quadratic(1, 10, 0.5), [1.5, -0.7], steps, **{keys.get(k, k): v for k, v in extra.items()})
    assert answer(solution) == pytest.approx(want[-1], rel=1e-9, abs=1e-12)
    history = solution.data["history"]
    for t, row in enumerate(history):  # every step's parameters, not only the last
        assert [float(x) for x in row["theta"]] == pytest.approx(want[t], rel=1e-9, abs=1e-12)


def test_adam_first_step_moves_each_coordinate_by_about_lr(tmp_path):
    """Gradients of scales 2e-3 and 2e3: both coordinates move by lr (to within eps/|g|)."""
    problem = {"kind": "optimizer_step", "optimizer": "adam", "function": "x**2/1000 + 1000*y**2", "wrt": ["x", "y"],
               "at": {"x": 1, "y": 1}, "learning_rate": 0.01}
    _, (solution,) = solve(tmp_path, problem)
    assert answer(solution) == pytest.approx([0.99, 0.99], rel=1e-7)
    assert np.all(np.abs(answer(solution) - 1) != 0.01)  # eps keeps it short of exactly lr


def test_given_gradients_against_numpy(tmp_path):
    grads = [[0.3, -2.0, 5.0], [0.1, -1.5, -4.0], [-0.2, 0.5, 3.0]]
    for opt in ("adam", "rmsprop", "adagrad", "nesterov"):
        problem = {"kind": "optimizer_step", "optimizer": opt, "at": {"w": 0.5, "b": -1, "u": 2},
                   "gradients": grads, "learning_rate": 0.1}
        _, (solution,) = solve(tmp_path, problem)
        assert solution.verified and solution.readback["unread"] == []
        want = numpy_optimizer(opt, lambda t, p: grads[t - 1], [0.5, -1, 2], 3, lr=0.1)
        assert answer(solution) == pytest.approx(want[-1], rel=1e-9), opt


def test_divergence_is_stated_not_raised(tmp_path):
    """SGD on 3x^2 with lr 1: x <- -5x, past 10^6 after step 9 (5^9 = 1953125); numpy agrees."""
    problem = {"kind": "optimizer_step", "optimizer": "sgd", "function": "3*x**2", "wrt": "x", "at": {"x": 1},
               "learning_rate": 1, "steps": 10}
    spec, (solution,) = solve(tmp_path, problem)
    assert numpy_optimizer("sgd", lambda t, p: [6 * p[0]], [1], 10, lr=1) == 9
    assert int(answer(solution, "diverges_at")[0]) == 9 and "theta" not in solution.answers
    from answerkey import render

    block = render.solution_block(spec.problems[0], solution)
    assert "diverges" in block and r"\left|{x^{(9)}}\right| > 10^{6}" in block


def test_a_wrong_row_fails_the_read_back(tmp_path):
    """The page is the proof: a row whose arithmetic is off by one digit is caught."""
    from answerkey import readback, render
    from answerkey.errors import VerificationError

    problem = {"kind": "optimizer_step", "optimizer": "momentum", "function": "(w - 3)**2", "wrt": "w",
               "at": {"w": 0}, "learning_rate": 0.1, "steps": 2}
    spec, (solution,) = solve(tmp_path, problem)
    p = spec.problems[0]
    block = render.solution_block(p, solution)
    assert r"0.9 \cdot \left(-6\right) - 4.8" in block
    bad = block.replace(r"0.9 \cdot \left(-6\right) - 4.8", r"0.9 \cdot \left(-6\right) - 4.7")
    with pytest.raises(VerificationError):
        readback.check(p, solution, bad, p.kind.context(p))


@pytest.mark.parametrize("opt, lr, steps", [("adam", 0.1, 6), ("sgd", 0.001, 6)])
def test_rosenbrock_every_row_read_back(opt, lr, steps, tmp_path):
    """A steep function, big polynomial rationals: the rounded point no longer gives the gradient to 6 digits
    (the row then writes the previous iterate by name) and exact iteration would multiply digits; every row
    is still read back and the iterates are numpy's."""
    problem = {"kind": "optimizer_step", "optimizer": opt, "function": "(1 - x)**2 + 100*(y - x**2)**2",
               "wrt": ["x", "y"], "at": {"x": -1.2, "y": 1}, "learning_rate": lr, "steps": steps}
    _, (solution,) = solve(tmp_path, problem)
    assert solution.verified and solution.readback["unread"] == []

    def grad(t, p):
        x, y = p
        return [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
    want = numpy_optimizer(opt, grad, [-1.2, 1], steps, lr=lr)
    assert answer(solution) == pytest.approx(want[-1], rel=1e-9)


def test_the_confirmation_catches_a_wrong_iterate(tmp_path):
    """confirm.py compares every value of every step: one state value off in the last digit fails."""
    import dataclasses

    import sympy as sp

    from answerkey.errors import VerificationError

    problem = {"kind": "optimizer_step", "optimizer": "adam", "at": [1, 2], "gradients": [[0.5, -3], [0.25, 1]]}
    spec, (solution,) = solve(tmp_path, problem)
    p = spec.problems[0]
    assert p.kind.confirm(p, solution)
    history = [dict(row) for row in solution.data["history"]]
    history[0]["vhat"] = [history[0]["vhat"][0], history[0]["vhat"][1] * (1 + sp.Rational(1, 10 ** 6))]
    wrong = dataclasses.replace(solution, data={**solution.data, "history": history})
    with pytest.raises(VerificationError, match="vhat"):
        p.kind.confirm(p, wrong)
