"""kind: backprop -- the independent confirmation of its answers (no code shared with its solver)."""
from __future__ import annotations

import functools

import mpmath
import sympy as sp

from ... import mathobj as mo
from ...errors import CannotDerive
from ...numerics import agree, convention_branches, failure, gradient_mismatch
from .fields import build_graph, forward


def confirm(problem, solution) -> list[str]:
    """Evaluate the graph numerically (no symbolic differentiation) and perturb the asked inputs and
    nodes: finite differences of the output, one-sided where a gate meets a kink (relu at 0, a tie in
    max or min), so that the stated convention is confirmed rather than assumed."""
    inputs, nodes, output = build_graph(problem)
    names = tuple(inputs) + tuple(nodes)
    fns = {node: _compiled(names, e) for node, e in nodes.items()}
    given = {k: sp.N(v, 30) for k, v in inputs.items()}  # the inputs' 30-digit values, worked out once

    def run(bumps: dict):
        env = {k: mpmath.mpf(v) + bumps.get(k, 0) for k, v in given.items()}
        for node in nodes:
            args = [env.get(s, mpmath.mpf(0)) for s in names]
            env[node] = fns[node](*args) + bumps.get(node, 0)
        return env

    base = run({})
    if not agree(sp.N(solution.answers["output"].expr, 30), base[output]):
        raise failure(problem, "output", f"the key says {solution.answers['output'].expr}, evaluating the graph "
                                       f"gives {mpmath.nstr(base[output], 8)}")
    asked = list(problem.fields.ask.items())
    targets = [mo.real(t) for _, t in asked]

    def out(*offsets):
        return run(dict(zip(targets, offsets)))[output]

    got = [mpmath.mpf(sp.N(solution.answers[label].expr, 30)) for label, _ in asked]
    values, _ = forward(inputs, nodes)
    smooth = {node: convention_branches(e, values) for node, e in nodes.items()}
    branch_fns = {node: _compiled(names, e) for node, e in smooth.items()}

    def branch(*offsets):
        bumps = dict(zip(targets, offsets))
        env = {k: mpmath.mpf(v) + bumps.get(k, 0) for k, v in given.items()}
        for node in nodes:
            args = [env.get(s, mpmath.mpf(0)) for s in names]
            env[node] = branch_fns[node](*args) + bumps.get(node, 0)
        return env[output]

    kinked = any(smooth[node] != nodes[node] for node in nodes)
    why = gradient_mismatch(out, [mpmath.mpf(0)] * len(targets), got, [str(t) for t in targets],
                            branch if kinked else None)
    if why:
        if kinked and why[2] != "branch":
            raise CannotDerive(f"{problem.doc.file}: {problem.label}: cannot derive the gradients at these inputs: "
                               f"gates meet their kinks there, and the key's conventions (relu'(0) = 0, a tie "
                               f"split equally) applied gate by gate contradict the graph itself ({why[1]}); "
                               "choose other inputs")
        raise failure(problem, asked[why[0]][0], why[1])
    return [f"the forward value and {len(asked)} gradient{'s' if len(asked) != 1 else ''} agree with finite differences of the evaluated "
            f"graph" + (" (at its kinks, of the graph with each kinked gate on the branch its convention "
                        "differentiates)" if kinked else "")]


@functools.lru_cache(maxsize=512)
def _compiled(names: tuple, expr):
    """A node's expression as an mpmath function of the graph's names (lambdify), made once per expression:
    the variants of a graph share their gates (x*y, q*z) and differ in their inputs' values."""
    return sp.lambdify(list(names), mo.plain_functions(expr), modules=["mpmath"])
