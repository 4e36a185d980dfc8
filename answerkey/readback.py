"""Stage 3b: the page is the proof. Every displayed line of a problem's worked solution, as its template
prints it, is read back from that LaTeX (answerkey/reader.py, which shares no code with the printer) and
each of its sides is checked against the value the line claims, at the verifier's random points, lengths
and indices. A line whose printed form means something else fails the build (exit 2).

What the page says is what is checked: a note printed above a line ("where $k \\neq i$") is read and
becomes the line's assumption; a name that a line introduces (a := df/dx, w', x^{(1)}, a \\text{...}
label) is defined by that line and means its value in the lines after it; a given definition printed
before a line ("q = xy,") is checked against the spec's own definition of q.
"""
from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field

import sympy as sp

from . import claims, linebreak, mathobj as mo, reader, rules, verify
from .derivation import Line, Solution
from .errors import VerificationError

MARK = re.compile(r"^%line (\d+)\.(\d+)\n", re.M)


@dataclass
class Shown:
    """One displayed line of the page: where it is in the solution, its note, and its math."""

    part: int
    line: int
    note: str | None
    math: str | None = None  # an equation's body (no \tag)
    cells: list[str] | None = None  # a table row's cells (their math)


@dataclass
class Record:
    """What the read-back found for one problem."""

    checked: int = 0
    definitions: int = 0
    unread: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)

    def words(self) -> str:
        read = self.checked + self.definitions
        total = read + len(self.unread)
        defined = f" ({self.definitions} of them definitions)" if self.definitions else ""
        if not self.unread:
            return f"all {total} displayed lines read back from the page and checked{defined}"
        return (f"{read} of {total} displayed lines read back from the page and checked{defined}; not read back: "
                + "; ".join(f"line {n} ({why})" for n, why in self.unread))


def _braced(text: str, start: int) -> int:
    """The index just after the brace group that opens at text[start] == '{'."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif text[i] == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError("unbalanced braces")


def strip_tag(body: str) -> str:
    at = body.find("\\tag*{")
    if at < 0:
        return body.strip()
    end = _braced(body, at + len("\\tag*"))
    return (body[:at] + body[end:]).strip()


def _cells(row: str) -> list[str]:
    """A table row's cells, split at the & outside braces and environments."""
    cells, depth, env, start = [], 0, 0, 0
    i = 0
    while i < len(row):
        if row.startswith("\\begin{", i):
            env += 1
        elif row.startswith("\\end{", i):
            env -= 1
        c = row[i]
        if c == "{" and row[i - 1:i] != "\\":
            depth += 1
        elif c == "}" and row[i - 1:i] != "\\":
            depth -= 1
        elif c == "&" and depth == 0 and env == 0 and row[i - 1:i] != "\\":
            cells.append(row[start:i])
            start = i + 1
        i += 1
    cells.append(row[start:])
    out = []
    for cell in cells:
        cell = cell.strip()
        if cell.startswith("$") and cell.endswith("$"):
            cell = cell[1:-1]
        cell = cell.replace("\\displaystyle", "").strip()
        out.append(cell)
    return out


def displays(block: str) -> list[Shown]:
    """The displayed lines of a rendered problem, in order, by their `%line P.L` markers."""
    found = []
    marks = list(MARK.finditer(block))
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(block)
        chunk = block[mark.end():end]
        part, line = int(mark.group(1)), int(mark.group(2))
        begin = chunk.find("\\begin{equation*}")
        if begin >= 0:
            note = chunk[:begin].strip()
            note = note[len("\\noindent"):].strip() if note.startswith("\\noindent") else (note or None)
            stop = chunk.find("\\end{equation*}", begin)
            body = chunk[begin + len("\\begin{equation*}"):stop]
            found.append(Shown(part, line, note or None, math=linebreak.joined(strip_tag(body))))
            continue
        row = chunk.strip()
        row = row.split("\\\\", 1)[0] if "\\\\[" in row or row.endswith("\\\\") else row
        found.append(Shown(part, line, None, cells=_cells(row)))
    return found


