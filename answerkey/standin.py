"""simplify() without importing SymPy's units package.

sympy.simplify() runs `from sympy.physics.units import Quantity` on every call, only to ask whether the
expression holds a physical quantity. The first call thus imports SymPy's units package: about 0.1 s of
CPU in every process that simplifies, a tenth of the solving of a key. answerkey never makes quantities,
so during its own simplify() calls (and only then), while nothing has loaded the real module,
`sympy.physics.units` is a stand-in whose Quantity nothing is an instance of: simplify's question gets the
same answer, no. Asking the stand-in for any other name imports the real module, which replaces it.
"""
from __future__ import annotations

import importlib
import os
import sys
import types

import sympy as sp

NAME = "sympy.physics.units"


class Quantity(sp.AtomicExpr):
    """Never instantiated: `expr.has(Quantity)` is False for every expression answerkey makes."""


class _StandIn(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):  # the import system probing (__path__, __file__): not the module's content
            raise AttributeError(name)
        if sys.modules.get(NAME) is self:
            del sys.modules[NAME]
        return getattr(importlib.import_module(NAME), name)


def simplify(expr, **kwargs):
    """sp.simplify(expr), with the stand-in in place while it runs (when the real module is not loaded).
    Where SymPy's simplify itself fails (it can raise StopIteration on some sums), the expression stays."""
    try:
        return _simplify(expr, **kwargs)
    except (StopIteration, RecursionError, ZeroDivisionError, TypeError, ValueError, AttributeError):
        return expr


WITHOUT = "standin" in os.environ.get("ANSWERKEY_WITHOUT", "").split(",")  # make bench: what it buys


def _simplify(expr, **kwargs):
    if NAME in sys.modules or WITHOUT:
        return sp.simplify(expr, **kwargs)
    stand_in = _StandIn(NAME, "stand-in: see answerkey/standin.py")
    stand_in.Quantity = Quantity
    sys.modules[NAME] = stand_in
    try:
        return sp.simplify(expr, **kwargs)
    finally:
        if sys.modules.get(NAME) is stand_in:
            del sys.modules[NAME]
