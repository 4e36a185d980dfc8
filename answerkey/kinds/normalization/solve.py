"""kind: normalization -- batch or layer normalisation of a given matrix, forward and (with an upstream
gradient) backward, step by step in the problem's own notation:

    mu_k = (1/m) sum x,   sigma_k^2 = (1/m) sum (x - mu_k)^2,   xhat_ij = (x_ij - mu_k)/sqrt(sigma_k^2 + eps),
    y_ij = gamma_j xhat_ij + beta_j,

k the feature j (batch: statistics over the m examples) or the example i (layer: over the m features).
The statistics of every group, the first group's xhat and y entry by entry, then the whole matrices. The
backward pass: dL/dbeta_j = sum_i dL/dy_ij, dL/dgamma_j = sum_i dL/dy_ij xhat_ij, then for the first group the
computational graph's paths (xhat, the variance, the mean) and dL/dx summed over them, the compact formula
as a check, and the whole dL/dx. Numbers are exact where they are (integers, short decimals, fractions of
small denominators), else 6 significant digits; the values are carried exactly or in 50 digits. A numeric
form whose rounded inputs would not give the value to the printed digits is left out (the line keeps its
formula and its value)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import sympy as sp

from ...derivation import Answer, Part, Solution
from ...printer import terminates, tex
from .fields import setup, sub
from .rules import (NORM_COMPACT, NORM_IN_NUMBERS, NORM_SUMS, NORM_D_BETA, NORM_D_GAMMA, NORM_D_MEAN, NORM_D_VARIANCE, NORM_D_X, NORM_D_XHAT,
                    NORM_MEAN, NORM_NORMALISED, NORM_SCALED, NORM_VARIANCE, NORM_WHOLE)

DIGITS = 50
HALF = sp.Rational(1, 2)


def value(e):
    """e exactly where it is a rational of at most 30 digits above and below, else to DIGITS digits."""
    e = sp.sympify(e, strict=True)
    if e.is_Rational and abs(e.p) < 10 ** 30 and e.q < 10 ** 30:
        return e
    out = sp.Float(sp.N(e, DIGITS), DIGITS)
    if abs(out) < sp.Float("1e-40") and e.equals(0):  # an exact 0 that 50 digits leave as noise
        return sp.Integer(0)
    return out


@dataclass
class Num:
    """A number as the page prints it: its LaTeX, the number printed (exactly), whether it is rounded, and
    the unit of its last digit when the reader counts it as rounded (a decimal of 5 or more digits)."""

    tex: str
    printed: object
    rounded: bool
    unit: object = 0


def _unit(text: str):
    m = re.fullmatch(r"-?(\d+(?:\.\d+)?)", text)
    if not m or "." not in text:
        return 0
    d = Decimal(m.group(1))
    if len(d.as_tuple().digits) < 5:
        return 0
    return sp.Rational(str(Decimal(1).scaleb(d.as_tuple().exponent)))


def fmt(v) -> Num:
    v = sp.sympify(v, strict=True)
    if v.is_Rational:
        if v.is_Integer:
            return Num(str(v), v, False)
        if v > 0 and v.p == 1 and terminates(v):
            k = sp.log(v, 10)
            if k.is_Integer and k <= -4:
                return Num(f"10^{{{k}}}", v, False)
        if terminates(v):
            text = tex(sp.Float(v, DIGITS))
            if re.fullmatch(r"-?\d+(\.\d+)?", text) and sp.Rational(text) == v:
                return Num(text, v, False, _unit(text))
        if v.q <= 1000 and abs(v.p) <= 10 ** 6:
            frac = f"\\frac{{{abs(v.p)}}}{{{v.q}}}"
            return Num(("-" if v < 0 else "") + frac, v, False)
    text = tex(sp.Float(sp.N(v, DIGITS), DIGITS))
    m = re.fullmatch(r"(-?[0-9.]+)(?: \\times 10\^\{(-?[0-9]+)\})?", text)
    printed = sp.Rational(m.group(1)) * (sp.Integer(10) ** int(m.group(2)) if m.group(2) else 1)
    return Num(text, printed, printed != v, _unit(m.group(1)))


def par(n: Num) -> str:
    """A number as a factor: in brackets when negative or written with a power of ten."""
    return f"\\left({n.tex}\\right)" if n.tex.startswith("-") or "\\times" in n.tex or "^" in n.tex else n.tex


def base(n: Num) -> str:
    """A number as the base of a power."""
    return f"\\left({n.tex}\\right)" if n.tex.startswith("-") or "\\" in n.tex or "^" in n.tex else n.tex


def plus(terms: list[str]) -> str:
    """Terms added, a term printed with a leading minus subtracted."""
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def minus(a: str, b: Num) -> str:
    """a - b, or a + |b| when b is negative."""
    return f"{a} + {b.tex[1:]}" if b.tex.startswith("-") else f"{a} - {par(b)}"


@dataclass
class Form:
    """A side of a line: its LaTeX and, for a side of numbers, its value from the printed numbers (exactly)
    and the units of the rounded numbers it prints (None for a formula in names: exact by construction)."""

    tex: str
    printed: object = None
    rounded: bool = False
    units: object = 0


def numbers(tex_: str, printed, nums: list) -> Form:
    return Form(tex_, printed, any(n.rounded for n in nums), sum((n.unit for n in nums), sp.Integer(0)))


def _close(form: Form, truth, shown: Num) -> bool:
    a, b = sp.N(form.printed, 30), sp.N(truth, 30)
    allowed = sp.Float("5e-6") * max(abs(a), abs(b)) + 2 * (form.units + shown.unit)
    return bool(abs(a - b) <= allowed)


WIDTH = 62  # about the characters of math a displayed line holds


def width(text: str) -> float:
    """Roughly how many characters wide LaTeX math prints: a fraction as its wider part, a sub- or
    superscript at 0.6, a command as one character, brackets' sizing and spaces as nothing."""
    total, i = 0.0, 0
    while i < len(text):
        if text.startswith("\\frac{", i):
            top_end = _group_end(text, i + 5)
            bottom_end = _group_end(text, top_end)
            total += max(width(text[i + 6:top_end - 1]), width(text[top_end + 1:bottom_end - 1])) + 0.5
            i = bottom_end
            continue
        if text[i] in "_^" and text[i + 1:i + 2] == "{":
            end = _group_end(text, i + 1)
            total += 0.6 * width(text[i + 2:end - 1])
            i = end
            continue
        if text[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", text[i:])
            word = m.group(1)
            total += 0 if word in ("left", "right", ",", "quad") else 1
            i += len(m.group(0))
            continue
        total += 0 if text[i] in " {}" else 1
        i += 1
    return total


def _group_end(text: str, start: int) -> int:
    """The index after the brace group opening at text[start]."""
    depth = 0
    for k in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        if depth == 0:
            return k + 1
    return len(text)


def emit(part: Part, lhs: str, truth, forms: list, rule, therefore: bool = False):
    """lhs = the forms = the value; a side of numbers with rounded inputs is joined by \\approx (and left out
    when its rounding would not give the value to the printed digits); the value by = when it is printed
    exactly. A line too wide for the page is two: the formula, then the numbers."""
    shown = fmt(truth)
    kept = [f for f in forms if f.printed is None or _close(f, truth, shown)]
    sides = [(f.tex, f.rounded) for f in kept if f.tex != shown.tex]
    sides.append((shown.tex, shown.rounded))
    text = " ".join(t for t, _ in sides)
    if len(sides) > 2 and width(lhs) + width(text) > WIDTH:
        part.add(sp.Symbol(lhs), truth, rhs_tex=sides[0][0], rule=rule, value=truth, approx=sides[0][1])
        sides = sides[1:]
        rule = NORM_IN_NUMBERS
    text = sides[0][0]
    for t, rough in sides[1:]:
        text += (" \\approx " if rough else " = ") + t
    return part.add(sp.Symbol(lhs), truth, rhs_tex=text, rule=rule, value=truth, approx=sides[0][1],
                    therefore=therefore)


def bmatrix(rows) -> tuple[str, bool]:
    shown = [[fmt(v) for v in row] for row in rows]
    body = " \\\\ ".join(" & ".join(n.tex for n in row) for row in shown)
    return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}", any(n.rounded for row in shown for n in row)


