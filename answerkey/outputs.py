"""Stage 6: outputs, written atomically: each file is written beside its target under a temporary
name and renamed into place, so a failed or interrupted build never leaves a half-written file and the
previous good output survives."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from . import mathobj as mo

from .printer import tex


def _umask() -> int:
    """The process's umask: read from /proc where it can be (setting it to read it would, for a moment, be
    the umask of files another thread makes: the print files are written beside the master table), else set
    and put back."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes | str, sync: bool = True) -> None:
    """`data` (text as UTF-8) at `path`, under a temporary name until it is whole. `sync`: on the disk
    (fsync) before it takes its name; a file written into a RunFolder's folder may leave that to the
    folder's commit, which syncs all its files at once (a fifth of the time of a sync per file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would make it (mkstemp's file is the owner's alone)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class RunFolder:
    """A folder of one run's outputs (NAME-variants/), made whole under a hidden name beside it and put in
    its place by `commit` (with a manifest of what it holds) in one rename; a run that fails or is stopped
    leaves the folder of the run before untouched and no partial folder behind.

        with RunFolder(out / "dl-hw2-variants") as folder:
            write files into folder.path ...
            folder.commit(manifest={...})
    """

    PARTIAL = ".partial-"

    def __init__(self, target: Path, dry: bool = False):
        self.target = Path(target)
        self.dry = dry
        self.path = self.target
        self.done = False
        self._syncing = None  # (thread, its files): files being synced while the run goes on (sync_soon)

    def __enter__(self):
        if self.dry:
            return self
        parent = self.target.parent
        parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(parent, self.target.name)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.target.name}{self.PARTIAL}{os.getpid()}-", dir=parent))
        os.chmod(self.path, 0o777 & ~_umask())  # as mkdir would make it (mkdtemp's is the owner's alone)
        return self

    def commit(self, manifest: dict, known: dict[str, tuple[int, str]] | None = None) -> None:
        """The manifest written (every file's size and SHA-256: from `known`, path -> (bytes, sha256) as
        the writer hashed it, where the size on disk agrees, else read and hashed here), every file and
        the folder synced to the disk, then the folder put in the target's place."""
        known = known or {}
        files = sorted(p for p in self.path.rglob("*") if p.is_file())
        listing = []
        for p in files:
            size = p.stat().st_size
            mark = known.get(str(p))
            listing.append({"path": p.relative_to(self.path).as_posix(), "bytes": size,
                            "sha256": mark[1] if mark and mark[0] == size else _sha256(p)})
        atomic_write(self.path / "manifest.json",
                     json.dumps({**manifest, "files": listing}, ensure_ascii=False, indent=2) + "\n")
        early: set = set()
        if self._syncing is not None:
            self._syncing[0].join()
            early = self._syncing[1]
        for p in files:  # written without a sync of their own (atomic_write(sync=False)): synced together
            if str(p) not in early:
                _fsync(p)
        _fsync(self.path)
        replace_folder(self.path, self.target)
        _fsync(self.target.parent)
        self.done = True

    def sync_soon(self, paths) -> None:
        """Start syncing these files (written, not to be written again) to the disk in a thread, while the
        run makes its last files; commit waits for it and syncs the rest."""
        if self.dry or self._syncing is not None:
            return
        import threading

        names = {str(p) for p in paths}
        thread = threading.Thread(target=lambda: [_fsync(Path(p)) for p in sorted(names)], daemon=True)
        thread.start()
        self._syncing = (thread, names)

    def __exit__(self, *exc):
        if self._syncing is not None:
            self._syncing[0].join()
        if not self.dry and not self.done:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


def _fsync(path: Path) -> None:
    """A file's or a folder's contents (a folder: its names) on the disk; where a folder cannot be opened
    for it (Windows), nothing."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def digest(raw: bytes) -> tuple[int, str]:
    """(bytes, SHA-256) of data as written: what RunFolder.commit lists for a file."""
    return len(raw), hashlib.sha256(raw).hexdigest()


def _sha256(path: Path) -> str:
    """A file's SHA-256, read a piece at a time (the print files of a large roster are tens of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def _remove_abandoned(parent: Path, name: str) -> None:
    """Partial folders of runs that were killed (their process is gone)."""
    for stale in parent.glob(f".{name}{RunFolder.PARTIAL}*"):
        pid = stale.name[len(f".{name}{RunFolder.PARTIAL}"):].split("-")[0]
        try:
            os.kill(int(pid), 0)
            continue  # a run still going
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError, OSError):
            continue
        shutil.rmtree(stale, ignore_errors=True)


