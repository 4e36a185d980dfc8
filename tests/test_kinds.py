"""Each kind on the seed's numbers and on others; answers compared with computations made another way
(numpy, plain Python arithmetic, finite differences written here)."""
import math

import numpy as np
import pytest
import sympy as sp

from answerkey import mathobj as mo, rules
from answerkey.kinds.backprop.rules import CHAIN_RULE_OVER_PATHS
from tests.kindutil import solve


def fd(f, point, i, h=1e-6):
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (2 * h)


def entry_at(expr, n, k, x, extra=None):
    sub = {mo.index("n"): n, mo.index("k"): k, **(extra or {})}
    e = mo.elementary(expr.subs(sub)).doit()
    return float(e.subs({mo.vector("x")[j + 1]: x[j] for j in range(n)}))


def test_logsumexp_gradient_is_softmax(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "gradient", "function": "log(Sum(exp(x[i]), (i, 1, n)))",
                                    "vectors": {"x": "n"}, "wrt": "x"})
    ans = sol.answers["gradient"]
    assert ans.display == mo.Softmax(mo.vector("x"), mo.index("n"))
    x = [0.3, -1.2, 2.0, 0.5]
    softmax = np.exp(x) / np.exp(x).sum()
    for k in range(1, 5):
        assert entry_at(ans.expr, 4, k, x) == pytest.approx(softmax[k - 1], rel=1e-12)
    assert sol.verified


def test_cross_entropy_gradient_is_softmax_minus_e_i(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "gradient", "name": "L", "function": "-log(softmax(x)[i])",
                                    "vectors": {"x": "n"}, "wrt": "x"})
    ans = sol.answers["gradient"]
    i, n = mo.index("i"), mo.index("n")
    assert ans.display == mo.Softmax(mo.vector("x"), n) - mo.UnitVector(i, n)
    x = [0.1, 0.7, -0.4]
    softmax = np.exp(x) / np.exp(x).sum()
    for cls in (1, 2, 3):
        for k in (1, 2, 3):
            want = softmax[k - 1] - (1.0 if k == cls else 0.0)
            assert entry_at(ans.expr, 3, k, x, {i: cls}) == pytest.approx(want, abs=1e-12)
    # the case split is shown
    notes = [line.note for line in sol.parts[0].lines if line.note]
    assert any("k = i" in n for n in notes) and any("neq" in n for n in notes)


def test_gradient_of_symbols_at_a_point(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "gradient", "function": "x**2*y + sin(x*y)", "wrt": ["x", "y"],
                                    "at": {"x": 1, "y": 2}})

    def f(p):
        return p[0] ** 2 * p[1] + math.sin(p[0] * p[1])

    got = [float(v) for v in sol.answers["gradient_at"].expr]
    assert got == pytest.approx([fd(f, [1, 2], 0), fd(f, [1, 2], 1)], rel=1e-7)


def test_gradient_of_a_vector_of_given_length(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "gradient", "function": "Sum(x[i]**2, (i, 1, 3)) + x[1]*x[2]",
                                    "vectors": {"x": 3}, "wrt": "x", "at": {"x": [1, 2, 3]}})
    assert [int(v) for v in sol.answers["gradient_at"].expr] == [2 + 2, 4 + 1, 6]


def test_matrix_gradient_of_quadratic_form_is_x_xT(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "matrix_gradient", "function": "x.T * W * x",
                                    "shapes": {"x": ["n", 1], "W": ["n", "n"]}, "wrt": "W"})
    x = sp.MatrixSymbol("x", mo.index("n"), 1)
    assert sol.answers["gradient"].expr == x * x.T
    assert rules.names(sol.parts[0].lines[-1].rule) == ("then", "entries_assembled", "denominator_layout")
    assert sol.parts[0].lines[-1].rule.args["second"].args == {"variable": "W"}


def test_matrix_gradient_with_concrete_shapes(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "matrix_gradient", "function": "a.T * X * b",
                                    "shapes": {"a": [3, 1], "X": [3, 2], "b": [2, 1]}, "wrt": "X"})
    got = sol.answers["gradient"].expr
    a, b = mo.vector("a"), mo.vector("b")
    assert sp.Matrix(got) == sp.Matrix(3, 2, lambda r, c: a[r + 1] * b[c + 1])


@pytest.mark.parametrize("z,want", [(3, {"a": 15, "b": -6, "c": -10, "d": 3, "output": -30}),
                                    (7, {"a": 35, "b": -14, "c": -10, "d": 7, "output": -70})])
