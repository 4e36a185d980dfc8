"""Stage 3: prove the key. Every displayed equality is checked, then every answer is confirmed by an
independent computation (the kind's `confirm`). A failure is a VerificationError (exit 2) naming the
problem, the step, both sides and a point where they differ.

An equality `lhs = rhs` is checked as `value(lhs) - value(rhs) == 0`: symbolically when expansion already
shows it, otherwise numerically with 30-digit arithmetic at several random points, after fixing symbolic
lengths (n = 2..4) and indices (every combination that the line's assumptions allow).
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import random

import mpmath
import sympy as sp

from . import claims, mathobj as mo, numeval, rules
from .derivation import Line, Solution
from .errors import VerificationError
from .printer import tex

POINTS = 4  # the second with every sign of the first flipped; the others drawn afresh
MAX_INDEX_CASES = 8  # index values tried per length (all of them when fewer)
DIGITS = 30
TOLERANCE = sp.Float("1e-12", DIGITS)
APPROX = sp.Float("1e-5", DIGITS)
# Below this scale values are compared absolutely: 30-digit arithmetic leaves noise near 1e-29 where a
# difference is 0, and 1e-12 relative to 1e-15 still sees it. (It was 1: then two values of 1e-130 that
# differ in every digit passed.)
FLOOR = sp.Float("1e-15", DIGITS)


def _prepare(expr, k=None):
    expr = mo.value_of(expr)
    if k is not None and mo.is_vector(expr):
        expr = mo.component(expr, k)
    return mo.elementary(expr) if isinstance(expr, sp.Basic) else expr


@contextlib.contextmanager
def effort(points: int, cases: int):
    """Fewer random points and index cases for a while (the read-back, which compares every printed side of
    every line: 3 points, the second with the first one's signs flipped, and 4 index cases per length)."""
    global POINTS, MAX_INDEX_CASES
    saved = POINTS, MAX_INDEX_CASES
    POINTS, MAX_INDEX_CASES = points, cases
    try:
        yield
    finally:
        POINTS, MAX_INDEX_CASES = saved


def _lengths_and_indices(exprs, ranges=None):
    lengths, indices, bound = set(), set(), set()
    for e in exprs:
        for s in e.atoms(sp.Sum):
            for _, lo, hi in s.limits:
                lengths |= (lo.free_symbols | hi.free_symbols) - {lim[0] for lim in s.limits}
        for m in e.atoms(sp.MatrixSymbol):
            for d in m.shape:
                lengths |= sp.sympify(d, strict=True).free_symbols
        for d in e.atoms(mo.EntryMatrix):
            lengths |= d.args[3].free_symbols | d.args[4].free_symbols
            bound |= {d.args[1], d.args[2]}
        for s in e.free_symbols:
            if s.is_integer:
                indices.add(s)
    for r in (ranges or {}).values():
        lengths |= sp.sympify(r, strict=True).free_symbols
    return lengths, indices - lengths - bound


def _close(a, b, tolerance=TOLERANCE, rounding=None) -> bool:
    """|a - b| within the tolerance, relative to max(1, |a|, |b|); with `rounding` = (relative, absolute),
    a printed value's own rounding: |a - b| <= relative * max(|a|, |b|) + absolute (a rounded 0.000438568
    may be off in its last digit, not by 6e-5)."""
    if not isinstance(a, sp.Basic) and not isinstance(b, sp.Basic):  # numeval's values
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
            return a == b
        if rounding is not None:  # relative to the printed value, however small it is
            return bool(abs(a - b) <= mpmath.mpf(rounding[0]) * max(abs(a), abs(b)) + mpmath.mpf(rounding[1]))
        return bool(abs(a - b) <= mpmath.mpf(tolerance) * max(FLOOR, abs(a), abs(b)))
    a, b = sp.sympify(a, strict=True), sp.sympify(b, strict=True)
    if a.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or b.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return a == b
    diff = abs(sp.N(a - b, DIGITS))
    if rounding is not None:
        return bool(diff <= rounding[0] * max(abs(sp.N(a, DIGITS)), abs(sp.N(b, DIGITS))) + rounding[1]
                    + sp.Float("1e-25"))
    scale = max(sp.Float(FLOOR), abs(sp.N(a, DIGITS)), abs(sp.N(b, DIGITS)))
    return bool(diff <= tolerance * scale)


@functools.lru_cache(maxsize=4096)
def _concrete_at(expr, sub: tuple):
    """The expression at concrete lengths and indices, made explicit; shared by the lines of a
    derivation, which all mean the same quantity."""
    return mo.concrete(_at_sizes(expr, dict(sub)))


def _at_sizes(expr, sub: dict):
    """expr.subs(sub), with the sizes of its matrices replaced everywhere first: SymPy's subs skips a Sum whose
    free symbols do not name the size (a MatrixSymbol's free symbols leave out its shape), so W of h rows stayed
    W of h rows inside sum_i w_{k i} x_i when h was given."""
    if isinstance(expr, sp.Basic):
        dims = {d for m in expr.atoms(sp.MatrixSymbol) for d in m.shape}
        expr = expr.xreplace({k: sp.sympify(v, strict=True) for k, v in sub.items() if k in dims})
    return expr.subs(sub)


def numeric_cases(a, b, assume: dict, rng: random.Random):
    """Yield (substitution, a_value, b_value) at concrete lengths, indices and random points."""
    subs0 = {k: v for k, v in assume.items() if k not in ("distinct", "ranges", "holds")}
    ranges = assume.get("ranges", {})
    a, b = _at_values(a, subs0), _at_values(b, subs0)
    distinct = assume.get("distinct")
    lengths, indices = _lengths_and_indices([a, b], ranges)
    for length in lengths:
        indices.discard(length)
    heavy = any(e.has(sp.Inverse, sp.Determinant, mo.GradientOf) for e in (a, b))  # explicit inverses grow fast
    sizes = [2, 3, 4] if len(lengths) == 1 and not heavy else [2, 3]
    # an explicit inverse (adjugate / determinant) cancels digits: A A^{-1} b - b is 1e-27, not 0, at 30
    digits = 2 * DIGITS if any(e.has(sp.Inverse) for e in (a, b)) else DIGITS
    length_options = [dict(zip(lengths, combo)) for combo in itertools.product(sizes, repeat=len(lengths))] \
        if lengths else [{}]
    for lsub in length_options:
        top = max(lsub.values(), default=3)
        idx = sorted(indices, key=str)
        tops = [int(sp.sympify(ranges.get(i, top), strict=True).subs(lsub)) for i in idx]
        combos = list(itertools.product(*[range(1, t + 1) for t in tops])) if idx else [()]
        if len(combos) > MAX_INDEX_CASES:
            combos = rng.sample(combos, MAX_INDEX_CASES)
        for combo in combos:
            isub = dict(zip(idx, combo))
            both = {**lsub, **isub}  # k != n: at the length too, not only at the index
            if distinct and sp.sympify(distinct[0], strict=True).subs(both) == sp.sympify(distinct[1], strict=True).subs(both):
                continue
            if not all(_holds(rel, x, y, both) for rel, x, y in assume.get("holds", ())):
                continue  # a condition of the line on its sizes (m >= n) that these sizes break
            sub = {**lsub, **isub}
            try:  # the fast route: evaluate both sides as they are, sums as loops
                yield from _fast_cases(a, b, sub, rng, digits=digits)
                continue
            except numeval.Unsupported:
                pass
            if _numeric_first(a, b) and all(sp.sympify(d, strict=True).subs(sub).is_number for e in (a, b)
                                            for m in e.atoms(sp.MatrixSymbol) for d in m.shape):
                yield from _matrix_cases(a, b, sub, rng)
                continue
            key = tuple(sorted(sub.items(), key=lambda kv: str(kv[0])))
            ea = _concrete_at(a, key)
            eb = _concrete_at(b, key)
            if isinstance(ea, sp.MatrixBase) or isinstance(eb, sp.MatrixBase):
                if not (isinstance(ea, sp.MatrixBase) and isinstance(eb, sp.MatrixBase)) or ea.shape != eb.shape:
                    yield (lambda sub=sub: sub), ea, eb
                    return
                ea, eb = sp.Tuple(*ea), sp.Tuple(*eb)
            try:  # explicit at this size: evaluate the entries quickly
                yield from _fast_cases(ea, eb, {}, rng, sub, digits=digits)
                continue
            except numeval.Unsupported:
                pass
            indexed = ea.atoms(sp.Indexed) | eb.atoms(sp.Indexed)
            labels = {i.base.label for i in indexed}
            syms = {s for s in ea.free_symbols | eb.free_symbols
                    if isinstance(s, sp.Symbol) and s not in labels}
            free = sorted(indexed | syms, key=str)
            first = None
            for n in range(POINTS if free else 1):  # drawn as numeval draws them (the second flipped)
                drawn = numeval.Point(rng, opposite=first if n == 1 else None)
                point = {s: sp.Float(drawn.get(s), DIGITS) for s in free}
                first = first or drawn
                va, vb = ea.xreplace(point), eb.xreplace(point)
                where = (lambda sub=sub, point=point: {**sub, **point})
                if isinstance(va, sp.Tuple):
                    for x, y in zip(va, vb):
                        yield where, x, y
                else:
                    yield where, va, vb


def _numeric_first(*sides) -> bool:
    """Sides with functions of matrices (sigma(Xw), diag, entrywise products): their matrices are given numbers
    before they are made explicit (written out with symbolic entries they grow too large to check quickly)."""
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    heavy = (ElementwiseApplyFunction, sp.DiagMatrix, sp.HadamardProduct, mo.VecSoftmax, mo.LogSumExpOf)
    return any(isinstance(e, sp.Basic) and e.has(*heavy) and not e.has(mo.GradientOf) for e in sides)


def _matrix_cases(a, b, sub: dict, rng: random.Random):
    """(where, a value, b value) at POINTS random points: each matrix of the sides replaced by the point's
    numbers at this size (entry (i, j) of X the point's x_ij, as the index-notation lines name it), then made
    explicit."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    key = tuple(sorted(sub.items(), key=lambda kv: str(kv[0])))
    sides = [(_at_sizes(e, sub), _numeric_first(e)) for e in (a, b)]
    cached = [None if heavy else _concrete_at(e, key) for e, heavy in
              zip((a, b), (h for _, h in sides))]  # a side without them: written out once, as before
    a, b = sides[0][0], sides[1][0]
    mats = sorted({m for (e, heavy) in sides if heavy for m in e.atoms(sp.MatrixSymbol)}, key=str)
    first = None
    for n in range(POINTS):
        drawn = numeval.Point(rng, opposite=first if n == 1 else None)
        first = first or drawn
        env = {}
        for m in mats:
            rows, cols = (int(d) for d in m.shape)
            env[m] = sp.ImmutableMatrix(rows, cols, lambda i, j, m=m: sp.Float(drawn.get(numeval.key_of(
                mo.to_indexed(MatrixElement(m, i, j)))), DIGITS))
        ea, eb = (mo.concrete(e.xreplace(env)) if c is None else c for (e, _), c in zip(sides, cached))
        if isinstance(ea, sp.MatrixBase) or isinstance(eb, sp.MatrixBase):
            if not (isinstance(ea, sp.MatrixBase) and isinstance(eb, sp.MatrixBase)) or ea.shape != eb.shape:
                yield (lambda sub=sub: sub), ea, eb
                return
            ea, eb = sp.Tuple(*ea), sp.Tuple(*eb)
        indexed = ea.atoms(sp.Indexed) | eb.atoms(sp.Indexed)
        labels = {i.base.label for i in indexed}
        free = sorted(indexed | {s for s in ea.free_symbols | eb.free_symbols
                                 if isinstance(s, sp.Symbol) and s not in labels}, key=str)
        point = {s: sp.Float(drawn.get(numeval.key_of(s)), DIGITS) for s in free}
        va, vb = ea.xreplace(point), eb.xreplace(point)
        where = (lambda sub=sub, drawn=drawn: {**sub, **drawn.as_sympy()})
        if isinstance(va, sp.Tuple):
            for x, y in zip(va, vb):
                yield where, x, y
        else:
            yield where, va, vb


def _at_values(e, values: dict):
    """e with the values of the assumptions substituted; given values of entries (x_1 = 1) reach the entries
    that a sum of given length runs over (sum_j exp(x_j), j = 1..3), which are written out first. Made once
    per expression and values (a derivation's lines are all compared with the one value they mean)."""
    if isinstance(e, sp.Basic) and all(isinstance(v, sp.Basic) for v in values.values()):  # (2 == 2.0 in Python)
        try:
            return _at_values_of(e, frozenset(values.items()))
        except TypeError:  # a value that cannot be hashed: substituted as it is
            pass
    return _values_in(e, values)


@functools.lru_cache(maxsize=4096)
def _at_values_of(e, values: frozenset):
    return _values_in(e, dict(values))


def _values_in(e, values: dict):
    if values and isinstance(e, sp.Basic) and e.has(sp.Sum) and any(isinstance(k, sp.Indexed) for k in values):
        e = e.replace(lambda t: isinstance(t, sp.Sum) and all(lim[1].is_number and lim[2].is_number
                                                              for lim in t.limits), lambda t: t.doit())
    return mo.substituted(e, values)


def _holds(rel: str, a, b, sub: dict) -> bool:
    """Whether a condition of a line (rel one of < > ≤ ≥) holds at these sizes and indices; one that
    still holds names after them cannot rule a case out."""
    a, b = (sp.sympify(v, strict=True).subs(sub) for v in (a, b))
    if not (a.is_number and b.is_number):
        return True
    return bool({"<": a < b, ">": a > b, "≤": a <= b, "≥": a >= b}[rel])


def _fast_cases(a, b, sub: dict, rng: random.Random, shown: dict | None = None, digits: int = DIGITS):
    """(where, a value, b value) at POINTS random points by numeval; raises Unsupported before yielding
    anything when an expression holds something it does not know. Tuples are compared entry by entry."""
    env = {k: int(v) for k, v in sub.items()}
    pairs = list(zip(a, b)) if isinstance(a, sp.Tuple) else [(a, b)]
    results = []
    with mpmath.workdps(digits):
        for n in range(POINTS):  # the second point has the first one's signs flipped
            point = numeval.Point(rng, opposite=results[0][0] if n == 1 else None)
            values = [(numeval.evaluate(x, env, point), numeval.evaluate(y, env, point)) for x, y in pairs]
            if not point.values:  # nothing random: exact numbers, at a precision they keep (1 - tanh(150)^2)
                values = [(_stable(x, env), _stable(y, env)) for x, y in pairs]
            results.append((point, values))
            if not point.values:  # nothing random: one point says it all
                break
        if results and results[0][0].values:
            results.extend(_threshold_cases(pairs, env, results[0][0]))
    for point, values in results:
        where = (lambda point=point: {**(shown or sub), **point.as_sympy()})
        for va, vb in values:
            yield where, va, vb


KINK_STEP = 0.25  # threshold points: this far beyond the outermost thresholds of a quantity


def _threshold_cases(pairs, env: dict, first: numeval.Point) -> list:
    """(point, values) on either side of every threshold at which a side changes its form in one quantity
    (1[z > 1], a piecewise condition, max(z, 1), |z - 1|, relu's Heaviside(z)): between each two thresholds
    of the sides, and beyond the outermost, the other quantities as at the first point. A line that moves a
    threshold (1[z > 1] for 1[z > 0]) differs between the two, where random points in +-[0.3, 2] may never
    fall. A point where a side has no value is left out."""
    thresholds: dict = {}
    for pair in pairs:
        for side in pair:
            for kink in _kinks(side):
                found = _threshold(kink, tuple(sorted(env.items(), key=lambda kv: str(kv[0]))))
                if found is not None:
                    thresholds.setdefault(found[0], set()).add(found[1])
    out = []
    for key, values in sorted(thresholds.items(), key=lambda kv: str(kv[0])):
        ts = sorted(values)
        spots = [ts[0] - KINK_STEP] + [(a + b) / 2 for a, b in zip(ts, ts[1:])] + [ts[-1] + KINK_STEP]
        for spot in spots:
            point = numeval.Point(random.Random(len(out)), fixed={**first.values, key: mpmath.mpf(spot)})
            try:
                out.append((point, [(numeval.evaluate(x, env, point), numeval.evaluate(y, env, point))
                                    for x, y in pairs]))
            except (ArithmeticError, ValueError, numeval.Unsupported):
                continue
    return out


@functools.lru_cache(maxsize=4096)
def _kinks(expr) -> tuple:
    """The expressions whose sign decides a side's form: Heaviside's, |.|'s and sign's argument, an
    inequality's two sides' difference (in a piecewise condition or an indicator), two max/min arguments'."""
    if not isinstance(expr, sp.Basic):
        return ()
    from sympy.core.relational import Relational

    out = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Heaviside, sp.Abs, sp.sign)):
            out.append(node.args[0])
        elif isinstance(node, Relational) and node.rel_op in ("<", ">", "<=", ">="):
            out.append(node.lhs - node.rhs)
        elif isinstance(node, (sp.Max, sp.Min)) and len(node.args) == 2:
            out.append(node.args[0] - node.args[1])
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _threshold(kink, env: tuple):
    """(the Point key of its one quantity, where the kink is 0) when it is linear in one quantity with
    numbers for coefficients at these sizes and indices (env: (symbol, int) pairs); else None. Made once per
    kink and sizes (a line's cases at the same sizes differ in their points only)."""
    try:
        at = kink.xreplace({k: sp.Integer(v) for k, v in env}) if env else kink
        entries = at.atoms(sp.Indexed)
        labels = set().union(*(i.atoms(sp.Symbol) for i in entries))  # an entry's label and indices
        quantities = [*entries, *(a for a in at.atoms(sp.Symbol) if a not in labels)]
        if len(quantities) != 1:
            return None
        q = quantities[0]
        if isinstance(q, sp.Indexed) and not all(i.is_Integer for i in q.indices):
            return None
        slope = at.diff(q)
        rest = at - slope * q
        if not slope.is_number or slope == 0 or rest.free_symbols:
            return None
        return numeval.key_of(q), float(-rest / slope)
    except (TypeError, ValueError, AttributeError):
        return None