def d(name: str) -> str:
    return f"\\frac{{\\partial L}}{{\\partial {name}}}"


def solve(problem) -> Solution:
    s = setup(problem)
    m = s.m
    batch = s.type == "batch"
    eps = s.eps
    e = fmt(eps)

    def X(i, j):
        return f"x_{{{sub(s, i, j)}}}"

    def XH(i, j):
        return f"\\hat{{x}}_{{{sub(s, i, j)}}}"

    def Y(i, j):
        return f"y_{{{sub(s, i, j)}}}"

    def MU(k):
        return f"\\mu_{{{k + 1}}}"

    def VAR(k):
        return f"\\sigma_{{{k + 1}}}^{{2}}"

    def root(var_tex: str) -> str:
        return f"\\sqrt{{{var_tex} + {e.tex}}}" if eps != 0 else f"\\sqrt{{{var_tex}}}"

    group = "the batch (each feature $j$ over the examples $i$)" if batch else \
        "the features (each example $i$ over its features $j$)"
    idx = "i" if batch else "j"
    forward = Part(intro=f"{'Batch' if batch else 'Layer'} normalisation: $x_{{ij}}$ is feature $j$ of example "
                         f"$i$; the statistics are taken over {group}, $m = {m}$ values each, with the biased "
                         f"variance (divided by $m$) and $\\varepsilon = {e.tex}$.")
    mus, variances, roots = [], [], []
    for k in range(s.groups):
        cells = s.members(k)
        xs = [fmt(s.x[i][j]) for i, j in cells]
        mu = sum((s.x[i][j] for i, j in cells), sp.Integer(0)) / m
        forms = []
        if k == 0:
            entry = f"x_{{{idx}{k + 1}}}" if batch else f"x_{{{k + 1}{idx}}}"
            forms.append(Form(f"\\frac{{1}}{{m}} \\sum_{{{idx}=1}}^{{{m}}} {entry}"))
        forms.append(numbers(f"\\frac{{1}}{{{m}}}\\left({plus([n.tex for n in xs])}\\right)",
                             sum((n.printed for n in xs), sp.Integer(0)) / m, xs))
        emit(forward, MU(k), mu, forms, NORM_MEAN.at(group="the examples" if batch else "the features"))
        mus.append(mu)
        mshow = fmt(mu)
        var = sum(((s.x[i][j] - mu) ** 2 for i, j in cells), sp.Integer(0)) / m
        forms = []
        if k == 0:
            entry = f"x_{{{idx}{k + 1}}}" if batch else f"x_{{{k + 1}{idx}}}"
            forms.append(Form(f"\\frac{{1}}{{m}} \\sum_{{{idx}=1}}^{{{m}}} \\left({entry} - {MU(k)}\\right)^{{2}}"))
        squares = [f"\\left({minus(n.tex, mshow)}\\right)^{{2}}" for n in xs]
        forms.append(numbers(f"\\frac{{1}}{{{m}}}\\left({plus(squares)}\\right)",
                             sum(((n.printed - mshow.printed) ** 2 for n in xs), sp.Integer(0)) / m, xs + [mshow]))
        emit(forward, VAR(k), var, forms, NORM_VARIANCE.at(group="the examples" if batch else "the features"))
        variances.append(var)
        roots.append(sp.sqrt(var + eps))
    exact = [[(s.x[i][j] - mus[s.group(i, j)]) / roots[s.group(i, j)] for j in range(s.d)] for i in range(s.n)]
    xhat = [[value(v) for v in row] for row in exact]
    y = [[value(s.gamma[j] * xhat[i][j] + s.beta[j]) for j in range(s.d)] for i in range(s.n)]
    first = s.members(0)
    for i, j in first:
        k = s.group(i, j)
        xn, mn, vn = fmt(s.x[i][j]), fmt(mus[k]), fmt(variances[k])
        den = root(vn.tex)
        printed = (xn.printed - mn.printed) / sp.sqrt(vn.printed + eps)
        emit(forward, XH(i, j), xhat[i][j],
             [Form(f"\\frac{{{X(i, j)} - {MU(k)}}}{{\\sqrt{{{VAR(k)} + \\varepsilon}}}}"),
              numbers(f"\\frac{{{minus(xn.tex, mn)}}}{{{den}}}", printed, [xn, mn, vn])], NORM_NORMALISED)
    for i, j in first:
        g, b, h = fmt(s.gamma[j]), fmt(s.beta[j]), fmt(xhat[i][j])
        emit(forward, Y(i, j), y[i][j],
             [Form(f"\\gamma_{{{j + 1}}} {XH(i, j)} + \\beta_{{{j + 1}}}"),
              numbers(plus([f"{g.tex} \\cdot {par(h)}", b.tex]), g.printed * h.printed + b.printed, [g, h, b])],
             NORM_SCALED)
    for name, rows in (("\\hat{x}", xhat), ("y", y)):
        text, rough = bmatrix(rows)
        forward.add(sp.Symbol(name), sp.ImmutableMatrix(rows), rhs_tex=text, rule=NORM_WHOLE,
                    value=sp.ImmutableMatrix(rows), approx=rough, therefore=True)
    parts = [forward]
    answers = {"mean": Answer(sp.ImmutableMatrix(mus), description="the means mu_k"),
               "variance": Answer(sp.ImmutableMatrix(variances), description="the biased variances sigma_k^2"),
               "xhat": Answer(sp.ImmutableMatrix(xhat), description="the normalised input"),
               "y": Answer(sp.ImmutableMatrix(y), description="the output gamma xhat + beta")}
    if s.upstream is not None:
        parts.append(_backward(s, xhat, exact, mus, variances, roots, answers, X, XH, Y, MU, VAR, root))
    return Solution(parts, answers)


