"""Random draws in numeric fields: `{randint: [lo, hi], exclude: [...], default: d}` and
`{choice: [...], default: d}`. A normal build takes every `default`; a seeded build draws."""
from __future__ import annotations

import random
from typing import Any

from .errors import Collector
from .loader import Document

DRAW_KEYS = {"randint", "choice"}
ALLOWED = {"randint", "choice", "exclude", "default"}


def is_draw(value: Any) -> bool:
    return isinstance(value, dict) and bool(DRAW_KEYS & set(value))


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _resolve_one(draw: dict, path, doc: Document, errors: Collector, rng: random.Random | None):
    problem = None
    if len(path) >= 2 and path[0] == "problems" and isinstance(path[1], int):
        raw = doc.data["problems"][path[1]] if isinstance(doc.data, dict) else None
        pid = raw.get("id", path[1] + 1) if isinstance(raw, dict) else path[1] + 1
        problem = f"problem {path[1] + 1} ({pid})"
    where = doc.where(path, problem, ".".join(str(p) for p in path[2:]) or None)
    extra = set(draw) - ALLOWED
    if extra or len(DRAW_KEYS & set(draw)) != 1:
        errors.add(where, "a draw has one of randint or choice, and exclude and default: "
                          f"unexpected {', '.join(sorted(extra)) or 'both randint and choice'}")
        return None
    if "default" not in draw:
        errors.add(where, "a draw needs a default (the value of a normal build)")
        return None
    default = draw["default"]
    exclude = draw.get("exclude", [])
    if not isinstance(exclude, list) or not all(_number(e) for e in exclude):
        errors.add(where, "exclude: expected a list of numbers")
        return None
    if "randint" in draw:
        bounds = draw["randint"]
        if not (isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, int) and not isinstance(b, bool)
                                                                      for b in bounds) and bounds[0] <= bounds[1]):
            errors.add(where, "randint: expected [lo, hi], two integers with lo <= hi")
            return None
        pool = [v for v in range(bounds[0], bounds[1] + 1) if v not in exclude] if bounds[1] - bounds[0] < 100_000 \
            else None
        if not isinstance(default, int) or isinstance(default, bool) or not bounds[0] <= default <= bounds[1] \
                or default in exclude:
            errors.add(where, f"default {default!r} is not an integer in [{bounds[0]}, {bounds[1]}] "
                              "outside exclude")
            return None
        if rng is None:
            return default
        if pool is not None:
            if not pool:
                errors.add(where, "every value of randint is excluded")
                return None
            return rng.choice(pool)
        while True:
            v = rng.randint(bounds[0], bounds[1])
            if v not in exclude:
                return v
    options = draw["choice"]
    if not isinstance(options, list) or not options or not all(_number(o) for o in options):
        errors.add(where, "choice: expected a non-empty list of numbers")
        return None
    if default not in options:
        errors.add(where, f"default {default!r} is not one of the choices")
        return None
    pool = [o for o in options if o not in exclude]
    if rng is None:
        return default
    return rng.choice(pool or options)


def resolve_tree(value, path: tuple, doc: Document, rng: random.Random | None = None):
    """A copy of `value` (found at `path` in `doc`) with every draw replaced by its default (rng None)
    or a drawn value; a SpecError lists every malformed draw."""
    errors = Collector()

    def walk(v, p):
        if is_draw(v):
            return _resolve_one(v, p, doc, errors, rng)
        if isinstance(v, dict):
            return {k: walk(x, p + (k,)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, p + (i,)) for i, x in enumerate(v)]
        return v

    out = walk(value, path)
    errors.raise_if_any()
    return out


def has_draws(value) -> bool:
    if is_draw(value):
        return True
    if isinstance(value, dict):
        return any(has_draws(v) for v in value.values())
    if isinstance(value, list):
        return any(has_draws(v) for v in value)
    return False


def resolve(doc: Document, rng: random.Random | None = None) -> None:
    """Replace every draw in `doc.data` by its default (rng None) or a drawn value, in place."""
    doc.data = resolve_tree(doc.data, (), doc, rng)
