"""tensor_op against numpy implementations written here: PyTorch's documented semantics of conv2d
(out[f, i, j] = bias[f] + sum_c sum_a sum_b xpad[c, s_h i + d_h a, s_w j + d_w b] w[f, c, a, b]), of
max_pool2d (padding is -inf, never the maximum) and of avg_pool2d (count_include_pad: the mean over the
whole window, padding counted as 0), with floor rounding of the output size (ceil_mode=False); a
convolution is conv2d with the kernel flipped in both axes, and in 1-D numpy's own np.convolve and
np.correlate confirm it. Every displayed line must be read back from the page; a wrong number on the
page must fail the build."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy as sp

from answerkey import readback, render
from answerkey.errors import AnswerkeyError, SpecError, VerificationError
from tests.kindutil import solve

np = pytest.importorskip("numpy")


def conv2d(x, w, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """x (C, H, W), w (F, C, kh, kw) -> (F, oh, ow), as torch.nn.functional.conv2d documents it."""
    x, w = np.asarray(x, dtype=object), np.asarray(w, dtype=object)
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    c, h, wd = x.shape
    f, c2, kh, kw = w.shape
    assert c == c2
    xp = np.zeros((c, h + 2 * ph, wd + 2 * pw), dtype=object)
    xp[:, ph:ph + h, pw:pw + wd] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((f, oh, ow), dtype=object)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, i, j] = np.tensordot(w, patch, axes=([1, 2, 3], [0, 1, 2]))
    if bias is not None:
        out = out + np.asarray(bias, dtype=object)[:, None, None]
    return out


def pool2d(x, kernel, stride, padding=(0, 0), mode="max"):
    """x (C, H, W) -> (C, oh, ow): max_pool2d or avg_pool2d (count_include_pad=True)."""
    x = np.asarray(x, dtype=object)
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    c, h, wd = x.shape
    fill = None if mode == "max" else 0
    xp = np.full((c, h + 2 * ph, wd + 2 * pw), fill, dtype=object)
    xp[:, ph:ph + h, pw:pw + wd] = x
    oh, ow = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = np.zeros((c, oh, ow), dtype=object)
    for ch in range(c):
        for i in range(oh):
            for j in range(ow):
                cells = xp[ch, i * sh:i * sh + kh, j * sw:j * sw + kw].ravel()
                if mode == "max":
                    out[ch, i, j] = max(v for v in cells if v is not None)
                else:
                    out[ch, i, j] = Fraction(sum(cells), kh * kw)
    return out


def as_lists(matrix):
    return [[Fraction(int(sp.numer(v)), int(sp.denom(v))) for v in row] for row in matrix.tolist()]


def solved(tmp_path, problem):
    _, (solution,) = solve(tmp_path, problem)
    assert solution.verified
    assert solution.unread == [], solution.unread
    assert solution.checks[0].startswith("all "), solution.checks[0]
    return solution


def outputs(solution, maps):
    if maps == 1:
        return [as_lists(solution.answers["output"].display)]
    return [as_lists(solution.answers[f"output_{m + 1}"].display) for m in range(maps)]


def draw_matrix(rng, rows, cols, lo=-3, hi=5):
    return [[rng.randint(lo, hi) for _ in range(cols)] for _ in range(rows)]


@pytest.mark.parametrize("seed", range(12))
def test_random_correlations_and_convolutions_match_conv2d(tmp_path, seed):
    rng = random.Random(seed)
    channels, filters = rng.choice([1, 1, 2, 3]), rng.choice([1, 1, 2])
    h, w = rng.randint(3, 6), rng.randint(3, 6)
    kh, kw = rng.randint(1, 3), rng.randint(1, 3)
    stride, padding, dilation = rng.choice([1, 1, 2]), rng.choice([0, 0, 1, 2]), rng.choice([1, 1, 2])
    if dilation * (kh - 1) + 1 > h + 2 * padding or dilation * (kw - 1) + 1 > w + 2 * padding:
        dilation = 1
    op = rng.choice(["correlate", "convolve"])
    x = [draw_matrix(rng, h, w) for _ in range(channels)]
    k = [[draw_matrix(rng, kh, kw, -2, 2) for _ in range(channels)] for _ in range(filters)]
    bias = [rng.randint(-2, 2) for _ in range(filters)] if rng.random() < 0.5 else None
    problem = {"kind": "tensor_op", "op": op, "stride": stride, "padding": padding, "dilation": dilation,
               "rounding": "floor", "show": 3,
               "input": x if channels > 1 else x[0]}
    kernel = [kk if channels > 1 else kk[0] for kk in k]
    problem["kernel"] = kernel if filters > 1 else kernel[0]
    if bias is not None:
        problem["bias"] = bias if filters > 1 else bias[0]
    weights = np.asarray(k, dtype=object)
    if op == "convolve":
        weights = weights[:, :, ::-1, ::-1]
    want = conv2d(x, weights, bias, (stride, stride), (padding, padding), (dilation, dilation))
    got = outputs(solved(tmp_path, problem), filters)
    assert got == [[list(r) for r in m] for m in want.tolist()], problem


@pytest.mark.parametrize("seed", range(6))
def test_random_uneven_stride_padding_dilation_by_axis_match_conv2d(tmp_path, seed):
    rng = random.Random(300 + seed)
    h, w, kh, kw = rng.randint(4, 7), rng.randint(4, 7), rng.randint(1, 3), rng.randint(1, 3)
    st, pd, dl = ([rng.randint(lo, hi) for _ in range(2)] for lo, hi in ((1, 3), (0, 2), (1, 2)))
    x, k = draw_matrix(rng, h, w), draw_matrix(rng, kh, kw, -2, 2)
    problem = {"kind": "tensor_op", "input": x, "kernel": k, "rounding": "floor",
               "stride": {"height": st[0], "width": st[1]}, "padding": {"height": pd[0], "width": pd[1]},
               "dilation": {"height": dl[0], "width": dl[1]}}
    want = conv2d([x], [[k]], None, tuple(st), tuple(pd), tuple(dl))
    assert outputs(solved(tmp_path, problem), 1) == [want[0].tolist()], problem


def test_the_example_spec_is_read_back_in_full():
    from pathlib import Path

    from answerkey.build import load_spec, solve_all

    spec = load_spec(Path(__file__).resolve().parent.parent / "answerkey/kinds/tensor_op/example.yaml")
    solutions = solve_all(spec, jobs=1)
    for solution in solutions:
        assert solution.verified and solution.unread == [], solution.unread
    assert [s.answers["output"].expr.tolist() for s in solutions][2:] == [[[6, 5], [3, 4]], [[6, 6], [1, 5]]]


@pytest.mark.parametrize("seed", range(8))
def test_random_poolings_match_max_pool2d_and_avg_pool2d(tmp_path, seed):
    rng = random.Random(100 + seed)
    channels = rng.choice([1, 2])
    h, w = rng.randint(2, 6), rng.randint(2, 6)
    kh, kw = rng.randint(1, min(3, h)), rng.randint(1, min(3, w))
    sh, sw = rng.randint(1, 3), rng.randint(1, 3)
    ph, pw = rng.randint(0, kh // 2), rng.randint(0, kw // 2)  # PyTorch: padding at most half the kernel
    mode = rng.choice(["max", "avg"])
    x = [draw_matrix(rng, h, w, -5, 9) for _ in range(channels)]
    problem = {"kind": "tensor_op", "op": f"{mode}_pool", "input": x if channels > 1 else x[0],
               "kernel": {"width": kw, "height": kh}, "stride": {"width": sw, "height": sh},
               "padding": {"width": pw, "height": ph}, "rounding": "floor"}
    want = pool2d(x, (kh, kw), (sh, sw), (ph, pw), mode)
    got = outputs(solved(tmp_path, problem), channels)
    assert got == [[list(r) for r in m] for m in want.tolist()], problem


@pytest.mark.parametrize("seed", range(6))
def test_one_dimensional_against_numpy_convolve_and_correlate(tmp_path, seed):
    rng = random.Random(200 + seed)
    x = [rng.randint(-4, 6) for _ in range(rng.randint(4, 9))]
    k = [rng.randint(-2, 3) for _ in range(rng.randint(1, 4))]
    for op, numpy_op in (("convolve", np.convolve), ("correlate", np.correlate)):
        solution = solved(tmp_path, {"kind": "tensor_op", "op": op, "input": x, "kernel": k})
        want = [int(v) for v in numpy_op(x, k, mode="valid")]
        assert solution.answers["output"].expr.tolist() == [[v] for v in want]
        assert outputs(solution, 1) == [[want]]


def test_one_dimensional_channels_with_stride_padding_dilation(tmp_path):
    x = [[1, 2, 0, -1, 3, 2], [0, 1, 1, 2, -2, 1]]
    k = [[1, -1], [2, 1]]
    solution = solved(tmp_path, {"kind": "tensor_op", "input": x, "dims": 1, "kernel": k, "stride": 2,
                                 "padding": 1, "dilation": 2, "rounding": "floor"})
    want = conv2d([[row] for row in x], [[[row] for row in k]], None, (1, 2), (0, 1), (1, 2))
    assert outputs(solution, 1) == [want[0].tolist()]


def test_the_page_shows_the_windows_entry_by_entry(tmp_path):
    problem = {"kind": "tensor_op", "input": [[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]],
               "kernel": [[2, 0], [1, -1]]}
    spec, (solution,) = solve(tmp_path, problem)
    shown = [d.math for d in readback.displays(render.solution_block(spec.problems[0], solution))]
    assert any(m.startswith("y_{11} = x_{11} k_{11} + x_{12} k_{12} + x_{21} k_{21} + x_{22} k_{22} = "
                            "1 \\times 2 + 2 \\times 0 + 0 \\times 1 + 1 \\times \\left(-1\\right) = 1") for m in shown), shown
    assert any(m.startswith("y_{12} = x_{12} k_{11}") and m.endswith("= 3") for m in shown), shown
    assert sum(m.startswith("y_{") for m in shown) == 2  # show: 2


def test_convolution_states_the_flipped_kernel(tmp_path):
    problem = {"kind": "tensor_op", "op": "convolve", "input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
               "kernel": [[1, 2], [3, 4]], "show": 1}
    spec, (solution,) = solve(tmp_path, problem)
    shown = [d.math for d in readback.displays(render.solution_block(spec.problems[0], solution))]
    assert any("\\text{flipped kernel} = \\begin{bmatrix}4 & 3\\\\2 & 1\\end{bmatrix}" in m for m in shown), shown
    # y11 = 1*4 + 2*3 + 4*2 + 5*1 = 23, the kernel's entries in flipped places
    assert any(m.startswith("y_{11} = x_{11} k_{22} + x_{12} k_{21} + x_{21} k_{12} + x_{22} k_{11}")
               and m.endswith("= 23") for m in shown), shown


def test_a_wrong_number_on_the_page_fails_the_read_back(tmp_path):
    problem = {"kind": "tensor_op", "input": [[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]],
               "kernel": [[2, 0], [1, -1]]}
    spec, (solution,) = solve(tmp_path, problem)
    p = spec.problems[0]
    block = render.solution_block(p, solution)
    for old, new in (("1 \\times \\left(-1\\right) = 1", "1 \\times \\left(-1\\right) = 2"),
                     ("x_{22} k_{22} = 1", "x_{22} k_{21} = 1"),
                     ("3 & 1 & 3", "3 & 2 & 3")):
        assert old in block
        with pytest.raises(VerificationError):
            readback.check(p, solution, block.replace(old, new, 1), p.kind.context(p))


def test_padding_is_shown_and_max_pooling_ignores_it(tmp_path):
    spec, (solution,) = solve(tmp_path, {"kind": "tensor_op", "op": "max_pool", "input": [[-1, -2], [-3, -4]],
                                         "kernel": 2, "stride": 1, "padding": 1})
    assert outputs(solution, 1) == [[[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]]]  # never the padding's 0
    spec, (solution,) = solve(tmp_path, {"kind": "tensor_op", "op": "avg_pool", "input": [[4, 8], [0, 4]],
                                         "kernel": 2, "stride": 1, "padding": 1})
    assert outputs(solution, 1) == [[[1, 3, 2], [1, 4, 3], [0, 1, 1]]]  # 4/4, 12/4, 8/4, ...
    shown = [d.math for d in readback.displays(render.solution_block(spec.problems[0], solution))]
    assert any(m.startswith("\\text{padded input} = \\begin{bmatrix}0 & 0 & 0 & 0") for m in shown), shown


@pytest.mark.parametrize("problem, field, message", [
    ({"input": [[1, 2, 3], [4, 5]], "kernel": [[1]]}, "input.1", "ragged"),
    ({"input": [[[1, 2], [3, 4]], [[1, 2]]], "kernel": [[[1]], [[1]]]}, "input.1", "ragged"),
    ({"input": [[1, 2], [3, 4]], "kernel": [[1, 2], [3]]}, "kernel.1", "ragged"),
    ({"input": [[1, 2], [3, [4]]], "kernel": [[1]]}, "input", "expected"),
    ({"input": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "kernel": [[[1]], [[1]], [[1]]]}, "kernel",
     "the kernel has 3 channels and the input 2"),
    ({"input": [[1, 2], [3, 4]], "kernel": [[[1]], [[2]]], "bias": [1, 2, 3]}, "bias", "3 biases for 2 filters"),
    ({"input": [[1, 2], [3, 4]], "kernel": [[1, 1, 1]]}, "kernel", "kernel width 3 is larger than the padded input"),
    ({"input": [1, 2, 3, 4, 5], "kernel": [1, 1], "stride": 2}, "stride",
     "the output length (5 - 2 + 2*0)/2 + 1 = 5/2 is not an integer"),
    ({"input": [1, 2, 3], "kernel": [1], "stride": {"width": 1, "height": 1}}, "stride", "a 1-D input has only a width"),
    ({"op": "avg_pool", "input": [[1, 2], [3, 4]], "kernel": 2, "bias": 1}, "bias", "no bias"),
])
def test_errors_at_their_fields(tmp_path, problem, field, message):
    with pytest.raises(AnswerkeyError) as info:
        solve(tmp_path, {"kind": "tensor_op", **problem})
    text = str(info.value)
    assert message in text, text
    assert isinstance(info.value, SpecError), text
    assert f"{field}:" in text or field in text, text


def test_max_pooling_shows_every_entry_of_the_window_and_a_wrong_maximum_fails(tmp_path):
    problem = {"kind": "tensor_op", "op": "max_pool", "input": [[5, 1, 1], [1, 5, 1], [1, 1, 5]], "kernel": 2,
               "stride": 1}
    spec, (solution,) = solve(tmp_path, problem)
    p = spec.problems[0]
    block = render.solution_block(p, solution)
    line = "y_{11} = \\max\\left(x_{11}, x_{12}, x_{21}, x_{22}\\right) = \\max\\left(5, 1, 1, 5\\right) = 5"
    assert line in block  # in the window's order, the repeated 5 and 1 kept
    assert outputs(solution, 1) == [[[5, 5], [5, 5]]]
    for old, new in ((line, line[:-1] + "4"), ("\\max\\left(5, 1, 1, 5\\right)", "\\max\\left(4, 1, 1, 4\\right)")):
        with pytest.raises(VerificationError):
            readback.check(p, solution, block.replace(old, new, 1), p.kind.context(p))


def test_a_wrong_entry_is_one_error_at_its_place(tmp_path):
    with pytest.raises(SpecError) as info:
        solve(tmp_path, {"kind": "tensor_op", "input": [[1, "a"], [2, 3]], "kernel": [[1]]})
    text = str(info.value)
    assert "input.0.1" in text and "'a'" in text, text
    assert "input.0.0" not in text and "input.1.0" not in text, text  # no error for the numbers around it


def test_wide_arrays_get_room_for_their_columns(tmp_path):
    """amsmath's matrices hold 10 columns unless told: a 12-column input must not break TeX."""
    problem = {"kind": "tensor_op", "input": [list(range(12)), list(range(12, 0, -1))], "kernel": [[1, -1]],
               "show": 1}
    spec, (solution,) = solve(tmp_path, problem)
    p = spec.problems[0]
    assert "\\setcounter{MaxMatrixCols}" in render.solution_block(p, solution)
    assert "\\setcounter{MaxMatrixCols}" in p.kind.describe(p)
    assert outputs(solution, 1) == [[[-1] * 11, [1] * 11]]
