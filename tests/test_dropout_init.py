"""dropout and initialization against independent computations written here: Monte Carlo dropout with numpy
(a fixed seed and a tolerance), PyTorch's torch.nn.init formulas and calculate_gain written out, conv fans
from a weight's shape, numeric integration of U(-a, a); letters against numbers; the errors at their fields;
every displayed line read back from the page."""
import math

import numpy as np
import pytest
import sympy as sp

from answerkey.errors import SpecError
from tests.kindutil import solve


def _read_all(sol):
    assert sol.verified
    assert sol.readback["unread"] == [] and not sol.unread, sol.unread
    return {k: v.expr for k, v in sol.answers.items()}


def _floats(m):
    return [float(x) for x in (list(m) if isinstance(m, sp.MatrixBase) else [m])]


# -- dropout ---------------------------------------------------------------------------------------------


def _torch_dropout_train(h, mask, p):  # nn.Dropout(p) in training mode, the mask given
    return np.asarray(h, float) * np.asarray(mask, float) / (1 - p)


@pytest.mark.parametrize("h, p, mask", [([2, -1, 0.5, 3], 0.5, [1, 0, 1, 1]),
                                        ([0.3, -4, 7, 1.5, -2], 0.2, [0, 1, 1, 0, 1]),
                                        ([1, 2, 3], 0.75, [1, 1, 0])])
def test_dropout_output_and_expectation_by_monte_carlo(tmp_path, h, p, mask):
    spec, (sol,) = solve(tmp_path, {"kind": "dropout", "h": h, "p": p, "mask": mask, "variance": True})
    a = _read_all(sol)
    assert np.allclose(_floats(a["output"]), _torch_dropout_train(h, mask, p))
    assert math.isclose(float(a["scale"]), 1 / (1 - p))
    assert np.allclose(_floats(a["test_output"]), h)
    rng = np.random.default_rng(12345)
    draws = (rng.random((200_000, len(h))) >= p).astype(float)  # kept with probability 1 - p
    y = draws * np.asarray(h, float) / (1 - p)
    mean, var = y.mean(axis=0), y.var(axis=0)
    assert np.allclose(mean, h, atol=0.03 * max(abs(v) for v in h) / (1 - p) ** 0.5)
    assert np.allclose(_floats(a["variance"]), var, rtol=0.03, atol=1e-3)
    i = sol.answers["expectation"].index
    assert a["expectation"] == sp.IndexedBase("h", real=True)[i]


def test_dropout_with_a_letter_p_derives_the_expectation_for_every_p(tmp_path):
    spec, (sol,) = solve(tmp_path, {"kind": "dropout", "h": [1, 2, 3], "p": "p", "variance": True})
    a = _read_all(sol)
    p = sp.Symbol("p", positive=True)
    assert sp.simplify(a["scale"] - 1 / (1 - p)) == 0
    hi = sp.IndexedBase("h", real=True)[sol.answers["variance"].index]
    assert sp.simplify(a["variance"] - p / (1 - p) * hi ** 2) == 0
    for pv in (0.1, 0.5, 0.9):  # the letter's formula at numbers = the numbers' answer
        _, (num,) = solve(tmp_path, {"kind": "dropout", "h": [1, 2, 3], "p": pv, "variance": True})
        assert np.allclose(_floats(num.answers["variance"].expr), [pv / (1 - pv) * v ** 2 for v in (1, 2, 3)])
        assert math.isclose(float(num.answers["scale"].expr), float(a["scale"].subs(p, pv)))


def test_dropout_without_inverted_scaling_and_keep(tmp_path):
    h, keep, mask = [[1, -2], [0.5, 4]], 0.8, [[1, 1], [0, 1]]
    spec, (sol,) = solve(tmp_path, {"kind": "dropout", "h": h, "keep": keep, "mask": mask, "inverted": False})
    a = _read_all(sol)
    assert np.allclose(np.array(a["output"].tolist(), float), np.array(h) * np.array(mask))
    assert np.allclose(np.array(a["test_output"].tolist(), float), keep * np.array(h))  # E[m h] = (1 - p) h
    assert math.isclose(float(a["scale"]), keep)


