"""Issue 16, item 1: the backprop figure's texts (node names, asked labels, forward values above the wires,
gradients below them) never overlap one another, a node or a wire, on the key and on the question sheet,
for the shipped graphs and for random graphs; the estimated boxes contain what TeX sets.

The checks here are the test's own: a separating-axis test of a box against a segment (graphfig clips
segments with Liang-Barsky), values and gradients computed by SymPy from the fully composed expression."""
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp
import yaml
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from answerkey import graphfig
from answerkey import mathobj as mo
from answerkey.build import load_spec

ROOT = Path(__file__).resolve().parent.parent
CLEAR = 0.04  # cm: the least clearance asserted (graphfig keeps at least 0.08)


# --- the test's own geometry ------------------------------------------------------------------------------

def rect(box) -> list:
    x0, y0, x1, y1 = box
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def meet(p, q, clear=CLEAR) -> bool:
    """Whether two convex polygons (a segment: two points) come nearer than clear: the test's own
    separating-axis check, over every edge normal and a segment's direction."""
    axes = []
    for shape in (p, q):
        edges = list(zip(shape, shape[1:] + shape[:1])) if len(shape) > 2 else [tuple(shape)]
        for (ax, ay), (bx, by) in edges:
            n = (by - ay, ax - bx)
            axes.append(n)
            if len(shape) == 2:
                axes.append((bx - ax, by - ay))
    for nx, ny in axes:
        length = (nx * nx + ny * ny) ** 0.5
        pa = [(nx * x + ny * y) / length for x, y in p]
        qa = [(nx * x + ny * y) / length for x, y in q]
        if max(pa) + clear <= min(qa) or max(qa) + clear <= min(pa):
            return False
    return True


def collisions(fig, sheet) -> list[str]:
    """Every pair that meets: two texts, a text and a node, a text and a wire, a wire and a node it does
    not join."""
    scene = graphfig.scene_boxes(fig, sheet)
    texts, nodes, wires = scene["texts"], scene["nodes"], scene["wires"]
    found = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if meet(a["corners"], b["corners"]):
                found.append(f"text {a['text']!r} meets text {b['text']!r}")
        for ref, box in nodes.items():
            if meet(a["corners"], rect(box)):
                found.append(f"text {a['text']!r} meets node {ref}")
        for src, dst, pts in wires:
            if any(meet(a["corners"], [p, q]) for p, q in zip(pts, pts[1:])):
                found.append(f"text {a['text']!r} ({a['style']} of {a['owner']}) meets the wire {src}->{dst}")
    for src, dst, pts in wires:
        for ref, box in nodes.items():
            if ref not in (src, dst) and any(meet(rect(box), [p, q], 0.0) for p, q in zip(pts, pts[1:])):
                found.append(f"the wire {src}->{dst} crosses node {ref}")
    return found


# --- figures of graphs ------------------------------------------------------------------------------------

def truths(inputs, nodes, output):
    """Forward values by substitution; d output / d name from the output composed down to the inputs with
    the name held as a variable (SymPy's own diff)."""
    values = dict(inputs)
    for n, e in nodes.items():
        values[n] = e.subs(values)
    order = list(nodes)
    grads = {}
    for s in [*inputs, *nodes]:
        e = output
        for n in reversed(order):
            if n != s:
                e = e.subs(n, nodes[n])
        grads[s] = sp.diff(e, s).subs(values)
    return values, grads


def figure_of(graph: dict, inputs: dict, ask: dict, output=None):
    """Decimal inputs as the kind reads them (30 digits), whole ones exact."""
    numeric = any(isinstance(v, float) for v in inputs.values())
    ins = {mo.real(k): sp.Float(repr(v), 30) if numeric else sp.Integer(v) for k, v in inputs.items()}
    names = {k: mo.real(k) for k in [*inputs, *graph]}
    nodes = {mo.real(k): sp.sympify(v, locals={**names, "sigmoid": mo.sigmoid, "relu": mo.relu}) for k, v in
             graph.items()}
    out = mo.real(output or list(graph)[-1])
    values, grads = truths(ins, nodes, out)
    return graphfig.figure(ins, nodes, out, values, grads, ask)


