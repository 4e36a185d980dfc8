"""The normalization kind against PyTorch's documented formulas written out here with numpy (BatchNorm1d in
training mode: per feature over the batch; LayerNorm over the last dimension: per example; both with the
biased variance, y = (x - E[x]) / sqrt(Var[x] + eps) * gamma + beta), and its backward pass against numpy's
central differences of L = sum(upstream * y). Random batches from a seeded generator, with negative
numbers, a constant feature (eps > 0), layer norm of one feature (m = 1) and a batch of two (m = 2); shape
errors at the field's position."""
from __future__ import annotations

import random

import numpy as np
import pytest
from answerkey.build import load_spec, solve_all
from answerkey.errors import AnswerkeyError
from tests.kindutil import solve


def torch_forward(kind, x, gamma, beta, eps):
    """PyTorch's formulas: the statistics over axis 0 (BatchNorm1d) or 1 (LayerNorm), biased variance."""
    axis = 0 if kind == "batch" else 1
    mean = x.mean(axis=axis, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axis, keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    return mean.ravel(), var.ravel(), xhat, xhat * gamma + beta


def numeric_gradients(kind, x, gamma, beta, eps, g, h=1e-6):
    """dL/dx, dL/dgamma, dL/dbeta of L = sum(g * y) by central differences in float64."""
    def loss(x_, gamma_, beta_):
        return float((g * torch_forward(kind, x_, gamma_, beta_, eps)[3]).sum())

    out = []
    for which, arr in enumerate((x, gamma, beta)):
        grad = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            up, down = [a.copy() for a in (x, gamma, beta)], [a.copy() for a in (x, gamma, beta)]
            up[which][idx] += h
            down[which][idx] -= h
            grad[idx] = (loss(*up) - loss(*down)) / (2 * h)
        out.append(grad)
    return out


def answers(solution, label):
    value = solution.answers[label].expr
    return np.array([[float(value[i, j]) for j in range(value.cols)] for i in range(value.rows)])


def check(tmp_path, kind, x, gamma, beta, eps, g=None):
    problem = {"kind": "normalization", "type": kind, "x": x, "gamma": gamma, "beta": beta, "eps": eps}
    if g is not None:
        problem["upstream"] = g
    _, (solution,) = solve(tmp_path, problem)
    assert solution.verified and not solution.unread, solution.unread
    X, G, B = np.array(x, float), np.array(gamma, float), np.array(beta, float)
    mean, var, xhat, y = torch_forward(kind, X, G, B, eps)
    assert answers(solution, "mean").ravel() == pytest.approx(mean, rel=1e-12, abs=1e-12)
    assert answers(solution, "variance").ravel() == pytest.approx(var, rel=1e-12, abs=1e-12)
    assert answers(solution, "xhat") == pytest.approx(xhat, rel=1e-9, abs=1e-9)
    assert answers(solution, "y") == pytest.approx(y, rel=1e-9, abs=1e-9)
    if g is None:
        assert "dx" not in solution.answers
        return solution
    dx, dgamma, dbeta = numeric_gradients(kind, X, G, B, eps, np.array(g, float))
    assert answers(solution, "dx") == pytest.approx(dx, rel=1e-5, abs=1e-6)
    assert answers(solution, "dgamma").ravel() == pytest.approx(dgamma, rel=1e-5, abs=1e-6)
    assert answers(solution, "dbeta").ravel() == pytest.approx(dbeta, rel=1e-5, abs=1e-6)
    # the backward pass's own property: each group's dx sums to 0 (the mean is subtracted)
    assert answers(solution, "dx").sum(axis=0 if kind == "batch" else 1) == pytest.approx(0, abs=1e-9)
    return solution


def test_cs231n_batch(tmp_path):
    check(tmp_path, "batch", [[1, 2, 3], [4, 5, 6], [0, -1, 2], [3, 3, 3]], [1, 2, 0.5], [0, 1, 0], 1e-5,
          [[1, 0, -1], [0.5, 1, 0], [-1, 2, 1], [0, -0.5, 2]])


@pytest.mark.parametrize("seed", range(3))
def test_random_batches_against_pytorchs_formula(tmp_path, seed):
    rng = random.Random(seed)
    kind = ["batch", "layer", "batch"][seed]
    n, d = [(3, 2), (2, 3), (2, 2)][seed]  # the last: a batch of two (m = 2)

    def num():
        return rng.choice([rng.randint(-5, 5), round(rng.uniform(-3, 3), 2)])

    x = [[num() for _ in range(d)] for _ in range(n)]
    if kind == "batch" and seed == 0:
        for row in x:
            row[1] = 2.5  # a constant feature: its variance is 0, eps > 0 keeps xhat = 0
    gamma = [round(rng.uniform(0.2, 2), 1) for _ in range(d)]
    beta = [rng.randint(-2, 2) for _ in range(d)]
    g = [[num() for _ in range(d)] for _ in range(n)]
    check(tmp_path, kind, x, gamma, beta, rng.choice([1e-5, 0.01, 0.1]), g)


def test_layer_norm_of_one_feature(tmp_path):
    """m = 1: the variance is 0, xhat is 0, y is beta, and nothing flows back to x."""
    solution = check(tmp_path, "layer", [[3], [-2]], [2], [0.5], 1e-5, [[1], [-4]])
    assert answers(solution, "y").ravel().tolist() == [0.5, 0.5]
    assert answers(solution, "dx").ravel().tolist() == [0, 0]


def test_defaults_are_pytorchs(tmp_path):
    _, (solution,) = solve(tmp_path, {"kind": "normalization", "x": [[0, 1], [2, 5]]})
    X = np.array([[0, 1], [2, 5]], float)
    assert answers(solution, "y") == pytest.approx(torch_forward("batch", X, 1, 0, 1e-5)[3], rel=1e-12)
    assert "dx" not in solution.answers


def _error(tmp_path, problem) -> str:
    with pytest.raises(AnswerkeyError) as info:
        solve(tmp_path, problem)
    return str(info.value), None


def test_wrong_upstream_shape_is_an_error_at_its_position(tmp_path):
    text = ("title: T\nproblems:\n  - kind: normalization\n    x: [[1, 2], [3, 4]]\n"
            "    upstream: [[1, 2, 3], [4, 5, 6]]\n")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnswerkeyError) as info:
        solve_all(load_spec(path))
    message = str(info.value)
    assert message.startswith(f"{path}:5:15: problem 1 (1): upstream: upstream is 2 x 3; x is 2 x 2"), message
    assert "Traceback" not in message