def test_backprop_seed_graph(tmp_path, z, want):
    spec, (sol,) = solve(tmp_path, {"kind": "backprop", "graph": {"q": "x * y", "f": "q * z"},
                                    "inputs": {"x": -2, "y": 5, "z": z}, "ask": {"a": "x", "b": "y", "c": "z",
                                                                                   "d": "q"}})
    assert {k: int(v.expr) for k, v in sol.answers.items()} == want
    assert [p.label for p in sol.parts[1:]] == ["a", "b", "c", "d"]


def test_backprop_shared_node_sums_paths(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "backprop",
                                    "graph": {"a1": "2*x", "a2": "x*y", "a3": "x + 1", "f": "a1*a2 + a3"},
                                    "inputs": {"x": 3, "y": 2}, "ask": {"g": "x"}})

    def f(p):
        x, y = p
        return (2 * x) * (x * y) + (x + 1)

    assert float(sol.answers["g"].expr) == pytest.approx(fd(f, [3, 2], 0), rel=1e-7)
    chain = [line for line in sol.parts[1].lines if line.rule == CHAIN_RULE_OVER_PATHS.at(count=3)]
    assert chain


def test_gradient_step_seed(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "gradient_step", "function": "2*x + 3*x*y", "wrt": ["x", "y"],
                                    "learning_rate": "alpha"})
    alpha, x, y = mo.real("alpha"), mo.real("x"), mo.real("y")
    assert sp.simplify(sol.answers["step"].expr - sp.Matrix([-alpha * (2 + 3 * y), -alpha * 3 * x])) == sp.zeros(2, 1)


def test_gradient_step_updates_by_plain_iteration(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "gradient_step", "function": "x**2 + 3*x*y", "wrt": ["x", "y"],
                                    "learning_rate": 0.1, "at": {"x": 1, "y": 2}, "steps": 3})
    p = [1.0, 2.0]
    for _ in range(3):
        g = [2 * p[0] + 3 * p[1], 3 * p[0]]
        p = [p[0] - 0.1 * g[0], p[1] - 0.1 * g[1]]
    assert [float(v) for v in sol.answers["update"].expr] == pytest.approx(p, rel=1e-12)


def conv_reference(w, h, k, s, p, d, floor=False):
    """Output size by counting window positions in plain Python."""
    def axis(size, kk, ss, pp, dd):
        span = dd * (kk - 1) + 1
        return len(range(0, size + 2 * pp - span + 1, ss))
    return axis(w, k[0], s[0], p[0], d[0]), axis(h, k[1], s[1], p[1], d[1])


@pytest.mark.parametrize("cfg", [
    dict(input={"width": 32, "height": 32}, filters=8, kernel=3),
    dict(input={"width": 32, "height": 32, "channels": 3}, filters=16, kernel=5, stride=1, padding=2),
    dict(input={"width": 227, "height": 227, "channels": 3}, filters=96, kernel=11, stride=4),
    dict(input={"width": 28, "height": 20}, filters=4, kernel={"width": 3, "height": 5}, stride=2, padding=1,
         dilation=2, rounding="floor"),
])
def test_conv_output_shape(tmp_path, cfg):
    spec, (sol,) = solve(tmp_path, {"kind": "conv_output_shape", **cfg})
    def ax(v, default):
        v = cfg.get(v, default)
        return (v, v) if isinstance(v, int) else (v["width"], v["height"])
    want = conv_reference(cfg["input"]["width"], cfg["input"]["height"], ax("kernel", 1), ax("stride", 1),
                          ax("padding", 0), ax("dilation", 1))
    a = sol.answers
    assert (int(a["filters"].expr), int(a["width"].expr), int(a["height"].expr)) == (cfg["filters"], *want)
    if "channels" in cfg["input"]:
        kw, kh = ax("kernel", 1)
        assert int(a["params"].expr) == cfg["filters"] * (kw * kh * cfg["input"]["channels"] + 1)


def test_conv_exact_rounding_refuses_a_fractional_size(tmp_path):
    from answerkey.errors import SpecError

    with pytest.raises(SpecError) as err:
        solve(tmp_path, {"kind": "conv_output_shape", "input": {"width": 32, "height": 32}, "filters": 8,
                         "kernel": 4, "stride": 3})
    assert "(32 - 4 + 2*0)/3 + 1 = 31/3 is not an integer" in str(err.value)
    assert "rounding: floor" in str(err.value)