def shipped_graphs():
    """dl-hw2's backprop problem, network.yaml, the backprop kind's example and cases graphs, and the
    backprop specs of issue 12's review."""
    found = []
    for spec in ("problems/dl-hw2.yaml", "problems/network.yaml", "answerkey/kinds/backprop/example.yaml",
                 "tests/specs/issue12/bpmax.yaml", "tests/specs/issue12/bpqq.yaml", "tests/specs/issue12/review-b6.yaml"):
        for problem in load_spec(ROOT / spec).problems:
            if problem.kind.name == "backprop":
                c = problem.fields
                found.append((f"{spec}:{problem.id}", dict(c.graph), dict(c.inputs), dict(c.ask), c.output))
    cases = yaml.safe_load((ROOT / "answerkey/kinds/backprop/cases.yaml").read_text(encoding="utf-8"))
    for i, case in enumerate(cases):
        if "error" not in case:
            p = case["problem"]
            found.append((f"cases.yaml:{i}", p["graph"], p["inputs"], p.get("ask", {}), p.get("output")))
    return found


SHIPPED = shipped_graphs()


@pytest.mark.parametrize("name,graph,inputs,ask,output", SHIPPED, ids=[s[0] for s in SHIPPED])
def test_shipped_figures_have_no_collisions(name, graph, inputs, ask, output):
    fig = figure_of(graph, inputs, ask, output)
    assert fig["geometry"]["misses"] == 0
    for sheet in ("key", "questions"):
        assert collisions(fig, sheet) == [], sheet


def test_the_dl_hw2_figure_shows_each_number_once_in_its_place():
    """The homework's graph: every wire's value above it and gradient below, the asked labels with the
    gradients SymPy finds, and the question sheet without gradients but with the labels."""
    fig = figure_of({"q": "x*y", "f": "q*z"}, {"x": -2, "y": 5, "z": 3}, {"a": "x", "b": "y", "c": "z", "d": "q"})
    texts = fig["geometry"]["texts"]
    asked = sorted(t["key"] for t in texts if t["style"] == "asked")
    assert asked == [r"\textbf{(a)}\,$= 15$", r"\textbf{(b)}\,$= -6$", r"\textbf{(c)}\,$= -10$",
                     r"\textbf{(d)}\,$= 3$"]
    values = sorted(t["key"] for t in texts if t["style"] == "value")
    assert values == sorted(["$-2$", "$5$", "$-10$", "$3$", "$-30$"])
    gradients = sorted(t["key"] for t in texts if t["style"] == "gradient")
    assert gradients == sorted(["$15$", "$-6$", "$3$", "$-10$", "$1$"])
    wires = {(s, d): pts for s, d, pts in fig["geometry"]["wires"]}
    for t in texts:
        if t["style"] in ("value", "gradient"):
            src, dst = t["owner"].split("-")
            (ax, ay), (bx, by) = wires[(src, dst)][0], wires[(src, dst)][-1]
            x, y = t["at"]
            line = ay + (by - ay) * (x - ax) / (bx - ax)
            assert (y > line) == (t["style"] == "value"), t  # values above their wire, gradients below
    questions = graphfig.scene_boxes(fig, "questions")["texts"]
    assert not [t for t in questions if t["style"] == "gradient"]
    assert sorted(t["text"] for t in questions if t["style"] == "asked") == [r"\textbf{(%s)}" % c for c in "abcd"]
    assert sorted(t["text"] for t in questions if t["style"] == "value") == ["$-2$", "$3$", "$5$"]  # the inputs


def test_a_wire_that_would_cross_a_node_is_bent_around_it():
    """x feeds q = exp(x) and f = q x: in a row, the straight wire x -> f would run through q."""
    fig = figure_of({"q": "exp(x)", "f": "q*x"}, {"x": 1}, {"a": "x"})
    bent = [pts for s, d, pts in fig["geometry"]["wires"] if len(pts) > 2]
    assert bent
    assert collisions(fig, "key") == []


