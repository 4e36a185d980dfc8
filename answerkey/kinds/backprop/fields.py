"""kind: backprop -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

from typing import Literal

import sympy as sp

from ... import mathobj as mo
from ...diffsteps import tidy
from ...errors import Diagnostic, SpecError
from ...expr import Scope
from ..common import Expr, Fields, Name, Number


class BackpropFields(Fields):
    graph: dict[Name, Expr]
    inputs: dict[Name, Number]
    output: Name | None = None
    ask: dict[Name, Name] = {}
    learning_rate: Number | None = None  # with update: one gradient-descent step of those inputs
    update: list[Name] = []
    layout: Literal["auto", "equations", "tables"] = "auto"  # auto: tables for graphs of more than 10 names


DIGITS = 30


def build_graph(problem):
    """Parse the nodes in order; return (inputs {symbol: value}, nodes {symbol: expr}, output symbol)."""
    c = problem.fields
    if not c.graph:
        raise problem.error("graph", "the graph has no nodes")
    numeric = any(isinstance(v, float) for v in c.inputs.values())
    inputs = {mo.real(k): sp.Float(repr(v), DIGITS) if numeric else sp.Integer(v) for k, v in c.inputs.items()}
    nodes: dict[sp.Symbol, sp.Expr] = {}
    names = list(c.graph)
    diagnostics = []
    for name in c.inputs:
        if name in c.graph:
            diagnostics.append(Diagnostic(problem.where("graph", name), f"'{name}' is both an input and a node"))
    for position, (name, text) in enumerate(c.graph.items()):
        known = set(c.inputs) | set(names[:position])
        try:
            e = problem.expr(("graph", name), Scope(known=known))
        except SpecError as exc:
            later = [n for n in names[position:] if n in str(text)]
            d = exc.diagnostics[0]
            if later:
                d = Diagnostic(d.where, d.message + f" (nodes are evaluated in order; '{later[0]}' "
                                                    f"{'is this node itself: a cycle' if later[0] == name else 'comes later'})")
            diagnostics.append(d)
            continue
        if e.has(sp.Indexed) or e.has(sp.MatrixSymbol):
            diagnostics.append(Diagnostic(problem.where("graph", name), "a node is a scalar expression"))
            continue
        nodes[mo.real(name)] = e
    output = c.output or names[-1]
    if output not in c.graph:
        diagnostics.append(Diagnostic(problem.where("output"), f"'{output}' is not a node of the graph",
                                      "nodes: " + ", ".join(names)))
    for label, target in c.ask.items():
        if target not in c.graph and target not in c.inputs:
            diagnostics.append(Diagnostic(problem.where("ask", label), f"'{target}' is not an input or node",
                                          "inputs and nodes: " + ", ".join(list(c.inputs) + names)))
        if label == "output":
            diagnostics.append(Diagnostic(problem.where("ask", label), "'output' is the label of the forward "
                                                                        "value; choose another label"))
    for position, name in enumerate(c.update):
        if name not in c.inputs:
            diagnostics.append(Diagnostic(problem.where("update", position), f"'{name}' is not an input",
                                          "update lists inputs (weights) to take a gradient step on"))
    if c.update and c.learning_rate is None:
        diagnostics.append(Diagnostic(problem.where("update"), "update needs a learning_rate"))
    if c.learning_rate is not None and not c.update:
        diagnostics.append(Diagnostic(problem.where("learning_rate"), "a learning_rate without update does "
                                                                       "nothing", "list the inputs to update, "
                                                                                  "e.g. update: [w1, w2]"))
    if c.learning_rate is not None and c.learning_rate <= 0:
        diagnostics.append(Diagnostic(problem.where("learning_rate"), "the learning rate must be positive"))
    if diagnostics:
        raise SpecError(diagnostics)
    return inputs, nodes, mo.real(output)


def context(problem):
    """The graph as the spec defines it: each node an expression of its arguments; inputs are names."""
    from ...reader import Context

    inputs, nodes, output = build_graph(problem)
    ctx = Context()
    for s in inputs:
        ctx.scalars[s.name] = s
    for n, e in nodes.items():
        ctx.nodes[n.name] = (n, e)
    ctx.values = dict(inputs)
    return ctx


def forward(inputs, nodes):
    """The graph evaluated exactly (or in 30 digits for decimal inputs): (values of every input and node,
    the first node without a real value or None)."""
    values = dict(inputs)
    numeric = any(v.is_Float for v in inputs.values())
    for node, e in nodes.items():
        value = sp.N(e.subs(values), DIGITS) if numeric else tidy(e.subs(values))
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_real:
            return values, node
        values[node] = value
    return values, None


def node_values(problem) -> dict:
    """The forward value of each node, by its name (a where: condition's node.q, or q)."""
    inputs, nodes, _ = build_graph(problem)
    values, _ = forward(inputs, nodes)
    return {n.name: values[n] for n in nodes if n in values}


def entries(raw: dict, path: tuple):
    """The names `inputs` may give a value (--set 4.inputs.w=7): the names the graph's nodes use that are
    no node; other mappings: None (any key)."""
    import ast

    from ...expr import CONSTANTS, FUNCTIONS, SPECIAL

    if path != ("inputs",) or not isinstance(raw.get("graph"), dict):
        return None
    graph = raw["graph"]
    used = []
    for text in graph.values():
        try:
            tree = ast.parse(str(text), mode="eval")
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id not in graph and node.id not in used \
                    and node.id not in FUNCTIONS and node.id not in SPECIAL and node.id not in CONSTANTS:
                used.append(node.id)
    return used