def _backward(s, xhat, exact, mus, variances, roots, answers, X, XH, Y, MU, VAR, root) -> Part:
    """The backward pass; the gradients carried exactly (each group has one radical, sqrt(sigma^2 + eps)),
    rounded only where shown."""
    m, g = s.m, s.upstream
    batch = s.type == "batch"
    eps = s.eps
    what = "feature 1 (the first column)" if batch else "example 1 (the first row)"
    part = Part(intro="Backward pass: $L = \\sum_{i,j} \\frac{\\partial L}{\\partial y_{ij}} y_{ij}$ with the given "
                      "upstream gradient, so $\\frac{\\partial L}{\\partial y_{ij}}$ is its entry $(i, j)$. The graph "
                      "runs $x \\to \\mu \\to \\sigma^{2} \\to \\hat{x} \\to y \\to L$; a gradient sums the paths. "
                      "The gradients of $\\beta$ and $\\gamma$ sum over the examples: $\\frac{\\partial L}{\\partial "
                      "\\beta_{j}} = \\sum_{i} \\frac{\\partial L}{\\partial y_{ij}}$ and $\\frac{\\partial L}{\\partial "
                      "\\gamma_{j}} = \\sum_{i} \\frac{\\partial L}{\\partial y_{ij}} \\hat{x}_{ij}$; then the paths worked "
                      f"out for {what}.")
    dbeta, dgamma = [], []
    for j in range(s.d):
        col = [fmt(g[i][j]) for i in range(s.n)]
        total = sum((g[i][j] for i in range(s.n)), sp.Integer(0))
        forms = [Form(plus([d(Y(i, j)) for i in range(s.n)]))] if j == 0 else []
        forms.append(numbers(plus([n.tex for n in col]), sum((n.printed for n in col), sp.Integer(0)), col))
        emit(part, d(f"\\beta_{{{j + 1}}}"), total, forms, NORM_D_BETA)
        dbeta.append(total)
    for j in range(s.d):
        col = [(fmt(g[i][j]), fmt(xhat[i][j])) for i in range(s.n)]
        total = value(sum((g[i][j] * exact[i][j] for i in range(s.n)), sp.Integer(0)))
        forms = []
        forms.append(numbers(plus([f"{a.tex} \\cdot {par(b)}" for a, b in col]),
                             sum((a.printed * b.printed for a, b in col), sp.Integer(0)), [n for p in col for n in p]))
        emit(part, d(f"\\gamma_{{{j + 1}}}"), total, forms, NORM_D_GAMMA)
        dgamma.append(total)
    dxhat = [[g[i][j] * s.gamma[j] for j in range(s.d)] for i in range(s.n)]
    dvar, dmu = [], []
    for k in range(s.groups):
        cells = s.members(k)
        dvar.append(-HALF * (variances[k] + eps) ** sp.Rational(-3, 2) *
                    sum((dxhat[i][j] * (s.x[i][j] - mus[k]) for i, j in cells), sp.Integer(0)))
        dmu.append(-sum((dxhat[i][j] for i, j in cells), sp.Integer(0)) / roots[k]
                   + dvar[k] * sp.Rational(-2, m) * sum((s.x[i][j] - mus[k] for i, j in cells), sp.Integer(0)))
    dx = [[value(dxhat[i][j] / roots[s.group(i, j)] + dvar[s.group(i, j)] * 2 * (s.x[i][j] - mus[s.group(i, j)]) / m
                 + dmu[s.group(i, j)] / m) for j in range(s.d)] for i in range(s.n)]
    dvar, dmu = [value(v) for v in dvar], [value(v) for v in dmu]
    cells = s.members(0)
    k = 0
    for i, j in cells:
        a, b = fmt(g[i][j]), fmt(s.gamma[j])
        emit(part, d(XH(i, j)), dxhat[i][j],
             [Form(f"{d(Y(i, j))} \\gamma_{{{j + 1}}}"),
              numbers(f"{a.tex} \\cdot {par(b)}", a.printed * b.printed, [a, b])], NORM_D_XHAT)
    vn, mn = fmt(variances[k]), fmt(mus[k])
    dxn = [fmt(dxhat[i][j]) for i, j in cells]
    xs = [fmt(s.x[i][j]) for i, j in cells]
    eps_t = " + \\varepsilon"
    e = fmt(eps)
    inner = f"{vn.tex} + {e.tex}" if eps != 0 else vn.tex
    deviation = [f"\\left({X(i, j)} - {MU(k)}\\right)" for i, j in cells]
    emit(part, d(VAR(k)), dvar[k],
         [Form(f"-\\frac{{1}}{{2}} \\left({VAR(k)}{eps_t}\\right)^{{-\\frac{{3}}{{2}}}} \\left("
               + plus([f"{d(XH(i, j))} {dev}" for (i, j), dev in zip(cells, deviation)]) + "\\right)"),
          numbers(f"-\\frac{{1}}{{2}} \\left({inner}\\right)^{{-\\frac{{3}}{{2}}}} \\left("
                  + plus([f"{par(a)} \\left({minus(x.tex, mn)}\\right)" for a, x in zip(dxn, xs)]) + "\\right)",
                  -HALF * (vn.printed + eps) ** sp.Rational(-3, 2)
                  * sum((a.printed * (x.printed - mn.printed) for a, x in zip(dxn, xs)), sp.Integer(0)),
                  dxn + xs + [vn, mn])], NORM_D_VARIANCE)
    dv = fmt(dvar[k])
    emit(part, d(MU(k)), dmu[k],
         [Form(f"-\\frac{{1}}{{\\sqrt{{{VAR(k)}{eps_t}}}}} \\left(" + plus([d(XH(i, j)) for i, j in cells])
               + f"\\right) + {d(VAR(k))} \\cdot \\frac{{-2}}{{m}} \\left(" + plus(deviation) + "\\right)"),
          numbers(f"-\\frac{{1}}{{{root(vn.tex)}}} \\left(" + plus([a.tex for a in dxn])
                  + f"\\right) + {par(dv)} \\cdot \\frac{{-2}}{{{m}}} \\left("
                  + plus([f"\\left({minus(x.tex, mn)}\\right)" for x in xs]) + "\\right)",
                  -sum((a.printed for a in dxn), sp.Integer(0)) / sp.sqrt(vn.printed + eps)
                  + dv.printed * sp.Rational(-2, m) * sum((x.printed - mn.printed for x in xs), sp.Integer(0)),
                  dxn + xs + [vn, mn, dv])], NORM_D_MEAN)
    du = fmt(dmu[k])
    for (i, j), a, x in zip(cells, dxn, xs):
        emit(part, d(X(i, j)), dx[i][j],
             [Form(f"{d(XH(i, j))} \\frac{{1}}{{\\sqrt{{{VAR(k)}{eps_t}}}}} + {d(VAR(k))} \\cdot "
                   f"\\frac{{2 \\left({X(i, j)} - {MU(k)}\\right)}}{{m}} + {d(MU(k))} \\cdot \\frac{{1}}{{m}}"),
              numbers(plus([f"\\frac{{{a.tex}}}{{{root(vn.tex)}}}",
                            f"{par(dv)} \\cdot \\frac{{2 \\left({minus(x.tex, mn)}\\right)}}{{{m}}}",
                            f"{par(du)} \\cdot \\frac{{1}}{{{m}}}"]),
                      a.printed / sp.sqrt(vn.printed + eps) + dv.printed * 2 * (x.printed - mn.printed) / m
                      + du.printed / m, [a, x, vn, mn, dv, du])], NORM_D_X)
    if not batch:  # the two sums of the compact formula, named (S_1, T_1) so that its lines fit
        hs = [fmt(xhat[a][b]) for a, b in cells]
        sum_s = sum((dxhat[a][b] for a, b in cells), sp.Integer(0))
        sum_t = value(sum((dxhat[a][b] * exact[a][b] for a, b in cells), sp.Integer(0)))
        emit(part, "S_{1}", sum_s, [Form(plus([d(XH(a, b)) for a, b in cells])),
                                    numbers(plus([n.tex for n in dxn]), sum((n.printed for n in dxn), sp.Integer(0)),
                                            dxn)], NORM_SUMS)
        emit(part, "T_{1}", sum_t, [Form(plus([f"{d(XH(a, b))} {XH(a, b)}" for a, b in cells])),
                                    numbers(plus([f"{a.tex} \\cdot {par(b)}" for a, b in zip(dxn, hs)]),
                                            sum((a.printed * b.printed for a, b in zip(dxn, hs)), sp.Integer(0)),
                                            dxn + hs)], NORM_SUMS)
        sn, tn = fmt(sum_s), fmt(sum_t)
    for i, j in cells:
        h = fmt(xhat[i][j])
        if batch:
            gm, gy, db, dg = fmt(s.gamma[j]), fmt(g[i][j]), fmt(dbeta[j]), fmt(dgamma[j])
            dbeta_t, dgamma_t = d(f"\\beta_{{{j + 1}}}"), d(f"\\gamma_{{{j + 1}}}")
            forms = [Form(f"\\frac{{\\gamma_{{{j + 1}}}}}{{m \\sqrt{{{VAR(k)}{eps_t}}}}} \\left(m {d(Y(i, j))} - "
                          f"{dbeta_t} - {XH(i, j)} {dgamma_t}\\right)"),
                     numbers(f"\\frac{{{gm.tex}}}{{{m} {root(vn.tex)}}} \\left({m} \\cdot {par(gy)} - {par(db)} - "
                             f"{par(h)} \\cdot {par(dg)}\\right)",
                             gm.printed / (m * sp.sqrt(vn.printed + eps))
                             * (m * gy.printed - db.printed - h.printed * dg.printed), [gm, gy, vn, db, h, dg])]
        else:
            own = fmt(dxhat[i][j])
            forms = [Form(f"\\frac{{1}}{{m \\sqrt{{{VAR(k)}{eps_t}}}}} \\left(m {d(XH(i, j))} - S_{{1}} - "
                          f"{XH(i, j)} T_{{1}}\\right)"),
                     numbers(f"\\frac{{1}}{{{m} {root(vn.tex)}}} \\left({m} \\cdot {par(own)} - {par(sn)} - "
                             f"{par(h)} \\cdot {par(tn)}\\right)",
                             1 / (m * sp.sqrt(vn.printed + eps)) * (m * own.printed - sn.printed - h.printed * tn.printed),
                             [vn, h, own, sn, tn])]
        line = emit(part, d(X(i, j)), dx[i][j], forms, NORM_COMPACT)
        if line.rhs_tex == fmt(dx[i][j]).tex:  # nothing left to check it by
            part.lines.pop()
    text, rough = bmatrix(dx)
    part.add(sp.Symbol(d("x")), sp.ImmutableMatrix(dx), rhs_tex=text, rule=NORM_WHOLE, value=sp.ImmutableMatrix(dx),
             approx=rough, therefore=True)
    answers["dgamma"] = Answer(sp.ImmutableMatrix(dgamma), description="dL/dgamma")
    answers["dbeta"] = Answer(sp.ImmutableMatrix(dbeta), description="dL/dbeta")
    answers["dx"] = Answer(sp.ImmutableMatrix(dx), description="dL/dx")
    return part


