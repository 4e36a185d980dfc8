"""The figure of a computational graph, laid out in layers from the inputs to the output.

Everything is computed here: positions, the operation shown in each gate, the forward value above each
wire and the gradient below it (the two-colour convention of the classic backprop notes); the template
`templates/figure.tex` only places them. The question sheet shows the same figure without gradients,
with the asked labels (a), (b), ... where the gradients would be.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import math

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

    def mean(values, default):  # fsum: the same to the last bit in any order (free_symbols is a set)
        return math.fsum(values) / len(values) if values else default

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


# --- the figure's texts, measured -------------------------------------------------------------------------
# Every text of the figure has a box in cm, estimated from its characters at the figure's own font sizes
# (set in templates/figure.tex, whatever the document class): generous Computer Modern widths, so that the
# estimate contains what TeX sets (tests/test_figure_layout.py measures TeX's boxes against it).

PT = 2.54 / 72.27  # cm per TeX point
GATE_PT, LABEL_PT, NAME_PT = 10.95, 10.0, 9.0  # the gates' and leaves' text, the wires' labels, the gates' names
GAP = 0.08  # cm: the least clearance between a text and a node or its own wire
TEXT_GAP = 0.12  # cm: between two texts
FAR_GAP = 0.22  # cm: between a wire's label and any other wire (it reads as its own wire's)
LEAF_SEP, GATE_SEP, LINE = 2.0, 1.0, 0.8  # pt: a leaf's and a gate's inner sep, the thick line
GATE_MIN = 0.4  # cm: a gate's least radius (minimum size 8mm)

_ITALIC = {"m": 0.88, "w": 0.72, "M": 0.98, "W": 1.05, "N": 0.81, "X": 0.83, "H": 0.83, "K": 0.85, "Q": 0.8,
           "D": 0.83, "V": 0.8, "U": 0.8, "Y": 0.8}
_ROMAN = {"m": 0.84, "w": 0.73, "M": 0.92, "W": 1.03, "(": 0.39, ")": 0.39, ",": 0.28, ".": 0.28, " ": 0.34,
          "i": 0.28, "l": 0.28, "j": 0.31, "t": 0.39, "f": 0.31, "r": 0.4}
SCRIPT = 0.82  # a script-size glyph's width to the text size's (cmr7 against cmr10: digits 4.07 pt / 5 pt)
_LOW = set("gjpqyf,;()[]|\\")  # glyphs reaching below the baseline
_BINARY = {"+": 0.778, "-": 0.778, "*": 0.5, "times": 0.778, "cdot": 0.278, "div": 0.778, "pm": 0.778,
           "mp": 0.778}
_RELATION = {"=": 0.778, "<": 0.778, ">": 0.778, "leq": 0.778, "geq": 0.778, "approx": 0.778, "neq": 0.778}
_SPACE = {",": 0.167, ":": 0.222, ";": 0.278, " ": 0.333, "quad": 1.0, "qquad": 2.0, "!": 0.0}
_WORDS = {"exp", "log", "ln", "max", "min", "tanh", "sin", "cos", "tan", "sinh", "cosh", "arctan"}
_SAME = {"mathrm": False, "mathit": None, "mathsf": False, "operatorname": False, "text": False, "textrm": False,
         "mathbf": "bold", "boldsymbol": "bold", "textbf": "bold-text"}


def _group(src: str, i: int) -> tuple[str, int]:
    """The argument starting at src[i] (a {group} or one character, spaces skipped): (text, index after)."""
    while i < len(src) and src[i] == " ":
        i += 1
    if i >= len(src):
        return "", i
    if src[i] == "{":
        depth = 0
        for j in range(i, len(src)):
            depth += {"{": 1, "}": -1}.get(src[j], 0)
            if depth == 0:
                return src[i + 1:j], j + 1
        return src[i + 1:], len(src)
    if src[i] == "\\":
        j = i + 1
        while j < len(src) and src[j].isalpha():
            j += 1
        return src[i:max(j, i + 2)], max(j, i + 2)
    return src[i], i + 1


def measure(src: str, math: bool = False) -> tuple[float, float, float]:
    """(width, height, depth) in em of LaTeX source (text with $math$), a generous estimate."""
    w = h = d = 0.0
    operand = False  # whether the last atom could be the left operand of a binary operator
    i = 0

    def atom(width, height=0.7, depth=0.0, is_operand=True):
        nonlocal w, h, d, operand
        w += width
        h, d = max(h, height), max(d, depth)
        operand = is_operand

    while i < len(src):
        ch = src[i]
        if ch == "$":
            math, operand, i = not math, False, i + 1
        elif ch == "{":
            text, i = _group(src, i)
            atom(*measure(text, math))
        elif ch in "^_":
            text, i = _group(src, i + 1)
            sw, sh, sd = measure(text, math)
            w += SCRIPT * sw + 0.06
            if ch == "^":
                h, d = max(h, 0.45 + 0.7 * sh), max(d, 0.7 * sd - 0.3)
            else:
                h, d = max(h, 0.7 * sh - 0.1), max(d, 0.3 + 0.7 * sd)
            operand = True
        elif ch == "\\":
            name, i = _group(src, i)
            name = name[1:]
            if name == "frac":
                num, i = _group(src, i)
                den, i = _group(src, i)
                nw, nh, nd = measure(num, True)
                dw, dh, dd = measure(den, True)
                atom(SCRIPT * max(nw, dw) + 0.3, 0.5 + 0.7 * (nh + nd), 0.45 + 0.7 * (dh + dd))
            elif name in _SAME:
                text, i = _group(src, i)
                mode = _SAME[name]
                sw, sh, sd = measure(text, math if mode is None else (mode in (None, "bold")) and math)
                atom(sw * (1.15 if mode and mode.startswith("bold") else 1.0), sh, sd)
            elif name in ("left", "right", "bigl", "bigr", "big"):
                text, i = _group(src, i)
                atom(0.45 if name.startswith("big") else 0.4, 0.85, 0.35, name != "left")
            elif name in _BINARY:
                atom(_BINARY[name] + (0.444 if operand and math else 0.0), 0.7, 0.1, False)
            elif name in _RELATION:
                atom(_RELATION[name] + 0.556, 0.7, 0.1, False)
            elif name in _SPACE:
                w += _SPACE[name]
            elif name in _WORDS:
                atom(0.56 * len(name) + 0.17, 0.7, 0.25)
            elif name in ("cdots", "ldots", "dots", "infty"):
                atom(1.0)
            elif name in ("{", "}", "%", "#", "&", "_"):
                atom(0.5, 0.75, 0.25)
            elif name == "|":
                atom(0.5, 0.75, 0.25)
            else:  # a Greek letter or a symbol
                atom(0.7, 0.7, 0.2)
        elif ch == " ":
            if not math:
                w += 0.34
            i += 1
        elif ch in "}":
            i += 1
        else:
            i += 1
            low = 0.25 if ch in _LOW else 0.0
            if math and ch in _BINARY:
                atom(_BINARY[ch] + (0.444 if operand else 0.0), 0.6, 0.1, False)
            elif math and ch in _RELATION:
                atom(_RELATION[ch] + 0.556, 0.6, 0.1, False)
            elif ch.isdigit():
                atom(0.5, 0.66)
            elif ch in ".,;:":
                atom(0.28, 0.45 if ch in ".," else 0.45, low, ch == ".")
            elif ch in "()[]|":
                atom(0.39 if ch in "()" else 0.28, 0.75, 0.25, ch in ")]")
            elif ch.isalpha() and math:
                atom(_ITALIC.get(ch, 0.75 if ch.isupper() else 0.6), 0.7, low)
            elif ch.isalpha():
                atom(_ROMAN.get(ch, 0.75 if ch.isupper() else 0.53), 0.7, low)
            else:
                atom(0.8, 0.75, 0.25)
    return w, h, d


def text_size(src: str, pt: float) -> tuple[float, float]:
    """(width, height) in cm of a text set at `pt` points, height including the depth (a node set with
    centred \\pgftext spans exactly this box around its coordinate, templates/figure.tex)."""
    w, h, d = measure(src)
    em = pt * PT
    return round(w * 1.04 * em + 0.02, 3), round((max(h, 0.7) + d) * 1.04 * em + 0.02, 3)


# --- geometry ---------------------------------------------------------------------------------------------
# A text is a rectangle, level or sloped along its wire; a node its box; a wire a polyline. Two shapes are
# apart when some axis (an edge's normal, or a segment's direction) separates their projections by the gap.

def corners(cx, cy, w, h, angle=0.0) -> list:
    """The corners of a w x h rectangle centred at (cx, cy), turned by angle degrees."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [(cx + c * dx - s * dy, cy + s * dx + c * dy) for dx, dy in
            ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))]


