"""kind: backprop -- a computational graph: the forward pass with values, then each asked gradient.

Each asked label is its own sub-part ("4.a)"): the derivative asked, the chain rule along every path
from the node to the output (summed where a node feeds several nodes), each local gradient with its
value, the product, the result. Checked against the derivative of the fully composed expression.
"""
from __future__ import annotations

import functools

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...graphfig import figure
from ...printer import tex
from ...rules import AS_GIVEN, CHAIN_RULE, POWER_RULE, Rule, then
from .fields import DIGITS, build_graph, forward
from .rules import (ADD_GATE, AT_ITS_KINK, CHAIN_RULE_OVER_PATHS, EXP_GATE, FORWARD, GRADIENT_DESCENT_UPDATE,
                    LOCAL_GRADIENT, LOCAL_TIMES_UPSTREAM, LOG_GATE, MAX_GATE, MIN_GATE, MULTIPLY_GATE, NODE_DERIVATIVE,
                    OUTPUT_INDEPENDENT, RELU_GATE, SIGMOID_GATE, TANH_GATE, UPSTREAM_TIMES_LOCAL, WHAT_IS_ASKED)


TABLES_ABOVE = 10




def composed(nodes, output, keep):
    """The output as an expression of the inputs and of `keep` (held as a free variable)."""
    return _composed(tuple(nodes.items()), output, keep)


@functools.lru_cache(maxsize=256)
def _composed(nodes: tuple, output, keep):
    """composed() of the graph's (node, expression) pairs: variants that draw only the inputs compose the
    same graph again (kept per process)."""
    e = output
    for node, expr in reversed(nodes):
        if node != keep:
            e = e.subs(node, expr)
    return e


class _At:
    """expr.subs(values) for the one set of values of a solve, each expression substituted once: the
    truths, the backward pass and the asked parts substitute the same local gradients."""

    def __init__(self, values: dict):
        self.values = values
        self._done: dict = {}

    def __call__(self, expr):
        try:
            return self._done[expr]
        except KeyError:
            out = self._done[expr] = expr.subs(self.values)
            return out


def paths(nodes, start, output):
    """Every path start -> ... -> output along the graph's edges."""
    children = {n: [m for m, e in nodes.items() if n in e.free_symbols] for n in [*nodes, start]}
    found = []

    def walk(node, trail):
        if node == output:
            found.append(trail)
            return
        for child in children.get(node, []) or [m for m, e in nodes.items() if node in e.free_symbols]:
            walk(child, trail + [child])

    walk(start, [start])
    return found


def backward(inputs, nodes, output, values, at=None):
    """Reverse accumulation: for every name, the list of (child, local gradient, upstream gradient)
    and the total d(output)/d(name), from the output back to the inputs. `at`: expr.subs(values)."""
    at = at or _At(values)
    order = [*inputs, *nodes]
    children = {s: [n for n, e in nodes.items() if s in e.free_symbols] for s in order}
    grads = {output: sp.Integer(1)}
    terms = {output: []}
    for s in reversed(order):
        if s == output:
            continue
        terms[s] = [(c, at(mo.conventional_diff(nodes[c], s)), grads[c]) for c in children[s] if c in grads]
        total = sp.Add(*[local * up for _, local, up in terms[s]])
        grads[s] = total if any(v.is_Float for v in inputs.values()) else tidy(total)
    return terms, grads