def _stable(expr, env):
    """numeval's value of an expression without random quantities, at rising precision until two agree."""
    previous = None
    for precision in (DIGITS, 2 * DIGITS, 4 * DIGITS, 8 * DIGITS, 16 * DIGITS):
        with mpmath.workdps(precision):
            value = numeval.evaluate(expr, env, numeval.Point())
        if isinstance(value, int):
            return value
        if previous is not None and (value != 0 or precision >= 8 * DIGITS):  # a 0 may be cancellation
            if value == previous or \
                    abs(value - previous) <= max(abs(value), abs(previous)) * mpmath.mpf(10) ** (2 - DIGITS):
                return value
        previous = value
    return value


def _symbolic_shape(*exprs) -> bool:
    return any(isinstance(e, (sp.MatrixExpr, mo.EntryMatrix)) and not isinstance(e, sp.MatrixBase) for e in exprs)


def equal(a, b, assume=None, rng=None, tolerance=TOLERANCE, rounding=None):
    """None if a == b, else (point, a value, b value) where they differ."""
    rng = rng or random.Random(0)
    assume = assume or {}
    if a == b:
        return None
    if isinstance(a, sp.Tuple) or isinstance(b, sp.Tuple):
        a, b = sp.Matrix(list(a)) if isinstance(a, sp.Tuple) else a, sp.Matrix(list(b)) if isinstance(b, sp.Tuple) else b
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase) or \
            isinstance(a, sp.MatrixBase) != isinstance(b, sp.MatrixBase) and not _symbolic_shape(a, b):
        if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)) or a.shape != b.shape:
            return ({}, a, b)
        for x, y in zip(a, b):
            bad = equal(x, y, assume, rng, tolerance, rounding)
            if bad:
                return bad
        return None
    try:
        if not _symbolic_shape(a, b) and sp.expand(a - b) == 0:
            return None
    except (TypeError, ValueError):
        pass
    if assume.get("domain"):  # on the points of a domain (x > 0): the line holds there only
        return _equal_on_domain(a, b, assume, rng, tolerance)
    for where, va, vb in numeric_cases(a, b, assume, rng):
        if not _close(va, vb, tolerance, rounding):
            return where(), sp.N(sp.sympify(va, strict=True), 8), sp.N(sp.sympify(vb, strict=True), 8)
    return None