def _axes(shape):
    pairs = list(zip(shape, shape[1:] + shape[:1])) if len(shape) > 2 else [tuple(shape)]
    found = []
    for (ax, ay), (bx, by) in pairs:
        length = math.hypot(bx - ax, by - ay) or 1.0
        found.append((-(by - ay) / length, (bx - ax) / length))
        if len(shape) == 2:
            found.append(((bx - ax) / length, (by - ay) / length))
    return found


def _bbox(p) -> tuple:
    xs, ys = [x for x, _ in p], [y for _, y in p]
    return min(xs), min(ys), max(xs), max(ys)


def _near(a, b, gap) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def apart(p, q, gap=0.0, boxes=None) -> bool:
    """Whether two convex shapes (lists of points; two points: a segment) keep at least gap apart along
    one of their separating axes (a sufficient test: what it calls apart is). boxes: their bounding boxes,
    when known."""
    a, b = boxes or (_bbox(p), _bbox(q))
    if not _near(a, b, gap):
        return True
    if _level(p) and _level(q):  # two level rectangles: the loop's axes are x and y (above) and -x and -y
        return gap - a[0] <= -b[2] or gap - b[0] <= -a[2] or gap - a[1] <= -b[3] or gap - b[1] <= -a[3]
    for nx, ny in _axes(p) + _axes(q):
        a = [nx * x + ny * y for x, y in p]
        b = [nx * x + ny * y for x, y in q]
        if max(a) + gap <= min(b) or max(b) + gap <= min(a):
            return True
    return False