def test_the_template_places_each_text_at_its_computed_place():
    """Through the templates' own environment (which escapes plain strings): level and sloped texts at
    their coordinates and angles."""
    fig = figure_of({"p": "2*x", "q": "x*y", "r": "exp(x)", "f": "p + q*r"}, {"x": 1, "y": -2}, {"a": "x"})
    assert any(t["angle"] for t in fig["geometry"]["texts"])  # this fan needs a label sloped along its wire
    from answerkey.render import environment

    key = environment().get_template("figure.tex").render(figure=fig, gradients=True)
    questions = environment().get_template("figure.tex").render(figure=fig, gradients=False)
    for t in fig["geometry"]["texts"]:
        x, y = t["at"]
        place = f"{'left,' if t['anchor'] == 'west' else ''}at={{\\pgfpointxy{{{x}}}{{{y}}}}}" \
            + (f",rotate={t['angle']}" if t["angle"] else "")
        assert f"\\pgftext[{place}]{{\\answerkeyfig{t['style']}{{{t['key']}}}}}" in key
        if t["questions"]:
            assert f"\\pgftext[{place}]{{\\answerkeyfig{t['style']}{{{t['questions']}}}}}" in questions
    assert r"\textbf{(a)}\,$=" not in questions and "{-}" not in key


# --- random graphs ----------------------------------------------------------------------------------------

UNARY = ["exp({})", "log(1 + ({})**2)", "sigmoid({})", "relu({})", "tanh({})", "({})**2", "3*{}", "-{}"]
BINARY = ["{} + {}", "{} * {}", "max({}, {})", "{} - {}", "{} / (1 + ({})**2)"]
UNARY_EXACT = ["relu({})", "({})**2", "3*{}", "-{}", "{}/2"]


@st.composite
def graphs(draw):
    """A random DAG as the backprop kind takes it: a few inputs (sometimes many, like a network's weights),
    nodes of + * max exp log sigmoid relu tanh over earlier names, the last node the output."""
    many = draw(st.booleans()) and draw(st.booleans())
    exact = draw(st.booleans())  # whole inputs, exact values (fractions); else decimals in 30 digits
    count = draw(st.integers(7, 10)) if many else draw(st.integers(1, 4))
    inputs = {f"x{i}": draw(st.integers(-4, 4)) if exact else draw(st.integers(-6, 6)) / 2 for i in range(count)}
    unary = UNARY_EXACT if exact else UNARY
    graph = {}
    for j in range(draw(st.integers(1, 5 if many else 8))):
        known = [*inputs, *graph]
        if draw(st.booleans()):
            a, b = draw(st.sampled_from(known)), draw(st.sampled_from(known))
            graph[f"n{j}"] = draw(st.sampled_from(BINARY)).format(a, b)
        else:
            graph[f"n{j}"] = draw(st.sampled_from(unary)).format(draw(st.sampled_from(known)))
    if many:  # a weighted sum of every input, like a layer
        graph["s"] = " + ".join(f"{k}*{list(graph)[-1]}" for k in inputs)
    names = [*inputs, *graph]
    ask = {chr(97 + i): n for i, n in enumerate(draw(st.lists(st.sampled_from(names), max_size=4, unique=True)))}
    return graph, inputs, ask


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_have_no_collisions(case):
    graph, inputs, ask = case
    try:
        fig = figure_of(graph, inputs, ask)
    except (TypeError, ValueError, ZeroDivisionError):  # a value the kind would reject (not a real number)
        assume(False)
    for sheet in ("key", "questions"):
        assert collisions(fig, sheet) == [], (graph, inputs, ask, sheet)