def _conditions(note: str | None, context) -> dict:
    """The assumptions a printed note states ("where $k = i$", "where $k \\neq i$")."""
    out: dict = {}
    if not note:
        return out
    for math in re.findall(r"\$([^$]+)\$", note):
        try:
            triples = reader.read_condition(math, context)
        except reader.ReadError:
            continue
        for rel, a, b in triples:
            if rel == "=" and isinstance(a, (sp.Symbol, sp.MatrixSymbol)):  # k = i; w = w^* (a vector's value)
                out[a] = b
            elif rel == "≠" and any(isinstance(v, sp.Symbol) and v.is_integer for v in (a, b)):  # k != i
                out["distinct"] = (a, b)
            elif rel in ("<", "≤", ">", "≥", "≠") and not any(  # a domain: x > -1, 0 < p < 1, x != 0 (not 1 <= k <= n)
                    s.is_integer for v in (a, b) if isinstance(v, sp.Basic) for s in v.free_symbols):
                out["domain"] = out.get("domain", ()) + (claims.relation_of(a, b, rel),)
            elif rel in ("<", ">", "≤", "≥"):  # "for $m \geq n$": only the sizes where it holds
                out.setdefault("holds", []).append((rel, a, b))
    return out


def standing(note: str | None) -> bool:
    """A note that states assumptions for the rest of its part ("Assume $x > -1$."), not only its line."""
    from .lang import STANDING

    return bool(note) and note.lstrip().startswith(STANDING)


def _merged(into: dict, conditions: dict) -> dict:
    out = {**into, **{k: v for k, v in conditions.items() if k != "domain"}}
    if conditions.get("domain"):
        out["domain"] = into.get("domain", ()) + conditions["domain"]
    return out


def _compare(a, b, assume, rng, tolerance, index, rounding=None):
    """None if a equals b (under the assumptions, at random points), else (point, a value, b value). The
    same comparison is made once: a derivation's lines all mean the same, and their left sides read the
    same (d f / d x_k)."""
    try:
        key = (a, b, frozenset((k, v if not isinstance(v, dict) else tuple(sorted(v.items(), key=str)))
                               for k, v in assume.items()), tolerance, index, rounding)  # the same assumptions,
        # in any order (no printing of names to sort them)
        hash(key)
    except TypeError:
        key = None
    if key is not None and key in _SEEN:
        return None
    bad = _compare_now(a, b, assume, rng, tolerance, index, rounding)
    if bad is None and key is not None:
        if len(_SEEN) > 20000:
            _SEEN.clear()
        _SEEN.add(key)
    return bad


_SEEN: set = set()  # comparisons that held (per process)


def _canonical(expr):
    """expr with the indices its sums bind renamed in the order they appear (_d1, _d2, ...), so that two
    forms that differ only in those names are the same object (and need no numbers to compare). Made once
    per expression (a line's claimed value is compared with each of its printed sides)."""
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum):
        return expr
    return _canonical_of(expr)


@functools.lru_cache(maxsize=4096)
def _canonical_of(expr):
    names = {}

    def rename(total):
        new_limits, sub = [], {}
        for var, lo, hi in total.limits:
            fresh = names.setdefault((var, total), sp.Symbol(f"_d{len(names) + 1}", integer=True, positive=True))
            sub[var] = fresh
            new_limits.append((fresh, lo, hi))
        return sp.Sum(total.function.xreplace(sub), *new_limits)

    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


def _shape_of(v):
    """The shape of a matrix-valued side (a matrix expression, d f / d W), or None."""
    if isinstance(v, mo.GradientOf):
        return v.args[1].shape
    if isinstance(v, (sp.MatrixExpr, sp.MatrixBase)) and not isinstance(v, mo.EntryMatrix):
        return v.shape
    return None