def _level(shape) -> bool:
    """A rectangle with level sides (corners() at angle 0, _rect): the same points as its bounding box, and
    (its sides not of length 0) the loop's axes in apart exactly x, -x, y and -y. apart reads the loop's
    comparisons off the boxes: on -x, -x0 + gap <= -x1' is not x1' + gap <= x0 once rounded."""
    return len(shape) == 4 and shape[0][1] == shape[1][1] and shape[1][0] == shape[2][0] \
        and shape[2][1] == shape[3][1] and shape[3][0] == shape[0][0] \
        and shape[0][0] != shape[1][0] and shape[1][1] != shape[2][1]


def box_at(cx, cy, w, h) -> tuple:
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _rect(box) -> list:
    return [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]


class _Scene:
    """The figure at one stretch of the layout: node boxes, wires (polylines), and the texts placed so far."""

    def __init__(self, position, node_size, stretch=1.0):
        self.position = position
        self.stretch = stretch  # the vertical stretch: a wire bent past a column keeps as far from it
        self.node_box = {s: box_at(x, y, *node_size[s]) for s, (x, y) in position.items()}
        self.node_shape = {s: _rect(b) for s, b in self.node_box.items()}
        self._segments: list[tuple] = []  # (wire index, [p, q], bounding box)
        self.wires: list[tuple] = []  # (source, target or None, [points])
        self.bends: dict = {}  # (column x, gap y): how many wires are bent through it
        self.texts: list[dict] = []
        self.misses = 0  # texts that could not be placed clear of everything
        self.crowded = 0  # wires' labels placed nearer another wire than FAR_GAP

    def free(self, shape, own=None) -> bool:
        """Whether a text's shape is clear of every node, text and wire; a wire's label (own: the index of
        its wire) keeps farther from the other wires than from its own."""
        box = _bbox(shape)
        for s, b in self.node_box.items():
            if _near(box, b, GAP) and not apart(shape, self.node_shape[s], GAP, (box, b)):
                return False
        for t in self.texts:
            if _near(box, t["bbox"], TEXT_GAP) and not apart(shape, t["shape"], TEXT_GAP, (box, t["bbox"])):
                return False
        for i, segment, b in self._segments:
            gap = GAP if own is None or own == i else FAR_GAP
            if _near(box, b, gap) and not apart(shape, segment, gap, (box, b)):
                return False
        return True

    def place(self, text: dict, candidates, own=None) -> None:
        """Put the text at the first free candidate (centre, angle); failing that at the first one clear of
        the wires at all (crowded), else at the first (a miss). An asked label is set from its left end
        (anchor west), so that the question sheet's shorter "(a)" starts where the key's "(a) = 15" does."""
        tried = []
        for cx, cy, angle in candidates:
            cx, cy, angle = round(cx, 3), round(cy, 3), round(angle, 2)
            shape = corners(cx, cy, *text["size"], angle)
            tried.append((cx, cy, angle, shape))
            if self.free(shape, own):
                break
        else:
            found = next((c for c in tried if self.free(c[3])), None)
            if found is None:
                self.misses += 1
                found = tried[0]
            else:
                self.crowded += 1
            cx, cy, angle, shape = found
        at = (round(cx - text["size"][0] / 2, 3), cy) if text.get("anchor") == "west" else (cx, cy)
        self.texts.append(dict(text, at=at, angle=angle, shape=shape, bbox=_bbox(shape)))

    def route(self, source, target, end):
        """A wire from source to the target (or the end point): straight, or bent through the free gap of a
        column whose node it would cross."""
        pts = [self.position[source], end]
        used = set()
        for _ in range(12):
            hit = None
            for s, b in self.node_shape.items():
                if s in (source, target):
                    continue
                if not all(apart([p, q], b, GAP) for p, q in zip(pts, pts[1:])):
                    hit = s
                    break
            if hit is None:
                break
            x = self.position[hit][0]
            k = next((k for k in range(len(pts) - 1) if pts[k][0] < x < pts[k + 1][0]), None)
            if k is None:  # a node of the wire's own first or last column: only a wider layout clears it
                self.misses += 1
                break
            (ax, ay), (bx, by) = pts[k], pts[k + 1]
            y_line = ay + (by - ay) * (x - ax) / (bx - ax)
            column = sorted((b for s, b in self.node_box.items() if abs(self.position[s][0] - x) < 1e-6),
                            key=lambda b: b[1])
            # the free gaps: below and above the column, between two of its nodes; wires already bent
            # through a gap pass beside one another, not on top of one another
            room = Y_STEP * self.stretch / 2
            gaps = [(column[0][1] - room, -1.0, 9.0), (column[-1][3] + room, 1.0, 9.0)]
            gaps += [((lo[3] + hi[1]) / 2, 1.0, (hi[1] - lo[3]) / 2 - 2 * GAP) for lo, hi in zip(column, column[1:])
                     if hi[1] - lo[3] > 4 * GAP]
            spots = []
            for y, way, half in gaps:
                n = self.bends.get((x, round(y, 3)), 0)
                offset = (way * BEND * n) if half > 9 - 1e-9 else ((-1) ** n) * BEND / 2 * ((n + 1) // 2)
                if abs(offset) <= half and (x, round(y, 3)) not in used:
                    spots.append((y + offset, round(y, 3)))
            if not spots:
                self.misses += 1
                break
            y, gap = min(spots, key=lambda g: abs(g[0] - y_line))
            used.add((x, gap))
            self.bends[(x, gap)] = self.bends.get((x, gap), 0) + 1
            pts.insert(k + 1, (x, round(y, 3)))
        self._segments += [(len(self.wires), [p, q], _bbox([p, q])) for p, q in zip(pts, pts[1:])]
        self.wires.append((source, target, pts))

    def around(self, s, size, directions, rings=5):
        """Candidates for a text beside the node s: each direction, then farther out; level."""
        x, y = self.position[s]
        x0, y0, x1, y1 = self.node_box[s]
        w, h = size
        clear = GAP * 1.25
        for ring in range(rings):
            extra = 0.18 * ring
            for dx, dy in directions:
                for shift in ((0.0, 0.6, -0.6) if dx == 0 else (0.0,)):
                    cx = x + dx * ((x1 - x0) / 2 + clear + w / 2 + extra) + shift * w
                    cy = y + dy * ((y1 - y0) / 2 + clear + h / 2 + extra)
                    yield cx, cy, 0.0

    def along(self, pts, size, up: bool, ts, sloped: bool):
        """Candidates for a text beside a wire, on its upper (values) or lower (gradients) side, at a few
        points along each of its pieces: level (the classic look), or sloped along a slanted piece."""
        pieces = sorted(zip(pts, pts[1:]), key=lambda pq: -math.dist(*pq))
        w, h = size
        for extra in (0.0, 0.12, 0.24):
            for t in ts:
                for (ax, ay), (bx, by) in pieces:
                    length = math.dist((ax, ay), (bx, by))
                    nx, ny = -(by - ay) / length, (bx - ax) / length  # the upward normal: wires run rightwards
                    if not up:
                        nx, ny = -nx, -ny
                    if sloped:
                        if abs(by - ay) < 1e-9:
                            continue
                        off, angle = h / 2 + GAP * 1.25 + extra, math.degrees(math.atan2(by - ay, bx - ax))
                    else:
                        off, angle = w / 2 * abs(nx) + h / 2 * abs(ny) + GAP * 1.25 + extra, 0.0
                    yield ax + t * (bx - ax) + off * nx, ay + t * (by - ay) + off * ny, angle


BEND = 0.5  # cm between two wires bent through one gap
ALONG = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82)
NAME_SIDES = ((0, 1), (1, 1), (-1, 1), (0, -1), (1, -1), (-1, -1))
ASKED_SIDES = ((0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1), (-1, 0))
STRETCH = ((1.0, 1.0), (1.0, 1.25), (1.2, 1.2), (1.2, 1.5), (1.45, 1.45), (1.45, 1.8), (1.75, 1.75),
           (1.75, 2.2), (2.1, 2.1), (2.1, 2.6), (2.5, 2.5), (3.0, 3.0))  # (x, y): the layout, wider and taller