def _substituted(a, assume: dict):
    subs = {k: v for k, v in assume.items() if isinstance(k, sp.Basic)}
    return a.subs(subs) if subs and isinstance(a, sp.Basic) else a


def _equal_on_domain(a, b, assume, rng, tolerance):
    a, b = _substituted(a, assume), _substituted(b, assume)
    domain = tuple(c.subs({k: v for k, v in assume.items() if isinstance(k, sp.Basic)}) for c in assume["domain"])
    try:
        verdict = claims.at_points(a, "=", b, domain, rng, points=max(POINTS, 8))
    except claims.Undefined as exc:
        return exc.point, sp.nan, sp.nan
    if verdict.holds:
        return None
    return verdict.point, sp.N(sp.sympify(verdict.left, strict=True), 8), sp.N(sp.sympify(verdict.right, strict=True), 8)


def claim(a, rel: str, b, assume=None, rng=None) -> claims.Verdict:
    """a rel b (an inequality) as a claim, under the line's assumptions: its substitutions (y2 = 0) and its
    domain (x > -1). claims.Undefined when a side has no real value at a point of the domain."""
    assume = assume or {}
    a, b = _substituted(a, assume), _substituted(b, assume)
    domain = tuple(c.subs({k: v for k, v in assume.items() if isinstance(k, sp.Basic)})
                   for c in assume.get("domain", ()))
    return claims.check(a, rel, b, domain, rng or random.Random(0))


