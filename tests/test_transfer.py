"""Solutions cross process boundaries (problems solved on several cores, variants sharing the problems
without draws) through transfer.py, which must rebuild every expression exactly as it was built."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
import yaml

from answerkey import build, mathobj as mo, render, transfer

ROOT = Path(__file__).resolve().parent.parent


def test_unevaluated_forms_come_back_unevaluated():
    w, f = sp.Symbol("W", positive=True), sp.Symbol("F", positive=True)
    shown = sp.Add(sp.Mul(sp.Add(32, -3, sp.Mul(2, 0, evaluate=False), evaluate=False), sp.Pow(1, -1, evaluate=False),
                          evaluate=False), 1, evaluate=False)
    x = mo.vector("x")
    j, n = mo.index("j"), mo.index("n")
    for expr in (shown, mo.Shown(shown), sp.Sum(sp.exp(x[j]), (j, 1, n)), mo.SoftmaxEntry(x, j, n),
                 (w - f) / 2 + 1, sp.ImmutableMatrix([[w, shown], [1, 2]]), sp.MatrixSymbol("A", n, n).T * 2):
        back = transfer.loads(transfer.dumps(expr))
        assert sp.srepr(back) == sp.srepr(expr)
        assert back == expr and hash(back) == hash(expr)
    assert sp.srepr(transfer.loads(transfer.dumps(shown))) != sp.srepr(sp.Integer(30))


@pytest.mark.parametrize("spec", ["dl-hw2", "network-shapes"])
def test_every_solution_renders_the_same_after_crossing(spec):
    base = build.load_base(ROOT / "problems" / f"{spec}.yaml")
    problem_spec, solutions = build.canonical(base, spec, jobs=1)
    before = render.render(problem_spec, solutions)
    after = render.render(problem_spec, transfer.loads(transfer.dumps(solutions)))
    assert after == before


def test_solving_on_two_processes_gives_the_same_key():
    base = build.load_base(ROOT / "problems" / "dl-hw2.yaml")
    one = render.render(*build.canonical(base, "dl-hw2", jobs=1))
    two = render.render(*build.canonical(base, "dl-hw2", jobs=2))
    assert two == one == (ROOT / "tests" / "golden" / "dl-hw2.tex").read_text(encoding="utf-8")


def test_a_shared_problem_keeps_its_substitution_in_every_variant(tmp_path):
    """A problem without draws is solved once and handed to the variants' processes; its displayed
    substitution (32 - 3 + 2*0)/1 + 1 must not be evaluated away on the way (plain pickle did that)."""
    path = tmp_path / "v.yaml"
    path.write_text(yaml.safe_dump({"title": "Variants", "problems": [
        {"kind": "conv_output_shape", "input": {"width": 32, "height": 32}, "filters": 8, "kernel": 3},
        {"kind": "backprop", "graph": {"f": "x * y"}, "inputs": {"x": {"randint": [1, 5], "default": 2}, "y": 3},
         "ask": {"a": "x"}}]}, sort_keys=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "generate.py"), str(path), "--variants", "3", "--no-pdf",
                           "-j", "2", "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    keys = sorted((tmp_path / "out" / "v-variants").glob("v-seed*.tex"))
    assert len(keys) == 3
    canonical = subprocess.run([sys.executable, str(ROOT / "generate.py"), str(path), "--no-pdf", "--out",
                                str(tmp_path / "one")], capture_output=True, text=True, cwd=ROOT)
    assert canonical.returncode == 0, canonical.stderr
    def steps(tex: str) -> list[str]:
        return [ln for ln in tex.splitlines() if ln.startswith(r"\text{output map")]

    want = steps((tmp_path / "one" / "v.tex").read_text())
    assert len(want) == 2 and all(r"\frac{32 - 3 + 2 \cdot 0}{1} + 1 = 30" in ln for ln in want)
    for key in keys:
        assert steps(key.read_text()) == want