def solve(problem) -> Solution:
    c = problem.fields
    inputs, nodes, output = build_graph(problem)
    values, broken = forward(inputs, nodes)
    if broken is not None:
        raise problem.error(("graph", str(broken)), f"the node {broken} is undefined at the given inputs")
    tables = c.layout == "tables" or (c.layout == "auto" and len(inputs) + len(nodes) > TABLES_ABOVE)
    at = _At(values)
    truths = {s: at(mo.conventional_diff(composed(nodes, output, s), s)) for s in [*inputs, *nodes]}
    forward_part = Part(intro="Forward pass, with the given inputs " +
                              ", ".join(f"${tex(k)} = {tex(v)}$" for k, v in inputs.items()) + ".",
                        columns=["node", "definition", "value"] if tables else None)
    for node, e in nodes.items():
        forward_part.add(node, e, chain=[values[node]] if e != values[node] else [], rule=FORWARD,
                         value=node, assume=dict(values))
    parts = [forward_part]
    answers = {}
    terms, grads = backward(inputs, nodes, output, values, at)
    if tables:
        back = Part(intro="Backward pass, node by node from the output: each gradient is the sum over the "
                          "nodes it feeds of the local gradient times their upstream gradient.",
                    columns=["name", "local $\\times$ upstream, summed", "gradient"])
        for s in reversed([*inputs, *nodes]):
            if s == output:
                back.add(mo.Partial(output, output), sp.Integer(1), rule=AS_GIVEN, check=False)
                continue
            shown = [mo.Times(local, up) for _, local, up in terms[s]]
            rhs = sp.Add(*shown, evaluate=False) if len(shown) > 1 else (shown[0] if shown else sp.Integer(0))
            back.add(mo.Partial(output, s), rhs, chain=[grads[s]], rule=LOCAL_TIMES_UPSTREAM, value=truths[s],
                     approx=not _reproduced(terms[s], grads[s]))
        parts.append(back)
        if c.ask:
            asked = Part(intro="The asked gradients, from the table.")
            for label, target in c.ask.items():
                v = mo.real(target)
                asked.add(label_symbol(label, {str(s) for s in [*inputs, *nodes]}), mo.Partial(output, v),
                          chain=[grads[v]], therefore=True,
                          value=truths[v], check=True)
                answers[label] = Answer(grads[v], description=f"d{output}/d{target}")
            parts.append(asked)
    else:
        for label, target in c.ask.items():
            part, answer = _asked_part(label, mo.real(target), nodes, output, values, truths, at)
            parts.append(part)
            answers[label] = answer
    if c.update:
        eta = sp.Float(repr(c.learning_rate), DIGITS) if isinstance(c.learning_rate, float) \
            else sp.Integer(c.learning_rate)
        step = Part(intro=f"One step of gradient descent with the learning rate $\\eta = {tex(eta)}$: "
                          f"$w' = w - \\eta \\, \\partial {tex(output)} / \\partial w$.",
                    columns=["weight", "$w - \\eta \\, \\partial " + tex(output) + " / \\partial w$", "updated"]
                    if tables else None)
        for name in c.update:
            w = mo.real(name)
            new = values[w] - eta * grads[w]
            step.add(sp.Symbol(f"{name}'"), mo.Minus(values[w], mo.Times(eta, grads[w])), chain=[new],
                     rule=GRADIENT_DESCENT_UPDATE, value=values[w] - eta * truths[w])
            answers[f"new_{name}"] = Answer(new, description=f"{name} after one step")
        parts.append(step)
    answers["output"] = Answer(values[output], description="the forward value of the output")
    fig = figure(inputs, nodes, output, values, truths, c.ask, at)
    return Solution(parts, answers, data={"values": {str(k): v for k, v in values.items()}, "figure": fig})


def label_symbol(label: str, names) -> sp.Basic:
    """The name an asked label has on the page: the letter itself, or (b) in words where the graph already
    has a name b (a bias), so that "b := df/db" does not define b twice."""
    return mo.text(f"({label})") if label in names or label in ("e", "E", "pi") else sp.Symbol(label)


def gate_rule(expr) -> Rule:
    """The local-gradient rule of a gate, named as the backprop notes name it: a named gate only where the
    node is that gate of plain names (q + z, q z); otherwise the derivative of the node's expression."""
    plain = all(a.is_Symbol or a.is_number for a in expr.args)
    if isinstance(expr, sp.Add) and plain:
        return ADD_GATE
    if isinstance(expr, sp.Mul) and plain:
        return MULTIPLY_GATE
    if isinstance(expr, (sp.Add, sp.Mul)):
        return NODE_DERIVATIVE
    for gate, named in ((sp.Max, MAX_GATE), (sp.Min, MIN_GATE), (mo.relu, RELU_GATE), (mo.sigmoid, SIGMOID_GATE),
                        (sp.exp, EXP_GATE), (sp.log, LOG_GATE), (sp.tanh, TANH_GATE), (sp.Pow, POWER_RULE)):
        if isinstance(expr, gate):
            return named
    return LOCAL_GRADIENT


def _reaches(nodes, a, c) -> bool:
    """Whether the node c depends on a, directly or through other nodes."""
    todo, seen = [c], set()
    while todo:
        n = todo.pop()
        if n in seen or n not in nodes:
            continue
        seen.add(n)
        if a in nodes[n].free_symbols:
            return True
        todo.extend(s for s in nodes[n].free_symbols if s in nodes)
    return False