def _show_point(point) -> str:
    point = {k: sp.Float(v, DIGITS) if isinstance(v, mpmath.mpf) else v for k, v in point.items()}
    return ", ".join(f"{k} = {v if isinstance(v, int) or v.is_Integer else sp.N(v, 4)}" for k, v in
                     sorted(point.items(), key=lambda kv: str(kv[0])))


NAMES = (mo.Partial, mo.Applied, mo.Nabla, mo.Text)


def _is_name(form) -> bool:
    """A form that only names a quantity (df/dx, f(x)): nothing to evaluate, so nothing to check."""
    return isinstance(form, sp.Basic) and bool(form.atoms(*NAMES)) and not mo.is_vector(form)


def check_line(problem, number: int, line: Line, rng: random.Random) -> None:
    """The line's forms as built (SymPy objects) against its value; forms that only name quantities
    (a product of partial derivatives) are left to the read-back of the page, which knows what they
    name."""
    forms = [f for f in [line.rhs, *line.chain] if not _is_name(f)]
    for form in forms:
        _check_form(problem, number, line, form, rng)


def _named_step(problem, number: int, line: Line) -> str:
    """A step as an error names it: the problem, the step's number and its rule in words."""
    return f"{problem.doc.file}: {problem.label}: step {number} ({rules.text(line.rule) or 'step'})"


