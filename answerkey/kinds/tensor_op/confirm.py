"""kind: tensor_op -- the independent confirmation of its answers (no code shared with its solver): the
whole output computed again by plain loops over a padded copy of the input."""
from __future__ import annotations

from ...numerics import failure
from .fields import setup


def _pad(channel, ph, pw, fill):
    width = len(channel[0]) + 2 * pw
    return [[fill] * width for _ in range(ph)] + [[fill] * pw + list(r) + [fill] * pw for r in channel] + \
        [[fill] * width for _ in range(ph)]


def _count(n, k, s, p, d):
    """Window positions along one axis: starts 0, s, 2s, ... while the dilated kernel fits."""
    positions, start = 0, 0
    while start + d * (k - 1) < n + 2 * p:
        positions += 1
        start += s
    return positions


def compute(s) -> list:
    """The output maps as lists of rows (exact numbers), PyTorch's semantics written out: conv2d (a
    convolution with the kernel rotated by 180 degrees), max_pool2d (padding never the maximum),
    avg_pool2d (count_include_pad: the mean over the whole window)."""
    ph, pw = s.padding["height"], s.padding["width"]
    sh, sw = s.stride["height"], s.stride["width"]
    dh, dw = s.dilation["height"], s.dilation["width"]
    kh, kw = s.size["height"], s.size["width"]
    rows, cols = len(s.x[0]), len(s.x[0][0])
    oh, ow = _count(rows, kh, sh, ph, dh), _count(cols, kw, sw, pw, dw)
    pool = s.op in ("max_pool", "avg_pool")
    maps = []
    if pool:
        for channel in s.x:
            grid = _pad(channel, ph, pw, None)
            out = []
            for i in range(oh):
                row = []
                for j in range(ow):
                    cells = [grid[i * sh + a * dh][j * sw + b * dw] for a in range(kh) for b in range(kw)]
                    if s.op == "max_pool":
                        row.append(max(v for v in cells if v is not None))
                    else:
                        row.append(sum((v for v in cells if v is not None), 0) / (kh * kw))
                out.append(row)
            maps.append(out)
        return maps
    grids = [_pad(channel, ph, pw, 0) for channel in s.x]
    for f, kernel in enumerate(s.k):
        if s.op == "convolve":
            kernel = [[list(r)[::-1] for r in ch[::-1]] for ch in kernel]
        out = []
        for i in range(oh):
            row = []
            for j in range(ow):
                total = 0
                for c, grid in enumerate(grids):
                    for a in range(kh):
                        for b in range(kw):
                            total += grid[i * sh + a * dh][j * sw + b * dw] * kernel[c][a][b]
                if s.bias is not None:
                    total += s.bias[f]
                row.append(total)
            out.append(row)
        maps.append(out)
    return maps


def confirm(problem, solution) -> list[str]:
    s = setup(problem)
    maps = compute(s)
    answers = solution.answers
    for m, want in enumerate(maps):
        label = "output" if len(maps) == 1 else f"output_{m + 1}"
        got = answers[label].expr
        got = got.T if s.dims == 1 else got  # a 1-D output is kept as a column
        rows = [[got[i, j] for j in range(got.shape[1])] for i in range(got.shape[0])]
        if rows != want:
            raise failure(problem, label, f"the key says {rows}, sliding the window over the padded input gives "
                                          f"{want}")
    shape = f"{len(maps[0])} x {len(maps[0][0])}" if s.dims == 2 else f"{len(maps[0][0])}"
    return [f"output: every window recomputed by loops over the padded input ({len(maps)} map"
            f"{'s' if len(maps) != 1 else ''} of {shape})"]