@pytest.mark.parametrize("fields, where, words", [
    ({"p": 1}, "p", "must lie in [0, 1)"), ({"p": 1.5}, "p", "must lie in [0, 1)"),
    ({"p": -0.25}, "p", "must lie in [0, 1)"), ({"keep": 0}, "keep", "must lie in (0, 1]"),
    ({"p": 0.5, "mask": [1, 0]}, "mask", "the mask has shape 2; h has shape 3"),
    ({"p": 0.5, "mask": [1, 0, 3]}, "mask", "a mask entry is 0 (dropped) or 1 (kept), got 3"),
    ({"p": 0.5, "keep": 0.5}, "p", "not both")])
def test_dropout_errors_at_their_fields(tmp_path, fields, where, words):
    with pytest.raises(SpecError) as info:
        solve(tmp_path, {"kind": "dropout", "h": [1, 2, 3], **fields})
    text = str(info.value)
    assert words in text and f"{where}" in text and "Traceback" not in text


# -- initialization --------------------------------------------------------------------------------------


def calculate_gain(nonlinearity, param=None):  # torch.nn.init.calculate_gain, as documented
    return {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2),
            "selu": 0.75}.get(nonlinearity) or math.sqrt(2 / (1 + (0.01 if param is None else param) ** 2))


def torch_fans(shape):  # torch.nn.init._calculate_fan_in_and_fan_out of a weight (out, in, *kernel)
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


@pytest.mark.parametrize("fan_in, fan_out, gain", [(256, 128, None), (784, 10, 2), (3, 5, None)])
def test_xavier_against_torch_formulas(tmp_path, fan_in, fan_out, gain):
    extra = {"gain": gain} if gain else {}
    g = gain or 1
    for scheme in ("xavier_normal", "xavier_uniform"):
        _, (sol,) = solve(tmp_path, {"kind": "initialization", "scheme": scheme, "fan_in": fan_in,
                                     "fan_out": fan_out, **extra})
        a = _read_all(sol)
        std = g * math.sqrt(2 / (fan_in + fan_out))
        assert math.isclose(float(a["std"]), std) and math.isclose(float(a["variance"]), std ** 2)
        if scheme == "xavier_uniform":
            bound = g * math.sqrt(6 / (fan_in + fan_out))
            assert math.isclose(float(a["bound"]), bound)
            xs = np.linspace(-bound, bound, 200_001)  # Var of U(-a, a) by the trapezoid rule
            assert math.isclose(np.trapezoid(xs ** 2, xs) / (2 * bound), std ** 2, rel_tol=1e-6)


@pytest.mark.parametrize("nonlinearity, slope, mode", [("relu", None, "fan_in"), ("leaky_relu", 0.2, "fan_out"),
                                                       ("tanh", None, "fan_in"), (None, None, "fan_out")])
def test_kaiming_against_torch_formulas(tmp_path, nonlinearity, slope, mode):
    fan_in, fan_out = 300, 120
    extra = {k: v for k, v in (("nonlinearity", nonlinearity), ("slope", slope)) if v is not None}
    for scheme in ("kaiming_normal", "he_uniform"):
        _, (sol,) = solve(tmp_path, {"kind": "initialization", "scheme": scheme, "fan_in": fan_in,
                                     "fan_out": fan_out, "mode": mode, **extra})
        a = _read_all(sol)
        gain = calculate_gain(nonlinearity or "relu", slope)
        std = gain / math.sqrt(fan_in if mode == "fan_in" else fan_out)
        assert math.isclose(float(a["std"]), std)
        assert math.isclose(float(a["gain"]), gain)
        if scheme.endswith("uniform"):
            assert math.isclose(float(a["bound"]), math.sqrt(3) * std)


@pytest.mark.parametrize("conv", [{"in_channels": 64, "out_channels": 128, "kernel": 3},
                                  {"in_channels": 3, "out_channels": 16, "kernel": [5, 3]},
                                  {"in_channels": 1, "out_channels": 1, "kernel": 1}])
def test_conv_fans_from_the_weight_shape(tmp_path, conv):
    k = conv["kernel"] if isinstance(conv["kernel"], list) else [conv["kernel"]] * 2
    fan_in, fan_out = torch_fans((conv["out_channels"], conv["in_channels"], *k))
    _, (sol,) = solve(tmp_path, {"kind": "initialization", "scheme": "he_normal", "layer": {"conv": conv}})
    a = _read_all(sol)
    assert (int(a["fan_in"]), int(a["fan_out"])) == (fan_in, fan_out)
    assert math.isclose(float(a["variance"]), 2 / fan_in)
    _, (sol,) = solve(tmp_path, {"kind": "initialization", "scheme": "xavier_normal", "layer": {"conv": conv}})
    assert math.isclose(float(_read_all(sol)["variance"]), 2 / (fan_in + fan_out))