_RENAME_EXCHANGE = 2


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder `new` where `target` is: on Linux the two are exchanged in one step (renameat2),
    so that `target` is at every moment either the old run's folder or the new one; elsewhere, the old
    folder is renamed aside first. The old folder is then removed."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # now the old run's files
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(aside)
    os.rename(target, aside)
    os.rename(new, target)
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0


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
    value = sp.sympify(value, strict=True)
    try:
        return _readable(value)
    except TypeError:  # unhashable: printed as it is
        return _readable.__wrapped__(value)


@functools.lru_cache(maxsize=4096)
def _readable(value: sp.Basic) -> str:
    """The text of an immutable SymPy value, made once per value (the answers every variant shares)."""
    value = mo.elementary(value)
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


class _TextPrinter(StrPrinter):
    """A formula as a grader reads it in a table, in plain ASCII: 2*x*exp(-x^2), x_k, x*x^T, det(X),
    sum(exp(x_i), i=1..n), delta_ik; not SymPy source (x**2, x.T, Matrix([[...]]))."""

    printmethod = "_answerkey_text"

    def _print_Indexed(self, expr):
        return f"{expr.base.label}_{','.join(self._print(i) for i in expr.indices)}"

    def _print_MatrixSymbol(self, expr):
        return str(expr.name)

    def _print_Pow(self, expr, rational=False):
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_MatPow(self, expr):
        return super()._print_MatPow(expr).replace("**", "^")

    def _base(self, arg) -> str:
        return self._print(arg) if isinstance(arg, (sp.Symbol, sp.MatrixSymbol, sp.Indexed)) \
            else f"({self._print(arg)})"

    def _print_Transpose(self, expr):
        return self._base(expr.arg) + "^T"

    def _print_Inverse(self, expr):
        return self._base(expr.arg) + "^(-1)"

    def _print_HadamardProduct(self, expr):
        return " .* ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True) for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr):  # sigma applied entry by entry: sigmoid(X*w)
        body = expr.function.expr if isinstance(expr.function, sp.Lambda) else None
        name = "sigmoid" if body is not None and isinstance(body, mo.sigmoid) else None
        if name is None:
            return f"{self._print(expr.function)}.({self._print(expr.expr)})"
        return f"{name}({self._print(expr.expr)})"

    def _print_relu(self, expr):
        return f"max({self._print(expr.args[0])}, 0)"

    def _print_Heaviside(self, expr):  # Iverson brackets, as the key's 1[...]
        return f"[{self._print(expr.args[0])} > 0]"

    def _print_InRange(self, expr):
        e, lo, hi = expr.args
        cond = self._print(e)
        if lo != -sp.oo:
            cond = f"{self._print(lo)} <= {cond}"
        if hi != sp.oo:
            cond = f"{cond} <= {self._print(hi)}"
        return f"[{cond}]"

    def _print_TieShare(self, expr):
        sign, i, *args = expr.args
        mine = args[int(i) - 1]
        others = args[: int(i) - 1] + args[int(i):]
        other = self._print(others[0]) if len(others) == 1 else \
            ("max" if sign > 0 else "min") + "(" + ", ".join(self._print(o) for o in others) + ")"
        return f"[{self._print(mine)} {'>' if sign > 0 else '<'} {other}]"

    def _print_KroneckerDelta(self, expr):
        i, j = expr.args
        return f"delta_{self._print(i)}{self._print(j)}" if all(a.is_Symbol or a.is_Integer for a in expr.args) \
            else f"delta({self._print(i)}, {self._print(j)})"

    def _print_Piecewise(self, expr):  # (x if x > 0, 0 otherwise)
        pieces = [f"{self._print(e)} otherwise" if c == sp.true else f"{self._print(e)} if {self._print(c)}"
                  for e, c in expr.args]
        return "(" + ", ".join(pieces) + ")"

    def _print_Lambda(self, expr):  # (x -> x^2)
        names = expr.variables
        head = self._print(names[0]) if len(names) == 1 else "(" + ", ".join(map(self._print, names)) + ")"
        return f"({head} -> {self._print(expr.expr)})"

    def _print_Derivative(self, expr):  # d/dx(x^2)
        wrt = "".join(f"d{self._print(v)}" + (f"^{n}" if n > 1 else "") for v, n in expr.variable_count)
        order = sum(n for _, n in expr.variable_count)
        return f"d{'^' + str(order) if order > 1 else ''}/{wrt}({self._print(expr.expr)})"

    def _print_Relational(self, expr):  # x = 1, x != 1 (not Eq(x, 1), Ne(x, 1))
        op = {"==": "=", "!=": "!="}.get(expr.rel_op, expr.rel_op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_Sum(self, expr):
        limits = ", ".join(f"{self._print(v)}={self._print(lo)}..{self._print(hi)}" for v, lo, hi in expr.limits)
        return f"sum({self._print(expr.function)}, {limits})"

    def _print_OneByOne(self, expr):
        return self._print(expr.args[0])

    def _print_MatrixBase(self, expr):
        return "[" + ", ".join("[" + ", ".join(self._print(v) for v in expr.row(i)) + "]"
                               for i in range(expr.rows)) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase


TEXT_NAMES = {"DiagMatrix": "diag", "VecSoftmax": "softmax", "sigmoid": "sigmoid", "Determinant": "det",
              "Trace": "tr"}  # classes printed as a named function of their one argument: det(X)
for _cls, _name in TEXT_NAMES.items():
    setattr(_TextPrinter, f"_print_{_cls}",
            lambda self, expr, _name=_name: f"{_name}({self._print(expr.args[0])})")


def readable(value) -> str:
    """An answer as text for a grader's table: its number(s) when numeric (a vector or matrix as [..]),
    else its formula in plain notation (x^2·exp(-x), not Matrix([[...]]) or x**2*exp(-x))."""
    number = _number(value)
    if number is not None:
        return json.dumps(number)
    if isinstance(value, sp.MatrixBase):
        rows = [[readable(v) for v in value.row(i)] for i in range(value.rows)]
        return "[" + ", ".join(r[0] for r in rows) + "]" if value.cols == 1 else \
            "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
    if isinstance(value, (list, tuple, sp.Tuple)):
        return "(" + ", ".join(readable(v) for v in value) + ")"
    if isinstance(value, (mo.Text, mo.Sentence)):
        return value.args[0].name
    return _TextPrinter().doprint(mo.elementary(sp.sympify(value, strict=True)))


def tolerance(value, rule) -> float | list | None:
    """The absolute tolerance of a numeric answer (`value` as answers.json has it: a number or nested lists):
    0 for an integer (exact), else `rule` (a number: absolute; 'N%': N percent of the value), per entry of a
    vector or matrix; None for an answer without a value."""
    if value is None:
        return None
    if isinstance(value, list):
        return [tolerance(v, rule) for v in value]
    if isinstance(value, int):
        return 0
    if isinstance(rule, str):
        size = float(rule.strip().rstrip("%").strip()) / 100 * abs(value)
    else:
        size = float(rule)
    return float(f"{size:.3g}")


def answer_record(answer, tolerance_rule=None) -> dict:
    """What answers.json and the master table say of an answer; made once per answer (variants share the
    answers of the problems without draws). With `tolerance_rule` (the problem's tolerance), also the
    answer's absolute tolerance."""
    record = getattr(answer, "_record", None)
    if record is None:
        record = answer._record = _answer_record(answer)
    record = dict(record)
    if tolerance_rule is not None:
        record["tolerance"] = tolerance(record["value"], tolerance_rule)
    return record


def _answer_record(answer) -> dict:
    shown = answer.display if answer.display is not None else answer.expr
    record = {"latex": tex(shown) if not isinstance(shown, (list, tuple)) else
              "\\left(" + tex(list(shown)) + "\\right)",
              "sympy": _sympy_text(answer.expr), "value": _number(answer.expr)}
    if answer.index is not None:
        record["index"] = str(answer.index)
    return record


def answers_json(spec, solutions) -> str:
    return json.dumps(answers_data(spec, solutions), ensure_ascii=False, indent=2) + "\n"


def answers_data(spec, solutions) -> dict:
    """What answers.json holds (SPEC.md section 4), as data."""
    problems: list = []
    for p, s in zip(spec.problems, solutions):
        entry = {"kind": p.kind.name, **({"points": p.points} if p.points is not None else {}),
                 "verified": bool(s.verified), "readback": s.readback or None,
                 "answers": {label: answer_record(a, p.tolerance) for label, a in s.answers.items()}}
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
    return data
