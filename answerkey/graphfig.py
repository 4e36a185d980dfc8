"""The figure of a computational graph, laid out in layers from the inputs to the output.

Everything is computed here: positions, the operation shown in each gate, the forward value above each
wire and the gradient below it (the two-colour convention of the classic backprop notes); the template
`templates/figure.tex` only places them. The question sheet shows the same figure without gradients,
with the asked labels (a), (b), ... where the gradients would be.
"""
from __future__ import annotations

import sympy as sp
from pylatex.utils import NoEscape

from . import mathobj as mo
from .printer import tex
from .standin import simplify

X_STEP = 3.4  # cm between layers
Y_STEP = 1.8  # cm between nodes of a layer
MAX_WIDTH = 15.0  # cm: wider figures are scaled down to the text width
LABELLED_UP_TO = 12  # names: larger graphs are drawn without values on the wires (their tables have them)


def gate_label(expr) -> str:
    """The operation a node applies, as the gate shows it."""
    if isinstance(expr, sp.Add):
        return "+"
    if isinstance(expr, sp.Mul):
        if any(isinstance(a, sp.Pow) and a.exp == -1 for a in expr.args):
            return r"\div"
        if len(expr.args) == 2 and expr.args[0] == -1:
            return "-"
        if expr.args[0].is_number and len(expr.args) == 2:
            return rf"\times {tex(expr.args[0])}"
        return r"\times"
    if isinstance(expr, sp.Pow):
        return r"\div" if expr.exp == -1 else f"^{{{tex(expr.exp)}}}"
    names = {sp.exp: r"\exp", sp.log: r"\log", sp.tanh: r"\tanh", mo.sigmoid: r"\sigma",
             mo.relu: r"\mathrm{relu}", sp.Max: r"\max", sp.Min: r"\min", sp.Abs: "|\\cdot|"}
    for func, label in names.items():
        if isinstance(expr, func):
            return label
    return "f"


SPREAD_ABOVE = 6  # more inputs than this: each is drawn beside the gate that first uses it


def layout(inputs, nodes) -> dict:
    """(x, y) in cm for every input and node: layer = 1 + the deepest operand; barycentric order.

    A graph with many inputs (a network's weights and biases) would stack them all in the first column,
    with long crossing wires; there each input goes to the column just before its first consumer, and the
    columns are ordered by a few sweeps of the barycentre of their neighbours (Sugiyama's heuristic)."""
    layer = {s: 0 for s in inputs}
    for node, expr in nodes.items():
        parents = [p for p in expr.free_symbols if p in layer]
        layer[node] = 1 + max((layer[p] for p in parents), default=0)
    spread = len(inputs) > SPREAD_ABOVE
    consumers = {s: [n for n, e in nodes.items() if s in e.free_symbols] for s in layer}
    if spread:
        for s in inputs:
            if consumers[s]:
                layer[s] = min(layer[n] for n in consumers[s]) - 1
    columns: dict[int, list] = {}
    for s in layer:
        columns.setdefault(layer[s], []).append(s)
    y: dict = {}

    def place(members):
        count = len(members)
        for i, s in enumerate(members):
            y[s] = ((count - 1) / 2 - i) * Y_STEP

    def mean(values, default):
        return sum(values) / len(values) if values else default

    for col in sorted(columns):  # first sweep: each column by the barycentre of what feeds it
        members = columns[col]
        if col > 0:
            members = sorted(members, key=lambda s: -mean(
                [y[p] for p in (nodes[s].free_symbols if s in nodes else ()) if p in y], 0))
        columns[col] = members
        place(members)
    if spread:  # more sweeps, over both neighbours: inputs join the gates they feed
        for _ in range(4):
            for col in sorted(columns):
                neighbours = {s: [y[p] for p in (nodes[s].free_symbols if s in nodes else ()) if p in y]
                              + [y[n] for n in consumers[s]] for s in columns[col]}
                columns[col] = sorted(columns[col], key=lambda s: -mean(neighbours[s], y[s]))
                place(columns[col])
    return {s: (round(layer[s] * X_STEP, 2), round(y[s], 2)) for col in sorted(columns) for s in columns[col]}


def figure(inputs, nodes, output, values, gradients, ask: dict) -> dict:
    """The view of the figure: nodes, wires with their value and gradient, and the asked labels."""
    position = layout(inputs, nodes)
    ids = {s: f"n{i}" for i, s in enumerate(position)}
    asked = {}
    for label, target in ask.items():
        asked.setdefault(mo.real(target), []).append(label)
    out_nodes = []
    for s, (x, y) in position.items():
        gate = s in nodes
        out_nodes.append({"ref": NoEscape(f"({ids[s]})"), "at": NoEscape(f"({x},{y})"), "style": "gate" if gate else "leaf",
                          "text": NoEscape(gate_label(nodes[s]) if gate else tex(s)),
                          "name": NoEscape(tex(s)) if gate else None,
                          "asked": ", ".join(f"({lab})" for lab in asked.get(s, [])) or None,
                          "total": NoEscape(_number(gradients[s]))})
    wires = []
    for node, expr in nodes.items():
        # top to bottom, ties by name: free_symbols is a set, whose order changes from run to run
        for source in sorted(expr.free_symbols, key=lambda p: (-position[p][1] if p in position else 0, str(p))):
            if source not in position:
                continue
            local = sp.diff(expr, source).subs(values)
            contribution = simplify(local * gradients[node])
            wires.append(_wire(ids[source], ids[node], values[source], contribution, given=source in inputs))
    x, y = position[output]
    stub = {"at": NoEscape(f"({round(x + X_STEP * 0.8, 2)},{y})")}
    wires.append(_wire(ids[output], "out", values[output], sp.Integer(1), given=False))
    width = max(px for px, _ in position.values()) + X_STEP * 0.8 + 1.0
    return {"nodes": out_nodes, "wires": wires, "stub": stub, "scale": round(min(1.0, MAX_WIDTH / width), 3),
            "labels": len(position) <= LABELLED_UP_TO}


def _number(value) -> str:
    return tex(value if not value.is_number or value.is_Rational else value.evalf(4))


def _wire(a, b, value, gradient, given: bool) -> dict:
    """A wire from a to b: the forward value of a above it, the gradient it carries back below."""
    return {"src": f"({a})", "dst": f"({b})", "given": given,
            "value": NoEscape(_number(value)),
            "gradient": NoEscape(_number(gradient))}
