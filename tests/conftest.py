"""Shared helpers for the answerkey tests: spec files in tmp_path, the command line in a subprocess,
positions computed from the spec text itself (not from the package), and SymPy comparisons."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sympy as sp

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "generate.py"

# The one working kind right now is `gradient`; every spec in the tests uses it.
GOOD_SPEC = """\
title: Gradient practice
author: Tester
problems:
  - kind: gradient
    id: lin
    function: 2*x + 3*x*y
    wrt: [x, y]
    at: {x: 1, y: 2}
  - kind: gradient
    id: lse
    statement: |
      Compute the gradient of $f(x) = \\log\\sum_{i=1}^n \\exp(x_i)$.
    function: log(Sum(exp(x[i]), (i, 1, n)))
    vectors: {x: n}
    wrt: x
"""


def write_spec(directory: Path, text: str, name: str = "spec.yaml") -> Path:
    """Write `text` (dedented) as a spec file in `directory` and return its path."""
    path = Path(directory) / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """The 1-based (line, column) of the `occurrence`-th `needle` in the dedented `text`."""
    text = textwrap.dedent(text)
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, col


def prefix(path: Path, text: str, needle: str, occurrence: int = 1) -> str:
    """`FILE:LINE:COL:` of `needle` in the spec `text` written at `path`."""
    line, col = position(text, needle, occurrence)
    return f"{path}:{line}:{col}:"


def spec_errors(path: Path, sets: list[str] | None = None) -> list[str]:
    """Load, validate and solve a spec in-process; return its diagnostics as printed (fail if none)."""
    from answerkey.build import canonical, load_base
    from answerkey.errors import SpecError

    try:
        canonical(load_base(path, sets), Path(path).stem)
    except SpecError as exc:
        return [str(d) for d in exc.diagnostics]
    pytest.fail(f"{path}: expected a spec error, got none")


def run_cli(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python generate.py ARGS` from the project root, as a user runs it."""
    return subprocess.run([sys.executable, str(GENERATE), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def plain_symbols(expr):
    """`expr` with every symbol and vector name replaced by an assumption-free one of the same name:
    what `sympy.sympify` builds when it reads a string back."""
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(plain_symbols)
    expr = sp.sympify(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: sp.IndexedBase(str(e.base.label))[tuple(plain_symbols(i) for i in e.indices)])
    return expr.xreplace({s: sp.Symbol(s.name) for s in expr.atoms(sp.Symbol)})


def same(a, b) -> bool:
    """True when two SymPy values (scalars or matrices) are equal, allowing for different forms."""
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)) or a.shape != b.shape:
            return False
        return all(same(x, y) for x, y in zip(a, b))
    return sp.simplify(sp.sympify(a) - sp.sympify(b)) == 0


def leftovers(directory: Path) -> list[str]:
    """Temporary files that atomic writes might leave behind in `directory`."""
    return sorted(p.name for p in Path(directory).iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


@pytest.fixture
def good_spec(tmp_path) -> Path:
    return write_spec(tmp_path, GOOD_SPEC)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One good --no-pdf build through the command line, shared by the tests that only read it."""
    base = tmp_path_factory.mktemp("built")
    spec = write_spec(base, GOOD_SPEC, "practice.yaml")
    out = base / "out"
    proc = run_cli(spec, "--no-pdf", "--out", out)
    answers = out / "practice.answers.json"
    data = json.loads(answers.read_text(encoding="utf-8")) if answers.exists() else None
    return {"proc": proc, "spec": spec, "out": out, "answers": data}
