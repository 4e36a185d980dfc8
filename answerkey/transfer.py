"""Pickling that keeps SymPy expressions exactly as built, for handing solutions between processes.

Plain pickle rebuilds a SymPy expression by calling its class on its arguments, which evaluates it
again: a substitution kept unevaluated for display, (32 - 3 + 2*0)/1 + 1, comes back as 30, and a key
built in another process would lose that step. Here every compound expression is rebuilt as it was:
the same class, the same arguments and the same instance state, without evaluation. Atoms (symbols,
numbers) keep SymPy's own pickling, which is exact for them.
"""
from __future__ import annotations

import io
import pickle

import sympy as sp

_SKIP = {"_mhash", "_args", "__weakref__", "__dict__"}


def _state(obj) -> dict:
    state = {}
    for klass in type(obj).__mro__:
        slots = getattr(klass, "__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in _SKIP and name not in state and hasattr(obj, name):
                state[name] = getattr(obj, name)
    state.update(getattr(obj, "__dict__", {}))
    return state


def _rebuild(cls, args, state):
    obj = sp.Basic.__new__(cls, *args)
    for name, value in state.items():
        setattr(obj, name, value)
    return obj


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, sp.Basic) and not isinstance(obj, (sp.Atom, sp.MatrixBase)):
            return _rebuild, (type(obj), obj.args, _state(obj))
        return NotImplemented


def dumps(obj) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def loads(data: bytes):
    return pickle.loads(data)
