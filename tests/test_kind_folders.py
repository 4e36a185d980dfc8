"""Every kind is one folder (answerkey/kinds/NAME/) holding its fields, solve, confirm, an example spec and
its tests' data (cases.yaml). This test finds the folders itself: a new kind's folder is tested without a
line added here. Each case is a problem and what it must give:

    - problem: {kind: ..., ...}        # one problem of the kind, as a spec writes it
      answers: {label: 4, other: [1, 2.5]}   # numbers (lists of them, matrices as lists of rows)
      latex: {label: "2 x"}            # or the answer as the key prints it
      error: "outside the domain"      # or: the build fails with an error containing this
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from answerkey import outputs
from answerkey.errors import AnswerkeyError
from answerkey.kinds import FOLDER, KINDS
from tests.kindutil import solve

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = sorted(p for p in FOLDER.iterdir() if (p / "__init__.py").is_file())


def _cases():
    for folder in FOLDERS:
        for i, case in enumerate(yaml.safe_load((folder / "cases.yaml").read_text(encoding="utf-8")) or []):
            yield pytest.param(folder.name, case, id=f"{folder.name}-{i + 1}")


def test_every_folder_is_a_registered_kind_with_its_files():
    assert [p.name for p in FOLDERS] == sorted(KINDS)
    for folder in FOLDERS:
        for name in ("fields.py", "solve.py", "confirm.py", "example.yaml", "cases.yaml"):
            assert (folder / name).is_file(), f"{folder.name}/{name} is missing"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_confirmation_shares_no_code_with_the_solver(folder):
    """confirm.py imports neither solve.py nor the solver's derivation machinery."""
    tree = ast.parse((folder / "confirm.py").read_text(encoding="utf-8"))
    modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not modules & {"solve", "..calculus", "...calculus", "...diffsteps", "...derivation"}, modules


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_example_spec_builds_verified(folder, tmp_path):
    spec = folder / "example.yaml"
    proc = subprocess.run([sys.executable, "generate.py", str(spec), "--no-pdf", "-q", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    kinds = set()
    for p in yaml.safe_load(spec.read_text(encoding="utf-8"))["problems"]:
        of = [q["kind"] for q in p.get("parts", [p])]
        assert folder.name in of, f"{spec}: a problem without a {folder.name}"  # others only beside it, as parts
        kinds.update(of)
    assert folder.name in kinds


def _flat(v):
    return [x for item in v for x in _flat(item)] if isinstance(v, list) else [v]


def _shape(v):
    return [_shape(item) for item in v] if isinstance(v, list) else None


@pytest.mark.parametrize("kind, case", list(_cases()))
def test_case(kind, case, tmp_path):
    problem = case["problem"]
    # a kind that answers with other answers is tested as the last part of a problem of parts
    assert (problem["parts"][-1] if "parts" in problem else problem)["kind"] == kind
    if "error" in case:
        with pytest.raises(AnswerkeyError) as info:
            solve(tmp_path, problem)
        assert case["error"] in str(info.value)
        return
    _, solutions = solve(tmp_path, problem)
    solution = solutions[-1]
    assert all(s.verified for s in solutions)
    for label, want in (case.get("answers") or {}).items():
        got = outputs.answer_record(solution.answers[label])["value"]
        assert _shape(got) == _shape(want), (label, got)
        assert _flat(got) == pytest.approx(_flat(want), rel=1e-12, abs=1e-12), label
    for label, want in (case.get("latex") or {}).items():
        assert outputs.answer_record(solution.answers[label])["latex"] == want, label


def test_a_build_imports_only_the_kinds_its_spec_uses():
    """The registry lists every folder without importing it; a kind's modules (and numpy, which only
    minimize's confirmation uses) are imported when a spec asks for the kind."""
    script = ("import sys; from answerkey.kinds import KINDS; names = sorted(KINDS); "
              "from answerkey.build import load_spec; load_spec('problems/dl-hw2.yaml'); "
              "print(len(names), sorted({m.split('.')[2] for m in sys.modules if m.startswith('answerkey.kinds.') "
              "and m != 'answerkey.kinds.common'}), 'numpy' in sys.modules); KINDS['minimize']; "
              "print('numpy' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    listed, after_minimize = proc.stdout.splitlines()
    assert listed == f"{len(FOLDERS)} ['backprop', 'conv_output_shape', 'gradient', 'gradient_step', " \
                     "'matrix_gradient'] False"
    assert after_minimize == "True"