def test_gamma_of_the_wrong_length_and_a_zero_variance(tmp_path):
    message, _ = _error(tmp_path, {"kind": "normalization", "x": [[1, 2, 3]], "gamma": [1, 2]})
    assert "gamma has 2 entries; x has 3 features" in message
    message, _ = _error(tmp_path, {"kind": "normalization", "x": [[1, 2], [1, 3]], "eps": 0})
    assert "eps" in message and "variance of feature 1 (column 1) is 0" in message
    message, _ = _error(tmp_path, {"kind": "normalization", "type": "layer", "x": [[4]], "eps": 0})
    assert "variance of example 1 (row 1) is 0" in message


def test_the_page_shows_both_paths_and_the_compact_check(tmp_path):
    _, (solution,) = solve(tmp_path, {"kind": "normalization", "x": [[1, 2], [3, 5], [0, 1]],
                                      "upstream": [[1, 0], [0, 2], [-1, 1]]})
    lines = [str(line.lhs) for part in solution.parts for line in part.lines]
    assert any(r"\partial \sigma_{1}^{2}" in t for t in lines)
    assert any(r"\partial \mu_{1}" in t for t in lines)
    assert sum(r"\partial x_{11}}" in t for t in lines) >= 2  # the paths, and the compact formula
    assert solution.readback["unread"] == [] and solution.readback["checked"] == len(lines)