def _check_form(problem, number: int, line: Line, form, rng: random.Random) -> None:
    a = _prepare(line.meaning, line.vector_index)
    b = _prepare(form, line.vector_index)
    if line.relation != "=":
        try:
            verdict = claim(a, line.relation, b, line.assume, rng)
        except claims.Undefined as exc:
            raise VerificationError(f"{_named_step(problem, number, line)} could not be checked: {exc}") from None
        if not verdict.holds:
            raise VerificationError(
                f"{_named_step(problem, number, line)} is wrong: {tex(line.lhs)} {claims.WORDS[line.relation]} "
                f"{tex(form)} does not hold ({verdict.words}): at {_show_point(verdict.point)} the left side is "
                f"{sp.N(sp.sympify(verdict.left, strict=True), 8)} and the right side is "
                f"{sp.N(sp.sympify(verdict.right, strict=True), 8)}")
        return
    try:
        bad = equal(a, b, line.assume, rng, APPROX if line.approx else TOLERANCE)
    except (TypeError, ValueError, AttributeError) as exc:
        raise VerificationError(f"{_named_step(problem, number, line)} could not be checked: {exc}") from None
    if bad:
        point, va, vb = bad
        raise VerificationError(
            f"{_named_step(problem, number, line)} is wrong: "
            f"{tex(line.lhs)} = {tex(form)} does not hold"
            + (f"; at {_show_point(point)}" if point else "")
            + f" the left side is {va} and the right side is {vb}")


