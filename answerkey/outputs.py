"""Stage 6: outputs, written atomically: each file is written beside its target under a temporary
name and renamed into place, so a failed or interrupted build never leaves a half-written file and the
previous good output survives."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import sympy as sp
from sympy.printing.str import StrPrinter

from . import mathobj as mo

from .printer import tex


def atomic_write(path: Path, data: bytes | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _number(value):
    """A plain number (int or float) for JSON, or nested lists of them; None if not numeric."""
    if isinstance(value, sp.MatrixBase):
        rows = [[_number(v) for v in value.row(i)] for i in range(value.rows)]
        if any(v is None for row in rows for v in row):
            return None
        return [r[0] for r in rows] if value.cols == 1 else rows
    if isinstance(value, (list, tuple, sp.Tuple)):
        items = [_number(v) for v in value]
        return None if any(v is None for v in items) else items
    value = sp.sympify(value, strict=True)
    if value.is_Integer:
        return int(value)
    if value.is_number and value.is_real:
        return float(mo.accurate(value, 20))  # not float(value): cancellation (1 - tanh(150)^2) loses it
    return None


class _ReadablePrinter(StrPrinter):
    """Prints what `sympy.sympify` reads back: entries as Indexed('x', k), the house functions in
    elementary form."""

    printmethod = "_answerkey_readable"  # not _sympystr: Indexed prints itself as x[k] otherwise

    def _print_MatrixSymbol(self, expr):
        return f"MatrixSymbol('{expr.name}', {self._print(expr.shape[0])}, {self._print(expr.shape[1])})"

    def _print_Indexed(self, expr):
        return f"Indexed('{expr.base.label}', {', '.join(self._print(i) for i in expr.indices)})"


def _sympy_text(value) -> str:
    if isinstance(value, sp.MatrixBase):
        rows = [[_sympy_text(v) for v in value.row(i)] for i in range(value.rows)]
        return "Matrix([" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "])"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_sympy_text(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (mo.Text, mo.Sentence)):  # an answer in words: the words
        return value.args[0].name
    value = mo.elementary(sp.sympify(value, strict=True))
    value = value.replace(lambda e: isinstance(e, mo.sigmoid), lambda e: e.rewrite(sp.exp))
    value = value.replace(lambda e: isinstance(e, mo.relu), lambda e: sp.Max(e.args[0], 0))
    value = value.replace(lambda e: isinstance(e, (mo.TieShare, mo.InRange)), _piecewise)
    return _ReadablePrinter().doprint(value)


def _piecewise(e):
    """The house's TieShare and InRange in SymPy's own terms (Piecewise), so that sympify reads them."""
    if isinstance(e, mo.InRange):
        value, lo, hi = e.args
        cond = sp.And(*([sp.Ge(value, lo)] if lo != -sp.oo else []) + ([sp.Le(value, hi)] if hi != sp.oo else []))
        return sp.Piecewise((1, cond), (0, True))
    sign, i, *args = e.args
    mine = args[int(i) - 1]
    others = args[: int(i) - 1] + args[int(i):]
    top = (sp.Max if sign > 0 else sp.Min)(*others)
    below = sp.Lt(mine, top) if sign > 0 else sp.Gt(mine, top)
    ties = sp.Add(*[sp.Piecewise((1, sp.Eq(o, mine)), (0, True)) for o in others])
    return sp.Piecewise((0, below), (1 / (1 + ties), True))


def answer_record(answer) -> dict:
    """What answers.json and the master table say of an answer; made once per answer (variants share the
    answers of the problems without draws)."""
    record = getattr(answer, "_record", None)
    if record is None:
        record = answer._record = _answer_record(answer)
    return dict(record)


def _answer_record(answer) -> dict:
    shown = answer.display if answer.display is not None else answer.expr
    record = {"latex": tex(shown) if not isinstance(shown, (list, tuple)) else
              "\\left(" + tex(list(shown)) + "\\right)",
              "sympy": _sympy_text(answer.expr), "value": _number(answer.expr)}
    if answer.index is not None:
        record["index"] = str(answer.index)
    return record


def answers_json(spec, solutions) -> str:
    problems: list = []
    for p, s in zip(spec.problems, solutions):
        entry = {"kind": p.kind.name, **({"points": p.points} if p.points is not None else {}),
                 "verified": bool(s.verified), "readback": s.readback or None,
                 "answers": {label: answer_record(a) for label, a in s.answers.items()}}
        if p.group is None:
            problems.append({"number": p.number, "id": p.id, **entry})
            continue
        if p.group.first:  # a problem of parts: its parts, each with its answers, under it
            problems.append({"number": p.number, "id": p.group.id,
                             **({"points": p.group.points} if p.group.points is not None else {}),
                             "verified": True, "parts": []})
        problems[-1]["parts"].append({"part": p.part, **entry})
        problems[-1]["verified"] = problems[-1]["verified"] and entry["verified"]
    data = {
        "spec": spec.file,
        "title": spec.title,
        "seed": spec.seed,
        "problems": problems,
    }
    if spec.student:
        data["student"] = spec.student
    if spec.code:
        data["variant_code"] = spec.code
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
