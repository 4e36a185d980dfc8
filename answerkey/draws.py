"""Random draws in numeric fields: `{randint: [lo, hi], exclude: [...], default: d}` and
`{choice: [...], default: d}`. A normal build takes every `default`; a seeded build draws."""
from __future__ import annotations

import random
from typing import Any

from pydantic import ValidationError

from . import schema
from .errors import Collector
from .loader import Document

DRAW_KEYS = set(schema.DRAW_KEYS)


def is_draw(value: Any) -> bool:
    return isinstance(value, dict) and bool(DRAW_KEYS & set(value))


def _resolve_one(draw: dict, path, doc: Document, errors: Collector, rng: random.Random | None):
    """The draw's value (its default without rng); a malformed draw -- checked by its model in
    schema.py -- is an error at the draw, naming the part at fault."""
    problem = None
    if len(path) >= 2 and path[0] == "problems" and isinstance(path[1], int):
        raw = doc.data["problems"][path[1]] if isinstance(doc.data, dict) else None
        pid = raw.get("id", path[1] + 1) if isinstance(raw, dict) else path[1] + 1
        problem = f"problem {path[1] + 1} ({pid})"
    where = doc.where(path, problem, ".".join(str(p) for p in path[2:]) or None)
    wrong = schema.draw_problem(draw)
    if wrong:
        errors.add(where, wrong)
        return None
    try:
        d = (schema.RandInt if "randint" in draw else schema.Choice).model_validate(draw)
    except ValidationError as exc:
        err = exc.errors()[0]
        part = err["loc"][0] if err["loc"] else None
        errors.add(where, err["msg"] if err["type"] == "draw" else f"{part}: " + schema.DRAW_MESSAGES[part])
        return None
    if isinstance(d, schema.Choice):
        if rng is None:
            return d.default
        return rng.choice([o for o in d.choice if o not in d.exclude] or d.choice)
    lo, hi = d.randint
    if rng is None:
        return d.default
    if hi - lo < 100_000:
        pool = [v for v in range(lo, hi + 1) if v not in d.exclude]
        if not pool:
            errors.add(where, "every value of randint is excluded")
            return None
        return rng.choice(pool)
    while True:
        v = rng.randint(lo, hi)
        if v not in d.exclude:
            return v


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