def _compare_now(a, b, assume, rng, tolerance, index, rounding=None):
    a, b = (v[0] if isinstance(v, sp.Tuple) and len(v) == 1 else v for v in (a, b))  # a flat shape (n)
    if a == b:
        return None
    for zero, other in ((a, b), (b, a)):  # "= 0" beside a vector or a matrix: the zero of its shape
        shape = _shape_of(other)
        if zero == 0 and not isinstance(zero, (sp.MatrixExpr, sp.MatrixBase)) and shape is not None \
                and shape != (1, 1):
            a, b = (sp.ZeroMatrix(*shape), b) if zero is a else (a, sp.ZeroMatrix(*shape))
            break
    if isinstance(a, sp.MatrixBase) != isinstance(b, sp.MatrixBase):  # p beside its numbers (p of length 3)
        a, b = mo.explicit_vector(a), mo.explicit_vector(b)
        if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
            index = None
    try:
        a = verify._prepare(a, index)
        b = verify._prepare(b, index)
        if _canonical(a) == _canonical(b):
            return None
        return verify.equal(a, b, assume, rng, tolerance, rounding)
    except (TypeError, ValueError, AttributeError, IndexError, sp.SympifyError) as exc:
        at = _shapes_differ(_matrix_shape(a), _matrix_shape(b), assume)
        if at is not None:  # x^T x printed for x x^T: not unreadable, wrong (at the sizes the cases take)
            return at, f"{_shown(a)}, of shape {_size(a, at)}", f"{_shown(b)}, of shape {_size(b, at)}"
        raise reader.ReadError(f"its value cannot be compared with the line's ({type(exc).__name__})") from None


def _shapes_differ(sa, sb, assume: dict) -> dict | None:
    """Where two matrix shapes differ: the sizes (each length 2, 3 or 4, as the numeric cases take them,
    after the line's given values) at which both are numbers and not the same; None if they never do, or
    a side has no shape."""
    if sa is None or sb is None:
        return None
    given = {k: v for k, v in assume.items() if isinstance(k, sp.Symbol) and isinstance(v, sp.Basic) and v.is_number}
    dims = [sp.sympify(d, strict=True).subs(given) for d in (*sa, *sb)]
    free = sorted(set().union(*(d.free_symbols for d in dims)), key=str)
    for size in (2, 3, 4):
        at = {symbol: size for symbol in free}
        values = [d.subs(at) for d in dims]
        if all(v.is_number for v in values) and values[:2] != values[2:]:
            return at
    return None


def _matrix_shape(v):
    """The shape of a matrix-valued side, an entry matrix's ([e_kl], rows x cols) too; or None."""
    if isinstance(v, mo.EntryMatrix):
        return tuple(v.args[3:5])
    return _shape_of(v)


def _size(value, at: dict) -> str:
    rows, cols = (sp.sympify(d, strict=True).subs(at) for d in _matrix_shape(value))
    return f"{rows}×{cols}"


def _shown(value) -> str:
    try:
        return str(value)[:200]
    except Exception:  # noqa: BLE001
        return repr(value)[:200]


def check(problem, solution: Solution, block: str, context, seed: int = 0) -> Record:
    """Read back every displayed line of `block` (the problem's rendered solution) and check it."""
    rng = random.Random(seed + 7)
    record = Record()
    numbered = {}
    number = 0
    for p, part in enumerate(solution.parts):
        for i, line in enumerate(part.lines):
            number += 1
            numbered[(p, i)] = (number, line)
    shown = displays(block)
    seen = {(s.part, s.line) for s in shown}
    for key, (number, line) in numbered.items():
        if key not in seen:
            record.unread.append((number, "not found on the page"))
    ctx = context.copy()
    assumed, part = {}, None  # what an "Assume ..." note states, for the rest of its part
    for item in shown:
        number, line = numbered[(item.part, item.line)]
        if item.part != part:
            assumed, part = {}, item.part
        try:
            if standing(item.note):
                assumed = _merged(assumed, _conditions(item.note, ctx))
            _check_one(problem, number, line, item, ctx, rng, record, assumed)
        except reader.Ambiguous as exc:  # the page does not say one thing: a reader would misread it
            text = item.math if item.math is not None else " & ".join(item.cells or [])
            raise _fail(problem, number, line, text, f"it cannot be read one way: {exc}") from None
        except reader.ReadError as exc:
            record.unread.append((number, str(exc)))
    return record


def _fail(problem, number, line, text, message) -> VerificationError:
    return VerificationError(f"{problem.doc.file}: {problem.label}: step {number} "
                             f"({rules.text(line.rule) or 'step'}) is wrong as printed, ${text}$: {message}")


