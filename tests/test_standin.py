"""answerkey.standin.simplify: SymPy's simplify without importing its units package, and nothing else
changed (each case in a fresh interpreter, since the point is what gets imported)."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def fresh(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_simplify_does_not_import_the_units_package():
    out = fresh("""
        import sys, sympy as sp
        from answerkey.standin import simplify
        x = sp.Symbol("x")
        print(simplify(sp.sin(x)**2 + sp.cos(x)**2), sorted(k for k in sys.modules if k.startswith("sympy.physics")))
    """)
    assert out == "1 []"


def test_the_real_units_package_is_untouched():
    out = fresh("""
        import sympy as sp
        from answerkey.standin import simplify
        x = sp.Symbol("x")
        simplify(x + x)
        import sympy.physics.units as u          # after: the real package
        print(simplify(u.kilometer / u.meter), simplify(sp.exp(x) * sp.exp(-x)))
    """)
    assert out == "1000 1"
    out = fresh("""
        import sympy.physics.units as u          # before: simplify uses it as SymPy does
        from answerkey.standin import simplify
        print(simplify(u.kilometer / u.meter))
    """)
    assert out == "1000"


def test_a_name_other_than_quantity_loads_the_real_module():
    out = fresh("""
        import sys, sympy as sp
        from answerkey import standin
        sys.modules[standin.NAME] = stand_in = standin._StandIn(standin.NAME)
        stand_in.Quantity = standin.Quantity
        print(stand_in.meter, type(sys.modules[standin.NAME]).__name__)
    """)
    assert out == "meter module"