# --- TeX's own boxes --------------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="TeX is installed by `make test`")
def test_the_estimated_boxes_contain_what_tex_sets(tmp_path):
    """Every text of the shipped figures and of a few random ones, set by TeX at the figure's font sizes:
    the estimate is at least TeX's box and not much more (else the figure would sprawl)."""
    rng = random.Random(3)
    figs = [figure_of(g, i, a, o) for _, g, i, a, o in SHIPPED]
    for _ in range(4):
        inputs = {"x": rng.randint(-3, 3), "y": rng.randint(-3, 3)}
        graph = {"p": "exp(x) / (1 + y**2)", "q": "p*x", "r": "sigmoid(q) + relu(y)", "f": "log(1 + r**2)"}
        figs.append(figure_of(graph, inputs, {"a": "x", "b": "q"}))
        graph = {"p": "x / (1 + y**2)", "q": "max(p, y)/3", "w_1": "q*x - y", "L": "w_1**2"}  # fractions
        figs.append(figure_of(graph, inputs, {"a": "x", "b": "y", "c": "w_1"}))
    items = {}
    for fig in figs:
        for t in fig["geometry"]["texts"]:
            pt = graphfig.NAME_PT if t["style"] == "name" else graphfig.LABEL_PT
            for text in {t["key"], t["questions"]} - {""}:
                items[(text, pt)] = graphfig.text_size(text, pt)
        for n in fig["nodes"]:
            items[(f"${n['text']}$", graphfig.GATE_PT)] = graphfig.text_size(f"${n['text']}$", graphfig.GATE_PT)
    body = []
    for i, (text, pt) in enumerate(items):
        body.append(rf"\setbox0=\hbox{{\fontsize{{{pt}}}{{{pt * 1.2:.2f}}}\selectfont {text}}}"
                    rf"\typeout{{BOX {i} \the\wd0 \space \the\ht0 \space \the\dp0}}")
    (tmp_path / "m.tex").write_text("\\documentclass[11pt]{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
                                    + "\n".join(body) + "\n\\end{document}\n", encoding="utf-8")
    log = subprocess.run(["pdflatex", "-interaction=nonstopmode", "m.tex"], cwd=tmp_path, capture_output=True,
                         text=True).stdout
    measured = {int(m[1]): [float(v) * graphfig.PT for v in m.groups()[1:]]
                for m in re.finditer(r"BOX (\d+) ([\d.]+)pt ([\d.]+)pt ([\d.]+)pt", log)}
    assert len(measured) == len(items)
    small, large = [], []
    for i, ((text, pt), (w, h)) in enumerate(items.items()):
        tw, th, td = measured[i]
        if tw > w or th + td > h:
            small.append((text, pt, (w, h), (tw, th + td)))
        if w > 1.3 * tw + 0.12 or h > 1.3 * (th + td) + 0.25:  # every text is given a line's height
            large.append((text, pt, (w, h), (tw, th + td)))
    assert small == [] and large == []


class _Operands:
    """A node's expression as graphfig.layout reads it (its free symbols), with those in a chosen order:
    the order a set of SymPy symbols has in one run (it changes with the hash seed)."""

    def __init__(self, symbols):
        self.free_symbols = list(symbols)


def test_the_layout_is_the_same_whatever_order_a_node_lists_its_operands():
    """A network whose columns have ties broken by averages of several heights: the figure (and so the key's
    bytes) must not depend on the order of a node's free symbols, which is a set's (the average was a float
    sum in that order, and one run in six laid this network out differently)."""
    import random

    names = {k: mo.real(k) for k in "x1 x2 w1 w2 w3 w4 v1 v2 t h1 h2 a1 a2 o e L".split()}
    graph = {"h1": "w1*x1 + w2*x2", "h2": "w3*x1 + w4*x2", "a1": "relu(h1)", "a2": "sigmoid(h2)",
             "o": "v1*a1 + v2*a2", "e": "(o - t)**2", "L": "e/2"}
    inputs = [names[k] for k in "x1 x2 w1 w2 w3 w4 v1 v2 t".split()]
    exprs = {names[k]: sp.sympify(v, locals={**names, "sigmoid": mo.sigmoid, "relu": mo.relu})
             for k, v in graph.items()}
    rng = random.Random(5)
    layouts = set()
    for _ in range(40):
        nodes = {}
        for node, expr in exprs.items():
            operands = sorted(expr.free_symbols, key=str)
            rng.shuffle(operands)
            nodes[node] = _Operands(operands)
        layouts.add(tuple(sorted((str(s), p) for s, p in graphfig.layout(inputs, nodes).items())))
    assert len(layouts) == 1
    (layout,) = layouts
    assert {name for name, _ in layout} == set(names)


