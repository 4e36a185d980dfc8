"""kind: optimizer_step -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation).

The defaults are PyTorch's, except epsilon (1e-8 for every optimizer; PyTorch's Adagrad uses 1e-10) and the
learning rate of the plain and momentum methods (0.01; PyTorch has none): learning_rate 0.001 for adam and
adamw, 0.01 otherwise; beta (the momentum of momentum and nesterov) 0.9; beta1 0.9 and beta2 0.999; rho (the
smoothing constant of rmsprop, PyTorch's alpha) 0.99; weight_decay 0, and 0.01 for adamw."""
from __future__ import annotations

from typing import Literal

import sympy as sp
from pydantic import Field, StrictInt

from ... import mathobj as mo
from ...expr import Scope
from ..common import Expr, Fields, Name, Number, _exact, function_context, point_values

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
# the constants each optimizer has, with their defaults
CONSTANTS = {
    "sgd": {"weight_decay": 0},
    "momentum": {"beta": 0.9, "weight_decay": 0},
    "nesterov": {"beta": 0.9, "weight_decay": 0},
    "adagrad": {"epsilon": 1e-8, "weight_decay": 0},
    "rmsprop": {"rho": 0.99, "epsilon": 1e-8, "weight_decay": 0},
    "adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0},
    "adamw": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01},
}
MAX_STEPS = 10


class OptimizerStepFields(Fields):
    optimizer: Literal["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
    name: Name = "L"
    function: Expr | None = None
    wrt: Name | list[Name] | None = None
    at: dict[Name, Number] | list[Number] | Number
    gradients: list[list[Number] | Number] | None = None
    learning_rate: Number | None = None
    beta: Number | None = None
    beta1: Number | None = None
    beta2: Number | None = None
    rho: Number | None = None
    epsilon: Number | None = None
    weight_decay: Number | None = None
    steps: StrictInt | None = Field(default=None, ge=1, le=MAX_STEPS)


def setup(problem):
    """{opt, names (the parameters' symbols), start {symbol: exact number}, f (or None), gradients (a list of
    per-step lists of exact numbers, or None), steps, lr, and the optimizer's constants, exact}."""
    c = problem.fields
    opt = c.optimizer
    if (c.function is None) == (c.gradients is None):
        raise problem.error("function" if c.function is not None else "optimizer",
                            "give either a function (with wrt and at) or the gradients of each step, not "
                            + ("both" if c.function is not None else "neither"))
    f = None
    if c.function is not None:
        f = problem.expr("function", Scope())
        if c.wrt is None:
            raise problem.error("function", "wrt is missing: name the variables the optimizer moves")
        wrt = [c.wrt] if isinstance(c.wrt, str) else list(c.wrt)
        free = {str(s) for s in f.free_symbols}
        for name in wrt:
            if name not in free:
                raise problem.error("wrt", f"the function does not contain '{name}'",
                                    "its variables: " + ", ".join(sorted(free)))
        others = sorted(free - set(wrt))
        if others:
            raise problem.error("function", f"the function has names other than its variables: {', '.join(others)}",
                                "an optimizer's iterates are numbers: give the constants values")
        if not isinstance(c.at, dict):
            raise problem.error("at", "with a function, at gives each variable's start: {x: 1, y: 2}")
        start = point_values(problem, c.at, {n: mo.real(n) for n in wrt})
        steps = c.steps or 1
        gradients = None
    else:
        if isinstance(c.at, dict):
            wrt = list(c.at) if c.wrt is None else ([c.wrt] if isinstance(c.wrt, str) else list(c.wrt))
            if set(wrt) != set(c.at) or len(wrt) != len(c.at):
                raise problem.error("wrt", "wrt and the names in at differ")
            values = [c.at[n] for n in wrt]
        else:
            values = c.at if isinstance(c.at, list) else [c.at]
            if not values:
                raise problem.error("at", "at gives no start")
            if c.wrt is None:
                wrt = ["theta"] if len(values) == 1 else [f"theta_{i}" for i in range(1, len(values) + 1)]
            else:
                wrt = [c.wrt] if isinstance(c.wrt, str) else list(c.wrt)
            if len(wrt) != len(values):
                raise problem.error("at", f"at gives {len(values)} numbers for {len(wrt)} parameters")
        start = {mo.real(n): _exact(v) for n, v in zip(wrt, values)}
        gradients = []
        for i, g in enumerate(c.gradients):
            g = g if isinstance(g, list) else [g]
            if len(g) != len(wrt):
                raise problem.error(("gradients", i), f"the gradient of step {i + 1} has {len(g)} entries; the "
                                                      f"parameters are {len(wrt)}")
            gradients.append([_exact(v) for v in g])
        if not gradients:
            raise problem.error("gradients", "no gradients given")
        steps = c.steps or len(gradients)
        if steps > len(gradients):
            raise problem.error("steps", f"{steps} steps need {steps} gradients; {len(gradients)} are given")
        if len(gradients) > MAX_STEPS:
            raise problem.error("gradients", f"at most {MAX_STEPS} steps")
    if len(set(wrt)) != len(wrt):
        raise problem.error("wrt", "a variable is named twice")
    given = {k for k in ("beta", "beta1", "beta2", "rho", "epsilon", "weight_decay") if getattr(c, k) is not None}
    allowed = CONSTANTS[opt]
    for k in sorted(given - set(allowed)):
        hint = {"beta": "momentum or nesterov have beta", "rho": "rmsprop has rho",
                "beta1": "adam and adamw have beta1", "beta2": "adam and adamw have beta2",
                "epsilon": "adagrad, rmsprop, adam and adamw have epsilon"}.get(k)
        raise problem.error(k, f"{opt} has no constant {k}", hint)
    consts = {}
    for k, default in allowed.items():
        value = getattr(c, k)
        v = _exact(value if value is not None else default)
        low_ok = v >= 0
        if k in ("beta", "beta1", "beta2", "rho") and not (low_ok and v < 1):
            raise problem.error(k, f"{k} must lie in [0, 1), got {value}")
        if k in ("epsilon", "weight_decay") and not low_ok:
            raise problem.error(k, f"{k} cannot be negative, got {value}")
        consts[k] = v
    lr = _exact(c.learning_rate if c.learning_rate is not None else (0.001 if opt in ("adam", "adamw") else 0.01))
    if lr <= 0:
        raise problem.error("learning_rate", f"the learning rate must be positive, got {c.learning_rate}")
    names = [mo.real(n) for n in wrt]
    return dict(opt=opt, names=names, start=start, f=f, gradients=gradients, steps=steps, lr=lr, **consts)


def context(problem):
    c = problem.fields
    info = setup(problem)
    if info["f"] is None:
        from ...reader import Context

        return Context()
    return function_context(info["f"], c.name, [c.wrt] if isinstance(c.wrt, str) else list(c.wrt), {})


def number(v) -> float:
    return float(sp.N(v, 20))
