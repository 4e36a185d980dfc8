"""kind: short_answer -- the independent confirmation: every value filled into the sentence is read back
from its LaTeX by the project's reader and compared with the referenced answers evaluated again in floating
point (mpmath, 30 digits); every claim is evaluated again in floating point."""
from __future__ import annotations

import re

import mpmath
import sympy as sp

from ...numerics import failure
from .fields import checks

REFERENCE = re.compile(r"(?<![\w.])([A-Za-z0-9_]+(?:\.[A-Za-z_]\w*)+)(?:\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\])?")


def numeric(problem, text: str):
    """`text` (an expression or comparison over references and numbers, comparisons maybe joined by `and`)
    evaluated in floating point, each reference replaced by its answer's value; None when a reference is not
    a number."""
    pieces = re.split(r"\s+and\s+", text.strip())
    if len(pieces) > 1:
        verdicts = [numeric(problem, piece) for piece in pieces]
        return None if any(v is None for v in verdicts) else all(v is True for v in verdicts)
    return _numeric(problem, text)


def _numeric(problem, text: str):
    from ...expr import Scope, parse

    values = {}

    def replace(match):
        pieces = match.group(1).split(".")
        for cut in range(len(pieces) - 1, 0, -1):
            key, label = ".".join(pieces[:cut]), ".".join(pieces[cut:])
            if key in problem.solved and label in problem.solved[key]:
                expr = problem.solved[key][label].expr
                if match.group(2):  # an entry, counted from 1: row-major over the array's entries
                    i = int(match.group(2)) - 1
                    if match.group(3):
                        expr = expr.tolist()[i][int(match.group(3)) - 1]
                    else:
                        expr = list(expr)[i]
                if not (isinstance(expr, sp.Expr) and expr.is_number):
                    raise TypeError(match.group(0))
                name = f"refnumber{len(values)}"
                values[name] = sp.Float(mpmath.mpf(sp.N(expr, 30)), 30)
                return name
        return match.group(0)
    try:
        replaced = REFERENCE.sub(replace, text)
    except TypeError:
        return None
    expr = parse(replaced, Scope(values=values, allow_compare=True))
    if isinstance(expr, sp.logic.boolalg.BooleanAtom):  # decided on the 30-digit numbers
        return bool(expr)
    if isinstance(expr, sp.core.relational.Relational):
        left, right = (mpmath.mpf(sp.N(side, 30)) for side in (expr.lhs, expr.rhs))
        tolerance = mpmath.mpf("1e-20") * max(1, abs(left), abs(right))
        return {"<": left < right - tolerance, "<=": left <= right + tolerance, ">": left > right + tolerance,
                ">=": left >= right - tolerance, "==": abs(left - right) <= tolerance,
                "!=": abs(left - right) > tolerance}[expr.rel_op]
    return mpmath.mpf(sp.N(expr, 30))


def values_read_back(problem, solution) -> int:
    """How many values filled into the instructor's LaTeX were read back from it and agree with the
    answers they name; a failure for one that does not."""
    from ...reader import Context, read_expr

    said = 0
    for text, shown, _ in solution.data.get("values", []):
        rounded = re.match(r"^(.*?)\s*:\s*(\d{1,2})\s*$", text, re.DOTALL)  # <<expr : N>>: N significant digits
        want = numeric(problem, rounded.group(1) if rounded else text)
        if want is None:
            continue
        got = mpmath.mpf(sp.N(read_expr(shown, Context()), 30))
        if rounded:  # N significant digits: off by at most half a unit in the N-th digit
            tolerance = mpmath.mpf(10) ** (1 - int(rounded.group(2))) / 2 * abs(want) * (1 + mpmath.mpf("1e-12"))
        else:  # 6 significant digits
            tolerance = mpmath.mpf("1e-5") * max(1, abs(want))
        if abs(got - want) > tolerance + mpmath.mpf("1e-25"):
            raise failure(problem, "answer", f"<<{text}>> shows {shown}, the answers give {mpmath.nstr(want, 12)}")
        said += 1
    return said


def confirm(problem, solution) -> list[str]:
    said = values_read_back(problem, solution)
    held = 0
    for field, text in checks(problem):
        if isinstance(text, bool):
            continue
        verdict = numeric(problem, text)
        if verdict is None:
            continue
        if verdict is not True:
            raise failure(problem, "check", f"'{text}' does not hold in floating point")
        held += 1
    return [f"{said} value(s) of the answer read back from its LaTeX and {held} claim(s) evaluated again"]