def test_two_level_rectangles_are_apart_as_the_separating_axis_loop_says_to_the_last_bit():
    """graphfig.apart decides two level rectangles (nodes, level texts) from their boxes, without its
    separating-axis loop: it must answer what the loop answers for the same rectangles (given from another
    corner, which takes the loop), also where they are exactly the gap apart and rounding decides, so that a
    figure is laid out as before the shortcut."""
    rng = random.Random(3)
    grid = [k / 8 for k in range(-16, 17)] + [0.1, 0.3, 0.7, 0.04, 0.08, 0.12]
    cases = [([(-0.76, -0.8385), (-0.24, -0.8385), (-0.24, 0.9185), (-0.76, 0.9185)],
              [(-0.12000000000000001, -0.1975), (1.4, -0.1975), (1.4, 1.4475), (-0.12000000000000001, 1.4475)], 0.12)]
    for _ in range(20000):
        w, h, w2, h2 = (rng.choice(grid[20:]) + 0.02 for _ in range(4))
        p = graphfig.corners(rng.choice(grid), rng.choice(grid), w, h)
        x0, y0, x1, y1 = graphfig._bbox(p)
        gap = rng.choice([0.0, 0.04, 0.08, 0.12])
        cx, cy = rng.choice([(x1 + gap + w2 / 2, rng.choice(grid)), (rng.choice(grid), y1 + gap + h2 / 2),
                             (x0 - gap - w2 / 2, rng.choice(grid)), (rng.choice(grid), rng.choice(grid))])
        cases.append((p, graphfig.corners(round(cx, 3) if rng.random() < 0.5 else cx, cy, w2, h2), gap))
    differ = []
    for p, q, gap in cases:
        assert graphfig._level(p) and graphfig._level(q)
        looped = [p[0], p[3], p[2], p[1]]  # the same rectangle from another corner: not level to _level
        assert not graphfig._level(looped)
        if (graphfig.apart(p, q, gap), graphfig.apart(q, p, gap)) != (graphfig.apart(looped, q, gap),
                                                                        graphfig.apart(q, looped, gap)):
            differ.append((p, q, gap))
    assert differ == []


def test_a_kept_layout_gives_the_figure_a_fresh_layout_gives():
    """graphfig keeps each layout by the texts' sizes (variants whose numbers print as wide share one): a
    figure built on a kept layout is the figure built afresh, its own numbers at the shared places, and
    numbers of other widths get a layout of their own."""
    graph = {"q": "x * y", "f": "q * z"}
    ask = {"a": "x", "b": "y", "c": "z", "d": "q"}
    draws = [{"x": -2, "y": 5, "z": 3}, {"x": -2, "y": 7, "z": 4}, {"x": 2, "y": -5, "z": -3},
             {"x": -1, "y": 1, "z": 1}]
    graphfig._arranged.cache_clear()
    kept = [figure_of(graph, inputs, ask) for inputs in draws]
    assert graphfig._arranged.cache_info().hits >= 1  # -2, 5, 3 and -2, 7, 4: every number as wide
    for inputs, fig in zip(draws, kept):
        graphfig._arranged.cache_clear()
        assert figure_of(graph, inputs, ask) == fig
    texts = [[t["key"] for t in fig["geometry"]["texts"]] for fig in kept[:2]]
    assert texts[0] != texts[1] and "$-10$" in texts[0] and "$-14$" in texts[1]
    assert kept[0]["geometry"]["texts"][0]["at"] == kept[1]["geometry"]["texts"][0]["at"]