def figure(inputs, nodes, output, values, gradients, ask, at=None) -> dict:
    """The view of the figure: nodes, wires, and every text at a computed place where it meets no other
    text, no node and no wire (the layout is stretched until they all fit), with the geometry for tests.
    `at(expr)`: expr.subs(values), when the caller already substitutes (and keeps) them."""
    at = at or (lambda e: e.subs(values))
    base = layout(inputs, nodes)
    ids = {s: f"n{i}" for i, s in enumerate(base)}
    labelled = len(base) <= LABELLED_UP_TO
    asked = {}
    for label, target in ask.items():
        asked.setdefault(mo.real(target), []).append(label)
    node_text = {s: gate_label(nodes[s]) if s in nodes else tex(s) for s in base}
    node_size = {}
    for s, text in node_text.items():
        w, h = text_size(f"${text}$", GATE_PT)
        if s in nodes:
            r = max(GATE_MIN, math.hypot(w, h) / 2 + GATE_SEP * PT) + LINE * PT / 2
            node_size[s] = (2 * r, 2 * r)
        else:
            node_size[s] = (w + 2 * LEAF_SEP * PT, h + 2 * LEAF_SEP * PT)
    edges = []
    for node, expr in nodes.items():
        # top to bottom, ties by name: free_symbols is a set, whose order changes from run to run
        for source in sorted(expr.free_symbols, key=lambda p: (-base[p][1] if p in base else 0, str(p))):
            if source in base:
                contribution = at(sp.diff(expr, source)) * gradients[node]
                if not (contribution.is_Rational or contribution.is_Float):
                    contribution = simplify(contribution)
                edges.append((source, node, contribution))
    edges.append((output, None, sp.Integer(1)))
    names = [_text("name", ids[s], f"${tex(s)}$", f"${tex(s)}$") for s in base if s in nodes]
    names_of = [s for s in base if s in nodes]
    labels = []
    for s in base:
        if s in asked:
            bold = r"\textbf{" + ", ".join(f"({lab})" for lab in asked[s]) + "}"
            labels.append((s, _text("asked", ids[s], bold + rf"\,$= {_number(gradients[s])}$", bold, anchor="west")))
    pairs = []
    if labelled:
        for source, target, contribution in edges:
            owner = f"{ids[source]}-{ids[target] if target is not None else 'out'}"
            value = f"${_number(values[source])}$"
            pairs.append((_text("value", owner, value, value if source in inputs else ""),
                          _text("gradient", owner, f"${_number(contribution)}$", "")))

    texts = [*names, *(text for _, text in labels), *(text for pair in pairs for text in pair)]
    scene, stub = _arranged(tuple(base.items()), tuple(node_size.items()), output,
                            tuple((source, target) for source, target, _ in edges), tuple(names_of),
                            tuple(s for s, _ in labels), tuple((t["size"], t["anchor"]) for t in texts))
    placed = [dict(text, at=p["at"], angle=p["angle"], shape=list(p["shape"]), bbox=p["bbox"])
              for text, p in zip(texts, scene.texts)]
    return _view(scene, placed, stub, ids, node_text, nodes, labelled)