def edge(nodes, a, b):
    """The local gradient of the edge a -> b as the page names it: d b / d a, holding fixed b's other
    arguments that depend on a (then the local derivative differs from the total one)."""
    held = sorted((c for c in nodes[b].free_symbols if c in nodes and c != a and _reaches(nodes, a, c)), key=str)
    return mo.LocalPartial(b, a, *held) if held else mo.Partial(b, a)


def kink_at(expr, values) -> bool:
    """Whether a gate meets a non-differentiable point at these values: a tie in max or min, relu or |.|
    at 0."""
    for f in expr.atoms(sp.Max, sp.Min, mo.relu, sp.Abs):
        args = [a.subs(values) for a in f.args]
        if isinstance(f, (sp.Max, sp.Min)):
            if len(set(args)) < len(args) or any(sp.Eq(x, y) is sp.true for x in args for y in args if x is not y):
                return True
        elif args[0] == 0:
            return True
    return False


def _asked_part(label, v, nodes, output, values, truths, at):
    """One asked gradient as the homework writes it: the chain rule along every path, each local
    gradient with its value, the product, the result."""
    truth = truths[v]
    part = Part(label=label)
    name = label_symbol(label, {str(s) for s in nodes} | {str(s) for e in nodes.values() for s in e.free_symbols})
    part.add(name, mo.Partial(output, v), rule=WHAT_IS_ASKED.at(label=label), check=False, define=True)
    routes = paths(nodes, v, output)
    if not routes:
        part.add(name, sp.Integer(0), rule=OUTPUT_INDEPENDENT.at(name=str(v)), value=truth)
        return part, Answer(truth)
    symbolic = [mo.Times(*[edge(nodes, a, b) for a, b in zip(r, r[1:])], mo.Partial(output, output))
                for r in routes]
    rule = CHAIN_RULE_OVER_PATHS.at(count=len(routes)) if len(routes) > 1 else CHAIN_RULE
    part.add(name, sp.Add(*symbolic, evaluate=False) if len(symbolic) > 1 else symbolic[0], rule=rule,
             value=truth)
    seen = set()
    for route in routes:
        for a, b in zip(route, route[1:]):
            if (a, b) in seen:
                continue
            seen.add((a, b))
            local = mo.conventional_diff(nodes[b], a)
            number = at(local)
            if kink_at(nodes[b], values):  # the symbolic form does not hold at a kink: its number only
                part.add(edge(nodes, a, b), number, given=(b, nodes[b]), value=local, assume=dict(values),
                         rule=then(gate_rule(nodes[b]), AT_ITS_KINK))
                continue
            part.add(edge(nodes, a, b), local, chain=[number] if number != local else [],
                     given=(b, nodes[b]), rule=gate_rule(nodes[b]), value=local, assume=dict(values))
    part.add(mo.Partial(output, output), sp.Integer(1), rule=AS_GIVEN, value=sp.Integer(1))
    numeric = [mo.Times(*[at(mo.conventional_diff(nodes[b], a)) for a, b in zip(r, r[1:])], sp.Integer(1))
               for r in routes]
    part.add(name, sp.Add(*numeric, evaluate=False) if len(numeric) > 1 else numeric[0],
             rule=UPSTREAM_TIMES_LOCAL, value=truth)
    total = sum(mo.value_of(t) for t in numeric)
    total = total if total.has(sp.Float) else tidy(total)
    part.add(name, total, therefore=True, value=truth)
    return part, Answer(total, description=f"d{output}/d{v}")


def describe(problem) -> str:
    inputs, nodes, output = build_graph(problem)
    graph = ", ".join(f"${tex(n)} = {tex(e)}$" for n, e in nodes.items())
    given = ", ".join(f"${tex(k)} = {tex(v)}$" for k, v in inputs.items())
    asked = ", ".join(f"({label}) $\\dfrac{{\\partial {tex(output)}}}{{\\partial {tex(mo.real(target))}}}$"
                      for label, target in problem.fields.ask.items())
    return (f"Consider the computational graph {graph} with {given}. Compute the forward pass"
            + (f" and the gradients {asked}." if asked else "."))


def _reproduced(terms, result) -> bool:
    """Whether the row's arithmetic done with its printed factors prints as its printed result (else the row
    says it with \\approx: one rounding per key, and no row contradicting itself)."""
    from ...printer import printed_value

    factors = [(printed_value(local), printed_value(up)) for _, local, up in terms]
    if not terms or any(a is None or b is None for a, b in factors):
        return True
    return tex(sum(a * b for a, b in factors)) == tex(result)