def verify(problem, solution: Solution, seed: int = 0) -> Solution:
    """Every displayed line read back from the page and checked (readback); a line the reader could not
    read is checked as built instead (and listed in the record); then every answer confirmed
    independently. Returns the verified solution (a copy: the record of the verify stage)."""
    rng = random.Random(seed)
    record = readback(problem, solution, seed)
    unread = {n for n, _ in record.unread}
    number = 0
    for part in solution.parts:
        for line in part.lines:
            number += 1
            if line.check and number in unread:
                check_line(problem, number, line, rng)
    checks = (record.words(), *problem.kind.confirm(problem, solution))
    return dataclasses.replace(solution, checks=checks, verified=True, unread=list(record.unread),
                               readback={"checked": record.checked, "definitions": record.definitions,
                                         "unread": [{"line": n, "why": why} for n, why in record.unread]})


def readback(problem, solution: Solution, seed: int = 0):
    """Every displayed line read back from the LaTeX the problem's template prints, and checked."""
    from . import readback as rb, render

    if problem.kind.context is None:
        record = rb.Record()
        record.unread = [(n + 1, "this kind has no reading of its page")
                         for n in range(sum(len(p.lines) for p in solution.parts))]
        return record
    block = render.solution_block(problem, solution)
    with effort(points=3, cases=4):
        return rb.check(problem, solution, block, problem.kind.context(problem), seed)