@functools.lru_cache(maxsize=64)  # a large network's scene is some 100 kB: a few MB at most
def _arranged(base: tuple, node_size: tuple, output, edges: tuple, names_of: tuple, labelled: tuple,
              sizes: tuple):
    """figure()'s layout: (the scene at the first stretch where every text fits, else the one with the
    fewest misses, its stub). It reads only the geometry: the texts' (size, anchor), in the order they are
    placed (the names of names_of, the asked labels of the labelled nodes, then each wire's value and
    gradient), never what they say; variants whose numbers print as wide are laid out once (per process).
    The scene's texts hold only their size, anchor and place."""
    base, node_size = dict(base), dict(node_size)
    shapes = [{"size": size, "anchor": anchor} for size, anchor in sizes]
    names, shapes = shapes[:len(names_of)], shapes[len(names_of):]
    labels, shapes = list(zip(labelled, shapes[:len(labelled)])), shapes[len(labelled):]
    pairs = list(zip(shapes[0::2], shapes[1::2]))
    best = None
    for sx, sy in STRETCH:
        position = {s: (round(x * sx, 3), round(y * sy, 3)) for s, (x, y) in base.items()}
        scene = _Scene(position, node_size, sy)
        stub = (round(position[output][0] + X_STEP * 0.8 * sx, 3), position[output][1])
        for source, target in edges:
            scene.route(source, target, position[target] if target is not None else stub)
        for s, text in zip(names_of, names):
            scene.place(text, scene.around(s, text["size"], NAME_SIDES))
        for s, text in labels:
            scene.place(text, scene.around(s, text["size"], ASKED_SIDES))
        for own, (value, gradient) in enumerate(pairs):
            _place_pair(scene, own, value, gradient)
        if best is None or (scene.misses, scene.crowded) < (best[0].misses, best[0].crowded):
            best = (scene, stub)
        if scene.misses == scene.crowded == 0:
            break
    return best