def describe(problem) -> str:
    s = setup(problem)

    def mat(rows):
        return bmatrix(rows)[0]

    def vec(v):
        return "\\left(" + ", ".join(fmt(a).tex for a in v) + "\\right)"

    kind = "batch normalisation (each feature over the batch; training mode)" if s.type == "batch" else \
        "layer normalisation (each example over its features)"
    text = (f"Apply {kind} to the batch of {s.n} example{'s' if s.n != 1 else ''} (rows) with {s.d} "
            f"feature{'s' if s.d != 1 else ''} (columns), with $\\gamma = {vec(s.gamma)}$, "
            f"$\\beta = {vec(s.beta)}$ and $\\varepsilon = {fmt(s.eps).tex}$ (the biased variance):\n"
            f"\\[ x = {mat(s.x)} \\]\n")
    if s.upstream is None:
        return text + "Compute the means, the variances, $\\hat{x}$ and the output $y$."
    return text + (f"Compute the forward pass, then, given the upstream gradient\n\\[ \\frac{{\\partial L}}"
                   f"{{\\partial y}} = {mat(s.upstream)}, \\]\n"
                   "the gradients $\\partial L / \\partial \\gamma$, $\\partial L / \\partial \\beta$ and "
                   "$\\partial L / \\partial x$.")