def _row_text(cells: list[str]) -> str:
    """A table row read as the line it stands for: lhs = arithmetic = value (a value cell that says \\approx
    joined by it; a value cell that repeats the arithmetic once)."""
    text = cells[0]
    for n, cell in enumerate(cells[1:], 1):
        if n >= 2 and cell == cells[1]:
            continue
        text += f" \\approx {cell[len(chr(92) + 'approx'):].strip()}" if cell.startswith("\\approx") else f" = {cell}"
    return text


def _check_one(problem, number, line: Line, item: Shown, ctx, rng, record: Record, assumed=None) -> None:
    if item.cells is not None and line.each is not None:
        texts = item.cells[1:]
        for cell, meaning in zip(texts, line.each):
            value = reader.read_expr(cell, ctx)
            bad = _compare(value, meaning, {}, rng, verify.TOLERANCE, None)
            if bad:
                raise _fail(problem, number, line, cell, _mismatch(bad, "the cell", value))
        record.checked += 1
        return
    text = item.math if item.math is not None else _row_text(item.cells)
    read = reader.read(text, ctx)
    assume = {**ctx.values, **{k: v for k, v in line.assume.items() if k not in ("distinct", "domain", "holds")}}
    assume = _merged(_merged(assume, assumed or {}), {} if standing(item.note) else _conditions(item.note, ctx))
    tolerance = verify.TOLERANCE
    rounding = read.rounding  # printed decimals are right to their last digit, no further
    *given, main = read.clauses
    for clause in given:  # "q = xy," before the line: the spec's definition, as printed
        values = [v for _, v in clause]
        for other in values[1:]:
            bad = _compare(values[0], other, assume, rng, tolerance, None, rounding)
            if bad:
                raise _fail(problem, number, line, text, _mismatch(bad, "the definition given first", other))
    index = line.vector_index
    claimed = None
    if (line.check or line.value is not None) and line.meaning is not None and not verify._is_name(line.meaning):
        claimed = line.meaning
    (_, lhs), rest = main[0], main[1:]
    if rest and rest[0][0] == ":=":  # a definition: the name means what it is defined as
        if not isinstance(lhs, (reader.Fresh,)):
            raise _fail(problem, number, line, text, "a name defined with := is already in use")
        ctx.labels[lhs.name] = rest[0][1]
        _same_all(problem, number, line, text, [v for _, v in rest], assume, rng, tolerance, index, rounding)
        record.definitions += 1
        return
    defines = isinstance(lhs, (reader.Fresh, reader._Names))
    if not defines and any(rel in claims.FLIP and rel != "=" for rel, _ in rest):
        _check_claims(problem, number, line, text, main, claimed, assume, rng, tolerance, index, rounding)
        record.checked += 1
        return
    sides = [v for _, v in (rest if defines else main)]
    approx = [rel == "≈" for rel, _ in (rest if defines else main)]
    if claimed is None:
        reference = sides[0]
        others = list(zip(sides[1:], approx[1:]))
    else:
        reference = claimed
        others = list(zip(sides, approx))
    values = [reference] + [v for v, _ in others]
    symbolic = [v for v in values if mo.is_vector(v) and not isinstance(v, sp.MatrixBase)]
    matrices = any(isinstance(v, (sp.MatrixExpr, mo.GradientOf)) for v in values)
    if index is None and symbolic and not matrices:
        index = mo.index("_c")  # vectors of symbolic length: compared entry by entry, over their length
        length = _length(symbolic[0])
        if length is not None:
            assume = {**assume, "ranges": {**assume.get("ranges", {}), index: length}}
    for value, rough in others:
        if isinstance(value, (reader.Fresh, reader._Names)):
            raise reader.ReadError(f"unknown name '{getattr(value, 'name', value)}'")
        if rough or line.approx:  # to 5 significant digits, or to what its rounded decimals allow
            relative = (verify.APPROX, rounding[1] if rounding else 0)
        else:
            relative = rounding
        bad = _compare(value, reference, assume, rng, tolerance, index, relative)
        if bad:
            raise _fail(problem, number, line, text, _mismatch(bad, "a side", value))
        general = _general(value, reference, assume, ctx)
        if general is not None:  # a formula the line states with letters holds as a formula, not only here
            bad = _compare(value, reference, general, rng, tolerance, index)
            if bad:
                raise _fail(problem, number, line, text, _mismatch(bad, "a formula", value) + " (as a formula, for "
                                                                                               "any values of its letters)")
    if defines:
        meaning = claimed if claimed is not None else sides[0]
        if isinstance(lhs, reader.Fresh):
            ctx.labels[lhs.name] = meaning
        else:
            flat = [name for row in lhs.names for name in row]
            values = list(meaning) if isinstance(meaning, sp.MatrixBase) else None
            if values is None or len(values) != len(flat):
                raise reader.ReadError("a column of names defined by something that is not a column of values")
            for name, value in zip(flat, values):
                ctx.labels[name] = value
    record.checked += 1