def _text(style, owner, key, questions, anchor="center") -> dict:
    return {"style": style, "owner": owner, "key": key, "questions": questions, "anchor": anchor,
            "size": text_size(key, NAME_PT if style == "name" else LABEL_PT)}


def _place_pair(scene, own, value, gradient):
    """A wire's value above and its gradient below at one point along it, where both fit (level, else
    sloped along the wire); else apart."""
    pts = scene.wires[own][2]
    for sloped in (False, True):
        for t in ALONG:
            up = next(scene.along(pts, value["size"], True, (t,), sloped), None)
            down = next(scene.along(pts, gradient["size"], False, (t,), sloped), None)
            if up is None or down is None:
                continue
            a = corners(*up[:2], *value["size"], up[2])
            b = corners(*down[:2], *gradient["size"], down[2])
            if scene.free(a, own) and scene.free(b, own) and apart(a, b, TEXT_GAP):
                scene.place(value, [up], own)
                scene.place(gradient, [down], own)
                return
    for text, up in ((value, True), (gradient, False)):
        scene.place(text, itertools.chain(scene.along(pts, text["size"], up, ALONG, False),
                                          scene.along(pts, text["size"], up, ALONG, True)), own)


def _view(scene, placed, stub, ids, node_text, nodes, labelled) -> dict:
    """The figure's view from its scene (kept, shared by variants: only read here) and its texts as placed."""
    def at(p):
        return NoEscape(f"({p[0]},{p[1]})")

    out_nodes = [{"ref": NoEscape(f"({ids[s]})"), "at": at(p), "style": "gate" if s in nodes else "leaf",
                  "text": NoEscape(node_text[s])} for s, p in scene.position.items()]
    wires = []
    for source, target, pts in scene.wires:
        path = [f"({ids[source]})", *(f"({x},{y})" for x, y in pts[1:-1]), f"({ids[target]})" if target is not None
                else "(out)"]
        wires.append({"path": NoEscape(" -- ".join(path))})
    texts = []
    for t in placed:  # set with PGF's \pgftext (a TikZ \node costs TeX six times as much, see figure.tex)
        x, y = t["at"]
        place = ("left," if t["anchor"] == "west" else "") + f"at={{\\pgfpointxy{{{x}}}{{{y}}}}}" \
            + (f",rotate={t['angle']}" if t["angle"] else "")  # at its point, then turned about it
        texts.append({"style": t["style"], "place": NoEscape(place), "key": NoEscape(t["key"]),
                      "questions": NoEscape(t["questions"])})
    xs = [b[0] for b in scene.node_box.values()] + [x for t in placed for x, _ in t["shape"]]
    xe = [b[2] for b in scene.node_box.values()] + [x for t in placed for x, _ in t["shape"]] + [stub[0]]
    width = max(xe) - min(xs)
    geometry = {"nodes": {ids[s]: b for s, b in scene.node_box.items()},
                "wires": [(ids[s], ids[t] if t is not None else "out", list(pts)) for s, t, pts in scene.wires],
                "texts": [{k: t[k] for k in ("style", "owner", "key", "questions", "at", "angle", "anchor", "size")}
                          for t in placed],
                "misses": scene.misses, "crowded": scene.crowded}
    ys = [b[1] for b in scene.node_box.values()] + [y for t in placed for _, y in t["shape"]]
    ye = [b[3] for b in scene.node_box.values()] + [y for t in placed for _, y in t["shape"]]
    scale = round(min(1.0, MAX_WIDTH / width), 3)
    skeleton = hashlib.md5(repr((scale, labelled, [(n["ref"], n["at"], n["style"], n["text"]) for n in out_nodes],
                                 at(stub), [w["path"] for w in wires])).encode()).hexdigest()[:16]
    return {"nodes": out_nodes, "wires": wires, "texts": texts, "stub": {"at": at(stub)}, "labels": labelled,
            "scale": scale, "geometry": geometry, "skeleton": skeleton,  # the nodes and wires: one TeX box
            "height": f"{(max(ye) - min(ys)) * scale + 1.0:.1f}cm"}  # what the page must hold with its statement


def scene_boxes(fig: dict, sheet: str = "key") -> dict:
    """The figure as a test sees it: the corners in cm of every text shown on the sheet ("key" or
    "questions": the question sheet's texts are set at the key's places, each inside the key's box), the
    node boxes (x0, y0, x1, y1), and the wires as polylines."""
    g = fig["geometry"]
    texts = []
    for t in g["texts"]:
        shown = t[sheet]
        if not shown:
            continue
        w, h = text_size(shown, NAME_PT if t["style"] == "name" else LABEL_PT)
        x, y = t["at"]
        if t["anchor"] == "west":
            x += w / 2
        texts.append({"style": t["style"], "owner": t["owner"], "text": shown, "corners": corners(x, y, w, h, t["angle"])})
    return {"texts": texts, "nodes": dict(g["nodes"]), "wires": list(g["wires"])}


def _number(value) -> str:
    """A value as the key's text prints it (one rounding per key): exact where it is rational, else its 30-digit
    float, which the printer shows to 6 significant digits (never a 4-digit float shown to 6: 2.20001)."""
    return tex(value if not value.is_number or value.is_Rational else value.evalf(30))
