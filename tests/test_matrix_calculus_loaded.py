"""calculus.matrix_calculus_loaded imports SymPy's matrix calculus with multiple dispatch's ordering held:
the dispatchers end with the orderings a plain import gives them, nothing is dispatched while they are
held, and the derivative it serves is the same."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import gc, sys
import sympy as sp
from sympy.multipledispatch import dispatcher as D
called = []
if sys.argv[1] == "held":
    from answerkey import calculus
    plain_call = D.Dispatcher.__call__
    def call(self, *args, **kwargs):
        called.append(self.name)
        return plain_call(self, *args, **kwargs)
    halt = D.halt_ordering
    def halted():
        D.Dispatcher.__call__ = call
        halt()
    D.halt_ordering = halted
    restart = D.restart_ordering
    def restarted(*a, **k):
        D.Dispatcher.__call__ = plain_call
        restart(*a, **k)
    D.restart_ordering = restarted
    calculus.matrix_calculus_loaded()
else:
    for name in ("sympy.tensor.array.array_derivatives", "sympy.tensor.array.expressions.from_array_to_matrix",
                 "sympy.assumptions.satask", "sympy.assumptions.lra_satask", "sympy.assumptions.facts",
                 "sympy.logic.algorithms.dpll2"):
        __import__(name)
orderings = sorted(repr((o.name, [tuple(t.__module__ + "." + t.__qualname__ for t in s) for s in o.ordering]))
                   for o in gc.get_objects() if isinstance(o, D.Dispatcher))
n = sp.Symbol("n", integer=True, positive=True)
x, W = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("W", n, n)
print(len(orderings), len("|".join(orderings)), called == [], sp.srepr(sp.diff(x.T * W * x, W)))
print("\n".join(orderings))
"""


def probe(how: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, how], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"})
    return done.stdout


def test_held_ordering_gives_the_orderings_and_the_derivative_of_a_plain_import():
    held, plain = probe("held"), probe("plain")
    first = held.splitlines()[0].split(" ", 3)
    assert first[2] == "True"  # nothing dispatched while the ordering was held
    assert int(first[0]) > 40  # the dispatchers were found
    assert "MatMul" in first[3]
    assert held == plain