def test_letters_give_formulas_that_agree_with_numbers(tmp_path):
    _, (sol,) = solve(tmp_path, {"kind": "initialization", "scheme": "xavier_uniform", "fan_in": "n_in",
                                 "fan_out": "n_out", "nonlinearity": "tanh"})
    a = _read_all(sol)
    n_in, n_out = sp.Symbol("n_{in}", integer=True, positive=True), sp.Symbol("n_{out}", integer=True, positive=True)
    for fi, fo in ((256, 128), (7, 9)):
        at = {n_in: fi, n_out: fo}
        assert math.isclose(float(a["bound"].subs(at)), 5 / 3 * math.sqrt(6 / (fi + fo)))
        assert math.isclose(float(a["variance"].subs(at)), (5 / 3) ** 2 * 2 / (fi + fo))
    _, (sol,) = solve(tmp_path, {"kind": "initialization", "scheme": "he_normal",
                                 "layer": {"conv": {"in_channels": "C", "out_channels": 8, "kernel": "k"}}})
    a = _read_all(sol)
    C, k = sp.Symbol("C", integer=True, positive=True), sp.Symbol("k", integer=True, positive=True)
    assert sp.simplify(a["fan_in"] - C * k ** 2) == 0 and sp.simplify(a["variance"] - 2 / (C * k ** 2)) == 0


@pytest.mark.parametrize("fields, where, words", [
    ({"scheme": "xavier_normal", "fan_in": 256}, "fan_in", "needs fan_out too"),
    ({"scheme": "he_normal", "fan_in": 256, "mode": "fan_out"}, "fan_in", "needs fan_out too"),
    ({"scheme": "xavier_normal", "fan_in": 0, "fan_out": 3}, "fan_in", "expected a size >= 1"),
    ({"scheme": "he_normal", "fan_in": 9, "gain": 2, "nonlinearity": "relu"}, "gain", "not both"),
    ({"scheme": "he_normal", "fan_in": 9, "slope": 0.1}, "slope", "leaky_relu"),
    ({"scheme": "lecun_normal", "fan_in": 9, "nonlinearity": "tanh"}, "nonlinearity", "no gain"),
    ({"scheme": "he_normal", "fan_in": 9, "layer": {"linear": {"in_features": 3, "out_features": 4}}},
     "fan_in", "give fan_in or layer"),
    ({"scheme": "he_normal", "layer": {"conv": {"in_channels": 3, "out_channels": 4, "kernel": [3, 3, 3]}}},
     "kernel", "[height, width]")])
def test_initialization_errors_at_their_fields(tmp_path, fields, where, words):
    with pytest.raises(SpecError) as info:
        solve(tmp_path, {"kind": "initialization", **fields})
    text = str(info.value)
    assert words in text and where in text and "Traceback" not in text


# -- the page is the proof: a corrupted printed line fails ------------------------------------------------


@pytest.mark.parametrize("problem, right, wrong", [
    ({"kind": "dropout", "h": [2, -1], "p": 0.5}, r"= h_{i}", r"= \left(1 - p\right) h_{i}"),  # E[m h/(1-p)]
    ({"kind": "dropout", "h": [2, -1], "p": "p", "variance": True}, r"\frac{p h_{i}^{2}}{1 - p}",
     r"\frac{h_{i}^{2}}{1 - p}"),
    ({"kind": "initialization", "scheme": "xavier_uniform", "fan_in": 256, "fan_out": 128},
     r"\frac{6}{256 + 128}", r"\frac{3}{256 + 128}"),
    ({"kind": "initialization", "scheme": "he_normal", "fan_in": 256},
     r"\times \frac{\sigma_{z}^{2}}{2} = \sigma_{z}^{2}", r"\times \sigma_{z}^{2} = \sigma_{z}^{2}")])
def test_a_corrupted_line_fails_the_read_back(tmp_path, problem, right, wrong):
    from answerkey import readback, render
    from answerkey.errors import VerificationError

    spec, (sol,) = solve(tmp_path, problem)
    p = spec.problems[0]
    block = render.solution_block(p, sol)
    readback.check(p, sol, block, p.kind.context(p))  # as printed: it holds
    assert right in block, block
    with pytest.raises(VerificationError):
        readback.check(p, sol, block.replace(right, wrong, 1), p.kind.context(p))