def _check_claims(problem, number, line, text, main, claimed, assume, rng, tolerance, index, rounding):
    """A printed chain with inequalities (a = b <= c < d): the first side is what the line claims; each side
    after an = equals the one before it, each side after an inequality is in that relation to the one
    before it, checked as a claim (claims.py) on the domain the page assumes."""
    values = [verify._prepare(v, index) for _, v in main]
    if claimed is not None:
        bad = _compare(values[0], claimed, assume, rng, tolerance, index, rounding)
        if bad:
            raise _fail(problem, number, line, text, _mismatch(bad, "the left side", values[0]))
    for (rel, _), before, value in zip(main[1:], values, values[1:]):
        if isinstance(value, (reader.Fresh, reader._Names)):
            raise reader.ReadError(f"unknown name '{getattr(value, 'name', value)}'")
        if rel in ("=", "≈"):
            bad = _compare(value, before, assume, rng, verify.APPROX if rel == "≈" else tolerance, index, rounding)
            if bad:
                raise _fail(problem, number, line, text, _mismatch(bad, "a side", value))
            continue
        if rel not in claims.FLIP:
            raise reader.ReadError(f"the relation {rel} in a chain of claims")
        try:
            verdict = verify.claim(before, rel, value, assume, rng)
        except claims.Undefined as exc:
            raise _fail(problem, number, line, text, f"{exc} (outside the domain the page assumes)") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise reader.ReadError(f"the claim cannot be checked ({type(exc).__name__})") from None
        if not verdict.holds:
            raise _fail(problem, number, line, text,
                        f"{_shown(before)} {rel} {_shown(value)} does not hold ({verdict.words}): at "
                        f"{verify._show_point(verdict.point)} the side before is "
                        f"{sp.N(sp.sympify(verdict.left, strict=True), 8)} and the side after "
                        f"{sp.N(sp.sympify(verdict.right, strict=True), 8)}")


_length = mo.vector_length  # the length of a vector of symbolic length as the page writes it


def _general(value, claimed, assume: dict, ctx):
    """The assumptions without the values of a formula's letters, when a printed side is a formula in
    letters that the line's claim also has and that the line gives values (W, F, P, S of a convolution):
    then the formula must hold for any values of them. None when there is no such formula."""
    if not isinstance(value, sp.Basic) or not isinstance(claimed, sp.Basic):
        return None
    letters = {k for k in assume if isinstance(k, sp.Symbol)} - set(ctx.values)
    free = value.free_symbols
    if not (free & letters) or not free <= claimed.free_symbols:
        return None
    return {k: v for k, v in assume.items() if k not in free}


def _same_all(problem, number, line, text, values, assume, rng, tolerance, index, rounding=None):
    for other in values[1:]:
        bad = _compare(values[0], other, assume, rng, tolerance, index, rounding)
        if bad:
            raise _fail(problem, number, line, text, _mismatch(bad, "a side", other))


def _mismatch(bad, what, value) -> str:
    point, va, vb = bad
    where = f"at {verify._show_point(point)} " if point else ""
    return (f"{what} reads as {_shown(value)}; {where}the left side is {vb} and the right side is {va} "
            "(the left side: what the line claims; the right side: the printed side)")
