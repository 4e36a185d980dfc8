"""The reader of the printed page: a displayed line of LaTeX back into SymPy values.

It shares no code with the printer. The text is parsed by Lark with the grammar in `house.lark` (one
reading per line: juxtaposition is multiplication, an operator in front -- a sum, d/dx -- takes the
product that follows it, as a reader takes it), then evaluated here with the problem's `Context`: what
its names mean (variables and constants, vectors and their entries, matrices, the functions and graph
nodes the spec defines, the labels that earlier lines named). A derivative written on the page is
computed from what it names (SymPy's `diff` of the spec's own expression), never taken from the solver.

Conventions of the house notation, as a student reads them:
- `x_{k}` is the k-th entry of a vector x, `w_{kl}` an entry of the matrix W; `\\delta_{ik}` Kronecker's
  delta; `e_{i}` the i-th unit vector (when e is not a name of the problem);
- `\\dfrac{\\partial f}{\\partial v}` is the derivative of what f names: for a graph's node, the total
  derivative (every path to v); `\\left(\\dfrac{\\partial f}{\\partial v}\\right)_{q}` holds q fixed (the local
  derivative of f's own definition); `\\frac{\\partial}{\\partial v} E` differentiates E;
- `a_1 + a_2 + \\dots + a_n` and `(a_1, a_2, \\dots, a_n)` are read by the pattern that their last two written
  terms show, checked against the terms before the dots;
- `\\mathbf{1}[c]` is 1 where c holds and 0 elsewhere; max, min, relu and |.| have the key's conventions at
  their kinks (a tie splits equally, relu'(0) = 0, |.|'(0) = 0);
- vector notation is read entry by entry: `\\operatorname{diag}(v)`, `v^{T}`, `u v^{T}` (the outer product),
  `u \\odot v`, `\\sigma(x)` and `\\mathbf{1}[x > 0]` of a whole vector, a number beside a vector (`1 - \\sigma(x)`:
  that number in every entry), `p_i` of a vector the problem names p -- explicit at a given length, [e_rq]_{rq}
  at a symbolic one (the checks make it explicit at n = 2, 3, 4); a sum or product of shapes that do not fit
  means nothing (Ambiguous).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sympy as sp

from . import mathobj as mo

GRAMMAR = Path(__file__).with_name("house.lark")


class ReadError(Exception):
    """The text cannot be read as math of this problem (a syntax the reader does not know, an unknown
    name, a pattern it cannot infer): the line is listed as not read back, and checked as built."""


class Ambiguous(ReadError):
    """The printed text does not say one thing: braces that print nothing around a sum, an index both
    bound by a sum and free, x/2y, a written-out sum whose terms show no pattern of consecutive indices, a
    vector where a number is meant. A reader would misread the page: the build fails (exit 2)."""


@functools.lru_cache(maxsize=1)
def _parser():
    import hashlib
    import os

    import lark

    text = GRAMMAR.read_text(encoding="utf-8")
    cache = False  # the LALR tables kept in the user's cache folder (not the build's temporary one), by hash
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "answerkey"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            digest = hashlib.sha256((text + lark.__version__).encode()).hexdigest()[:16]
            cache = str(folder / f"house-{digest}.lark")
    except OSError:
        cache = False
    return lark.Lark(text, parser="lalr", lexer="basic", start="start", maybe_placeholders=False,
                     cache=cache)  # one scanner for all states: half the load time of the contextual lexer



@functools.lru_cache(maxsize=4096)
def _parsed(text: str):
    """The parse tree of a text: a function of the text alone (one grammar), so a text read again (a line that
    every variant prints alike, a derivation's left side) is parsed once. The evaluator only reads the tree;
    what the tree means is worked out afresh each time, with the line's own context. A text that does not
    parse raises each time (failures are not kept).

    Texts that differ only in their numbers (a variant's x y = -10 and another's x y = 12) have one tree but
    for those numbers: the text is parsed with each number written 0, once, and the tree given its numbers
    back. The lexer is context-free and a digit can start no token but a NUMBER, so the tokens are the same
    but for the digits of the NUMBER tokens (digits inside subscripts, \\text{}, \\mathit{}, \\mathbf{1}
    and row separators are left as they are; a number written .5 parses the text itself)."""
    masked, numbers = _masked(text)
    if numbers:
        try:
            shape = _parsed_masked(masked)
        except Exception:  # noqa: BLE001 - lark's errors: the text itself says what is wrong
            shape = None
        if shape is not None:
            try:
                tree = _with_numbers(shape, numbers)
            except RecursionError:  # a tree too deep to copy (x^{x^{...}} 400 deep): the text's own parse
                tree = None
            if tree is not None:
                return tree
    return _parser().parse(text)


# What the lexer reads as one token holding digits that are not a NUMBER's, and the numbers themselves.
_DIGIT_TOKENS = re.compile(r"(?P<keep>_\{[^{}]*\}|_[A-Za-z0-9]|\\\\\[[^\]]*\]|\\(?:text|textrm|textit|mbox)\{[^{}]*\}"
                           r"|\\(?:mathit|mathrm)\{[A-Za-z][A-Za-z0-9]*\}|\\(?:mathbf|mathbb|mathds|mathbbm)\{[^{}]*\}"
                           r"|\\[A-Za-z]+|\\.)|(?P<number>\d+(?:\.\d+)?)|(?P<odd>\.\d)")


def _masked(text: str) -> tuple[str, list]:
    """text with each NUMBER written 0, and the numbers in order ([] when there is none, or when a number
    is written in a way the masking does not claim to know: .5)."""
    if not any(c.isdigit() for c in text):
        return text, []
    out, numbers, at = [], [], 0
    for m in _DIGIT_TOKENS.finditer(text):
        if m.group("odd"):
            return text, []
        if m.group("number"):
            out.append(text[at:m.start()])
            out.append("0")
            numbers.append(m.group("number"))
            at = m.end()
    out.append(text[at:])
    return "".join(out), numbers


@functools.lru_cache(maxsize=2048)
def _parsed_masked(masked: str):
    return _parser().parse(masked)


def _with_numbers(shape, numbers: list):
    """The tree with its NUMBER tokens (in the order of the text) given the numbers; None when the counts
    differ (then the text is parsed itself)."""
    import lark

    left = iter(numbers)
    count = [0]

    def copy(node):
        if isinstance(node, lark.Token):
            if node.type != "NUMBER":
                return node
            count[0] += 1
            value = next(left, None)
            return node if value is None else node.update(value=value)
        children = [copy(c) for c in node.children]
        if all(a is b for a, b in zip(children, node.children)):
            return node
        return lark.Tree(node.data, children)

    tree = copy(shape)
    return tree if count[0] == len(numbers) else None

# ---------------------------------------------------------------------------------------------------
# What the names of a problem mean.


@dataclass
class Function:
    """A function the spec defines: f(params) = body."""

    params: list  # Symbol, IndexedBase (a vector) or MatrixSymbol, in order
    body: object


@dataclass
class Context:
    scalars: dict = field(default_factory=dict)  # name -> Symbol (variables and constants alike)
    vectors: dict = field(default_factory=dict)  # name -> (IndexedBase, length)
    matrices: dict = field(default_factory=dict)  # name -> MatrixSymbol (vectors of matrix problems too)
    entries: dict = field(default_factory=dict)  # entry name -> (IndexedBase, number of indices)
    indices: dict = field(default_factory=dict)  # integer names: lengths, free indices
    functions: dict = field(default_factory=dict)  # name -> Function
    nodes: dict = field(default_factory=dict)  # a graph: node name -> (Symbol, expression of its arguments)
    labels: dict = field(default_factory=dict)  # names given by earlier lines -> their values
    unit_length: object = None  # the length of e_i, when e is not a name
    shape: tuple | None = None  # the size of a matrix written by its entries, [e_kl]_{kl}
    values: dict = field(default_factory=dict)  # given values of names (a graph's inputs): every line is at them
    random: dict = field(default_factory=dict)  # random names (a Symbol, or a vector's IndexedBase: each of its
    # entries) -> their distribution, ((value, probability), ...): what E[...] and Var[...] average over

    def copy(self) -> "Context":
        return Context(dict(self.scalars), dict(self.vectors), dict(self.matrices), dict(self.entries),
                       dict(self.indices), dict(self.functions), dict(self.nodes), dict(self.labels),
                       self.unit_length, self.shape, dict(self.values), dict(self.random))


# ---------------------------------------------------------------------------------------------------
# Values the reader gives besides plain SymPy expressions.


class Fresh:
    """A name the page has not defined yet (a label a line introduces: a, w', x^{(1)}, \\text{...})."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"Fresh({self.name!r})"


class _Dots:
    pass


DOTS = _Dots()


@dataclass
class _FuncRef:
    name: str


@dataclass
class _NablaRef:
    name: str


@dataclass
class Line:
    """A displayed line as read: its clauses (each a list of (relation, value) with relation None for the
    first side) and whether it is a result (\\therefore)."""

    clauses: list
    therefore: bool
    digits: int | None  # the fewest significant digits of a rounded decimal on the line, if any
    rounding: tuple | None = None  # (relative, absolute) error its rounded decimals allow, if any


# ---------------------------------------------------------------------------------------------------
# The conventions at kinks, for derivatives the page writes.


def derivative(expr, v):
    """d expr / d v with the key's conventions (ties split equally; relu'(0) = 0; |.|'(0) = 0)."""
    if isinstance(v, sp.MatrixSymbol):
        return mo.GradientOf(expr, v)
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: derivative(e, v))
    if isinstance(v, sp.Indexed) and _has_matrix(expr):
        return EntryDerivative(expr, v)
    return mo.conventional_diff(expr, v)


def _has_matrix(expr) -> bool:
    return isinstance(expr, sp.Basic) and bool(expr.atoms(sp.MatrixSymbol))


class DerivativeOf(mo.Display):
    """d f / d x_k as the page names it: args (f, x_k); its value is the derivative (key conventions)."""

    def value(self):
        return derivative(*self.args)


class EntryDerivative(mo.Display):
    """d f / d w_kl for a function of matrices: made explicit at concrete sizes (args: f, entry)."""

    def _numeval(self, env: dict):
        """The explicit derivative at the sizes and indices env gives (for numeval's fast route)."""
        f, entry = self.args
        sub = {s: sp.Integer(v) for s, v in env.items()}
        concrete_entry = entry.xreplace(sub)
        if not all(i.is_number for i in concrete_entry.indices):
            return None
        explicit = _explicit(f.xreplace(sub) if sub else f)
        return None if explicit is None else _entry_diff(explicit, concrete_entry)

    def doit(self, **hints):
        f, entry = self.args
        if not all(i.is_number for i in entry.indices):
            return self
        explicit = _explicit(f)
        if explicit is None:
            return self
        return _entry_diff(explicit, entry)


@functools.lru_cache(maxsize=256)
def _explicit(f):
    """f of concrete size with its matrices written out entry by entry (once per size)."""
    explicit = mo.concrete(f)
    if isinstance(explicit, sp.Basic) and explicit.atoms(sp.MatrixSymbol):
        return None
    return explicit


@functools.lru_cache(maxsize=4096)
def _entry_diff(explicit, entry):
    return mo.entry_diff(explicit, entry)


# ---------------------------------------------------------------------------------------------------
# Reading.


_SPLIT_INDEX = re.compile(r"^[A-Za-z0-9]+$")


_BARS = re.compile(r"(\\left\s*|\\right\s*|\\[bB]igg?[lr]?\s*)?(\\\||\|)")


def _pair_bars(text: str) -> str:
    """Bare | and \\| written in pairs (|x|, \\|x - a\\|) as \\lvert...\\rvert and \\lVert...\\rVert: the
    first of a pair opens, the next closes (\\left| and \\right| say so themselves)."""
    open_bar = {"|": False, "\\|": False}

    def one(m):
        sized, bar = m.group(1), m.group(2)
        if sized and sized.strip().startswith(("\\left", "\\right")):
            return m.group(0)
        opening = not open_bar[bar]
        open_bar[bar] = opening
        if bar == "|":
            return "\\lvert " if opening else "\\rvert "
        return "\\lVert " if opening else "\\rVert "

    return _BARS.sub(one, text) if "|" in text else text


_WORD_SUB = re.compile(r"_\{\\(?:mathit|mathrm)\{([A-Za-z][A-Za-z0-9]*)\}\}")


def _word_subscripts(text: str) -> str:
    """A subscript that is one word, d_{\\mathit{model}} (the printer's d_model) or d_{\\mathrm{model}}, as
    the subscript d_{model}: the name d_model."""
    return _WORD_SUB.sub(r"_{\1}", text) if "_{\\" in text else text


def read(text: str, context: Context) -> Line:
    """One displayed line (without its \\tag) as values; ReadError if it cannot be read."""
    import lark

    text = _word_subscripts(_pair_bars(text))
    try:
        tree = _parsed(text)
    except lark.exceptions.UnexpectedInput as exc:
        column = getattr(exc, "column", None)
        near = text[max(0, (exc.pos_in_stream or 0) - 15):(exc.pos_in_stream or 0) + 15] \
            if getattr(exc, "pos_in_stream", None) is not None else ""
        raise ReadError("cannot parse the LaTeX" + (f" at column {column} (near '{near}')" if column else ""))
    except lark.exceptions.LarkError as exc:
        raise ReadError(f"cannot parse the LaTeX: {exc}") from None
    evaluator = _Evaluator(context)
    evaluator.subscript_letters = set(re.findall(r"(?<![A-Za-z\\])([A-Za-z])(?![A-Za-z])",
                                                 " ".join(re.findall(r"_\{([^{}]*)\}|_([A-Za-z])", text) and
                                                          [a or b for a, b in re.findall(r"_\{([^{}]*)\}|_([A-Za-z])", text)])))
    try:
        return evaluator.display(tree)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - SymPy refusing what was read: the line is not read back
        raise ReadError(f"cannot read it ({type(exc).__name__}: {str(exc)[:120]})") from None


def read_expr(text: str, context: Context):
    """A single expression (no relation) as a value."""
    line = read(text, context)
    if len(line.clauses) != 1 or len(line.clauses[0]) != 1:
        raise ReadError(f"expected one expression, got '{text}'")
    return line.clauses[0][0][1]


def read_condition(text: str, context: Context) -> list:
    """A condition such as 'k = i', 'k \\neq i', '2 \\leq k \\leq n' as (relation, left, right) triples."""
    import lark

    text = _word_subscripts(text)
    try:
        tree = _parsed(text)
    except lark.exceptions.LarkError:
        raise ReadError(f"cannot parse the condition '{text}'") from None
    evaluator = _Evaluator(context)
    evaluator.index_letters = True
    line = evaluator.display(tree)
    out = []
    for clause in line.clauses:
        for (_, left), (rel, right) in zip(clause, clause[1:]):
            out.append((rel, left, right))
    return out


class _Evaluator:
    def __init__(self, context: Context):
        self.ctx = context
        self.bound: dict[str, sp.Symbol] = {}  # sum variables in scope
        self.digits: int | None = None
        self.rounded: list = []  # (relative, absolute) half-units of the last digit of each rounded decimal
        self.index_letters = False  # in conditions, an unknown single letter is an index
        self.used_bound: set[str] = set()  # letters some sum of the line binds
        self.free_letters: set[str] = set()  # index letters read outside every sum
        self.subscript_letters: set[str] = set()  # letters the line uses in subscripts: its indices

    # -- structure ---------------------------------------------------------------------------------
    def display(self, tree) -> Line:
        therefore = False
        clauses = []
        for child in tree.children:
            if _is_token(child, "THEREFORE"):
                therefore = True
                continue
            clauses.append(self.clause(child))
        clash = self.used_bound & self.free_letters
        if clash:
            raise Ambiguous(f"the sum's index {sorted(clash)[0]} is also used outside the sum")
        # the error the rounded decimals allow: each off by up to a unit of its last digit, times up to 2 for
        # what it multiplies (the checks' values lie within +-2; an absolute bound: 2 cos(y - 2) - 1.04518 may
        # be small where 1.04518 is not)
        rounding = (0, float(2 * sum(a for _, a in self.rounded))) if self.rounded else None
        clauses = [[(rel, _resolved(v)) for rel, v in clause] for clause in clauses]
        return Line(clauses, therefore, self.digits, rounding)

    def clause(self, tree) -> list:
        sides, rel = [], None
        for child in tree.children:
            if _is_token(child, "REL"):
                rel = _relation(str(child))
                continue
            sides.append((rel, self.value(child)))
        return sides

    def value(self, node):
        """A node's value; markers (dots, function names) are refused here."""
        v = self.ev(node)
        if isinstance(v, (_Braced, _Slashed)):
            v = v.value
        if isinstance(v, _DOperator):
            raise ReadError("d/dx with nothing after it")
        if isinstance(v, (_FuncRef, _NablaRef)):
            v = self.apply(v, None)
        if v is DOTS:
            raise ReadError("'\\dots' outside a sum, a tuple or a matrix")
        return v

    def ev(self, node):
        if _is_token(node):
            return self.token(node)
        method = getattr(self, "r_" + node.data, None)
        if method is None:
            raise ReadError(f"cannot read '{node.data}'")
        return method(node)

    def token(self, tok):
        kind = tok.type
        if kind == "NUMBER":
            return self.number(str(tok))
        if kind == "WORD" and str(tok) == "\\mathrm{e}":
            return sp.E
        if kind in ("LETTER", "GREEK", "WORD"):
            return self.name(_name_of(tok), None, 0)
        raise ReadError(f"unexpected '{tok}'")

    # -- numbers and names -------------------------------------------------------------------------
    def number(self, text: str):
        if "." in text:
            d = Decimal(text)
            digits = len(d.as_tuple().digits)
            if digits >= 5:  # printed to limited precision: the check allows its last digit
                self.digits = digits if self.digits is None else min(self.digits, digits)
                unit = Decimal(1).scaleb(d.as_tuple().exponent)
                self.rounded.append((float(unit / abs(d)) if d else 0.0, unit))
            return sp.Rational(text)
        return sp.Integer(text)

    def name(self, base: str, sub: str | None, primes: int, sup_label: str | None = None):
        ctx = self.ctx
        if base == "lambda":  # the printer's lambda: a constant named lamda or lam
            base = next((b for b in ("lambda", "lamda", "lam") if b in ctx.scalars or b in ctx.labels
                         or b in ctx.nodes), base)
        full = base + "'" * primes + (f"^({sup_label})" if sup_label else "")
        if sub is None and not primes and not sup_label:
            if base in self.bound:
                return self.bound[base]
            if base in ctx.labels:
                return ctx.labels[base]
            if base in ctx.indices:
                return ctx.indices[base]
            if base in ctx.functions:
                return _FuncRef(base)
            if base in ctx.nodes:
                return self.node_at(base)
            if base in ctx.vectors:
                return ctx.vectors[base][0]
            if base in ctx.matrices:
                return ctx.matrices[base]
            if base in ctx.scalars:
                return ctx.scalars[base]
            if self.index_letters and len(base) == 1:
                return mo.index(base)
            if len(base) == 1 and base in self.subscript_letters:  # k x_k: the index k as a factor
                self.free_letters.add(base)
                return mo.index(base)
            if base == "e":  # Euler's number, when e is no name of the problem
                return sp.E
            if base == "pi":
                return sp.pi
            return Fresh(base)
        if sub is None:
            if full in ctx.labels:
                return ctx.labels[full]
            if primes and base in ctx.scalars and full in ctx.scalars:
                return ctx.scalars[full]
            return Fresh(full)
        # a subscript
        if base == "delta":
            i, j = self.indices(sub, 2)
            return sp.KroneckerDelta(i, j)
        if base in ctx.vectors and not primes:
            (i,) = self.indices(sub, 1)
            return ctx.vectors[base][0][i]
        if base in ctx.entries and not primes:
            vec, count = ctx.entries[base]
            return vec[tuple(self.indices(sub, count))]
        for candidate in (base + sub, f"{base}_{sub}", f"{base}_{{{sub}}}"):
            if primes:
                candidate += "'" * primes
            if candidate in ctx.labels:
                return ctx.labels[candidate]
            if candidate in ctx.nodes:
                return self.node_at(candidate)
            if candidate in ctx.scalars:
                return ctx.scalars[candidate]
        if base in ctx.labels and not primes:  # p_i: an entry of the vector that the name p stands for
            shaped = _shape_entries(ctx.labels[base], ctx)
            if shaped is not None and shaped[2] == 1:
                (i,) = self.indices(sub, 1)
                if isinstance(ctx.labels[base], sp.MatrixBase) and not i.is_number:
                    raise ReadError(f"a symbolic entry {base}_{sub} of a vector of given length")
                return shaped[0](i, sp.Integer(1))
        if base == "I" and not primes and "I" not in ctx.matrices and "I" not in ctx.scalars:
            (size,) = self.indices(sub, 1)  # I_n: the identity matrix of size n, when I is no name of the problem
            return sp.Identity(size)
        if base == "e" and ctx.unit_length is not None and not primes:
            (i,) = self.indices(sub, 1)
            return mo.UnitVector(i, ctx.unit_length)
        return Fresh(f"{full}_{{{sub}}}")

    def indices(self, sub: str, count: int) -> list:
        """The indices of a subscript: 'k', 'kl', '1,2', 'k+1'."""
        if "," in sub:
            parts = [p for p in sub.split(",")]
        elif count > 1 and _SPLIT_INDEX.match(sub) and len(sub) == count:
            parts = list(sub)
        elif count > 1 and " " in sub.strip():
            parts = sub.split()
        else:
            parts = [sub]
        if len(parts) != count:
            raise ReadError(f"expected {count} ind{'ex' if count == 1 else 'ices'} in the subscript '{sub}'")
        return [self.index_expr(p) for p in parts]

    def index_expr(self, text: str):
        text = text.strip()
        if re.fullmatch(r"\d+", text):
            return sp.Integer(text)
        if re.fullmatch(r"[A-Za-z]", text):
            if text not in self.bound and text not in self.ctx.indices:
                self.free_letters.add(text)
            return self.bound.get(text) or self.ctx.indices.get(text) or mo.index(text)
        saved = self.ctx.indices
        try:
            tree = _parsed(text)
        except Exception:  # noqa: BLE001 - lark's errors: the index cannot be read
            raise ReadError(f"cannot read the index '{text}'") from None
        sub = _Evaluator(self.ctx)
        sub.bound = dict(self.bound)
        letters = set(re.findall(r"(?<!\\)\b[A-Za-z]\b", text))
        sub.bound.update({l: self.bound.get(l) or saved.get(l) or mo.index(l) for l in letters})
        line = sub.display(tree)
        if len(line.clauses) != 1 or len(line.clauses[0]) != 1:
            raise ReadError(f"cannot read the index '{text}'")
        return line.clauses[0][0][1]

    def node_at(self, name: str):
        """A graph node's value where the page's lines are: at the given values of the inputs (every line is
        at them), so that a check compares numbers rather than the graph's whole expression."""
        cache = self.ctx.__dict__.setdefault("_at_values", {})
        if name not in cache:
            expr = self.node_value(name)
            cache[name] = expr.xreplace(self.ctx.values) if self.ctx.values else expr
        return cache[name]

    def node_value(self, name: str, keep: frozenset = frozenset()):
        """A graph node as an expression of the inputs (and of the names in keep); kept per context (a
        problem's lines expand the same nodes again and again)."""
        cache = self.ctx.__dict__.setdefault("_expanded", {})
        key = (name, keep & frozenset(self.ctx.nodes))
        if key not in cache:
            cache[key] = self._node_value(name, keep)
        return cache[key]

    def node_along(self, name: str, v, keep: frozenset):
        """A graph node as an expression of v alone, at the given values of everything else: the nodes that
        do not depend on v are their numbers, those that do are expanded (the node's full expression, with
        the other inputs' values put in)."""
        values = {k: x for k, x in self.ctx.values.items() if k != v}
        expr = self.ctx.nodes[name][1]
        for _ in range(len(self.ctx.nodes) + 1):
            inner = {s for s in expr.free_symbols if str(s) in self.ctx.nodes and str(s) not in keep}
            if not inner:
                return expr.xreplace(values)
            deps = self.ctx.__dict__.setdefault("_depends", {})
            for s in inner:
                if (str(s), keep) not in deps:
                    deps[str(s), keep] = self.node_value(str(s), keep).free_symbols
            expr = expr.xreplace({s: self.ctx.nodes[str(s)][1] if v in deps[str(s), keep] else self.node_at(str(s))
                                  for s in inner})
        raise ReadError(f"the graph's node {name} depends on itself")

    def _node_value(self, name: str, keep: frozenset):
        symbol, expr = self.ctx.nodes[name]
        for _ in range(len(self.ctx.nodes) + 1):
            inner = {s for s in expr.free_symbols if str(s) in self.ctx.nodes and str(s) not in keep}
            if not inner:
                return expr
            expr = expr.xreplace({s: self.ctx.nodes[str(s)][1] for s in inner})
        raise ReadError(f"the graph's node {name} depends on itself")

    # -- sums and products -------------------------------------------------------------------------
    def r_add(self, node):
        return self.additive(node)

    r_sub = r_neg = r_pos = r_add

    def additive(self, node):
        terms = []
        self._terms(node, 1, terms)
        return self.combine(terms)

    def _terms(self, node, sign, out):
        if not _is_token(node) and node.data in ("add", "sub", "neg", "pos"):
            kids = [c for c in node.children if not _is_token(c, ("PLUS", "MINUS"))]
            ops = [c for c in node.children if _is_token(c, ("PLUS", "MINUS"))]
            if node.data in ("neg", "pos"):
                self._terms(kids[0], sign * (-1 if node.data == "neg" else 1), out)
                return
            self._terms(kids[0], sign, out)
            self._terms(kids[1], sign * (-1 if str(ops[0]) == "-" else 1), out)
            return
        v = self.ev(node)
        if isinstance(v, (_FuncRef, _NablaRef)):
            v = self.apply(v, None)
        out.append((sign, v))

    def combine(self, terms):
        terms = [(s_, v.value if isinstance(v, _Braced) else v) for s_, v in terms]
        if any(v is DOTS for _, v in terms):
            return self.dots_sum(terms)
        for _, v in terms:
            if isinstance(v, sp.IndexedBase):
                raise Ambiguous(f"'{v}' is a vector: a sum of it and a number means nothing")
        if any(isinstance(v, (_Ones, _Scaled)) for _, v in terms):
            shapes = {v.shape for _, v in terms if _is_matrix(v)}
            if len(shapes) != 1:
                raise ReadError("a bold 1 in a sum without one vector or matrix to give its size")
            (shape,) = shapes
            terms = [(s_, v.sized(shape[::-1] if v.transposed else shape) if isinstance(v, (_Ones, _Scaled)) else v)
                     for s_, v in terms]
        shapes = [_shape_entries(v, self.ctx) for _, v in terms]
        explicit = any(isinstance(v, sp.MatrixBase) for _, v in terms)
        displayed = any(s is not None and not isinstance(v, (sp.MatrixBase, sp.MatrixExpr, sp.IndexedBase))
                        for s, (_, v) in zip(shapes, terms))
        number = any(s is None and isinstance(v, sp.Basic) and v.is_number for s, (_, v) in zip(shapes, terms)) \
            and all(s[2] == 1 for s in shapes if s is not None)  # a number beside vectors (not matrices)
        if any(isinstance(v, mo.EntryMatrix) for _, v in terms) or (explicit and displayed) or (
                (explicit or displayed) and number):  # diag(p) - p p^T, 1 - sigma(x): entry by entry
            return _entrywise_sum(terms, shapes)
        total = None
        values = [v for _, v in terms]
        mixed = any(_is_matrix(v) for v in values) and not all(_is_matrix(v) for v in values)
        for sign, v in terms:
            if isinstance(v, Fresh):
                raise ReadError(f"unknown name '{v.name}'")
            if mixed and _is_matrix(v) and v.shape == (1, 1):
                v = v[0, 0]  # a 1 x 1 product beside a scalar: its one entry
            part = v if sign > 0 else -v
            total = part if total is None else total + part
        return total

    def dots_sum(self, terms):
        at = [i for i, (_, v) in enumerate(terms) if v is DOTS]
        if len(at) != 1 or at[0] == 0 or at[0] == len(terms) - 1:
            raise ReadError("a written-out sum needs terms before and after '\\dots'")
        d = at[0]
        signed = [(v if s > 0 or v is DOTS else -v) for s, v in terms]
        before, last, after = signed[:d], signed[d + 1], signed[d + 2:]
        var = mo.index("_i")
        pattern, top, start, run = _pattern(before, last, var)
        if run < 2 and len(before) >= 2 and _fits_elsewhere(before[-2], pattern, var, start):
            raise Ambiguous("the terms before '\\dots' do not show a pattern of consecutive indices")
        total = sp.Sum(pattern, (var, start, top))
        rest = before[: len(before) - run]
        for t in rest + after:
            total = total + t
        return total

    def r_juxt(self, node):
        factors = []
        self._factors(node, factors)
        return self.product(factors)

    def _factors(self, node, out):
        if not _is_token(node) and node.data == "juxt":
            for child in node.children:
                self._factors(child, out)
            return
        if not _is_token(node) and node.data == "slash":
            out.append(_Slashed(self.ev(node)))
            return
        out.append(self.ev_keep(node))

    def ev_keep(self, node):
        """A factor, with brackets remembered (for f(x) and \\nabla f(x))."""
        if not _is_token(node) and node.data in ("paren", "tuple"):
            return _Args(self.ev(node), node.data == "tuple")
        return self.ev(node)

    def product(self, factors):
        if any(isinstance(f, _Slashed) for f in factors[:-1]):
            raise Ambiguous("a slash followed by a product (x/2y) can be read two ways")
        factors = [f.value if isinstance(f, _Slashed) else f for f in factors]
        for f in factors:
            if isinstance(f, _Braced) and len(factors) > 1:
                raise Ambiguous("braces print nothing: a sum in braces beside other factors reads as unbracketed")
        out = []
        i = 0
        while i < len(factors):
            f = factors[i]
            if isinstance(f, _DOperator):  # \frac{d}{dx} written in front: the rest of the product
                rest = self.multiply([g.value if isinstance(g, _Args) else g for g in factors[i + 1:]]) \
                    if i + 1 < len(factors) else None
                if rest is None:
                    raise ReadError("d/dx with nothing after it")
                out.append(derivative(rest, f.variable))
                break
            nxt = factors[i + 1] if i + 1 < len(factors) else None
            if isinstance(f, (_FuncRef, _NablaRef)) and isinstance(nxt, _Args):
                out.append(self.apply(f, nxt.items()))
                i += 2
                continue
            if isinstance(f, Fresh) and f.name == "sigma" and isinstance(nxt, _Args):
                arg = nxt.items()[0]
                out.append(mo.elementwise(mo.sigmoid, arg) if _is_matrix(arg) and arg.shape != (1, 1)
                           else mo.sigmoid(self.scalar(arg)))
                i += 2
                continue
            if isinstance(f, _Args) and _is_matrix(f.value) and f.value.shape == (1, 1) and any(
                    _is_matrix(g) and g.shape != (1, 1) for g in (h.value if isinstance(h, _Args) else h
                                                                  for h in factors)):
                out.append(mo.OneByOne(f.value))  # (u^T u) u: a bracketed 1 x 1 product beside a vector, a number
                i += 1
                continue
            out.append(f.value if isinstance(f, _Args) else f)
            i += 1
        return self.multiply(out)

    def multiply(self, factors):
        factors = list(factors)
        bold = [f for f in factors if isinstance(f, _Ones)]
        if len(bold) == 1 and len(factors) > 1 and not any(_is_matrix(f) for f in factors):
            return _Scaled(self.multiply([f for f in factors if f is not bold[0]]), bold[0])  # 2 lam I
        for i, f in enumerate(factors):
            if isinstance(f, _Ones):  # 1^T M: a row as long as M is tall; M 1: a column as long as M is wide
                nxt = factors[i + 1] if i + 1 < len(factors) else None
                prev = factors[i - 1] if i else None
                if f.identity and (_is_matrix(nxt) or _is_matrix(prev)):
                    factors[i] = sp.Identity(nxt.shape[0] if _is_matrix(nxt) else prev.shape[1])
                elif f.transposed and _is_matrix(nxt):
                    factors[i] = sp.OneMatrix(1, nxt.shape[0])
                elif not f.transposed and _is_matrix(prev):
                    factors[i] = sp.OneMatrix(prev.shape[1], 1)
                else:
                    raise ReadError("a bold 1 in a product without a vector or matrix beside it to give its size")
        total = None
        for f in factors:
            if isinstance(f, (_FuncRef, _NablaRef)):
                f = self.apply(f, None)
            if isinstance(f, _Braced):
                f = f.value
            if isinstance(f, Fresh):
                raise ReadError(f"unknown name '{f.name}'")
            if f is DOTS:
                raise ReadError("'\\dots' inside a product")
            if isinstance(f, sp.IndexedBase) and len(factors) > 1:
                raise Ambiguous(f"'{f}' is a vector: a product needs its entries or its transpose")
            total = f if total is None else _mul(total, f)
        return total

    def r_times(self, node):
        a, _, b = node.children
        count = len(self.rounded)
        left = self.value(a)
        rounded_left = len(self.rounded) == count + 1 and (_is_token(a, "NUMBER") or
                                                            not _is_token(a) and a.data == "number")
        right = self.value(b)
        power = _power_of_ten(right)
        if rounded_left and power is not None:
            relative, unit = self.rounded[count]  # 5.14820 x 10^{-131}: its last digit is 10^{-136}
            self.rounded[count] = (relative, unit * Decimal(10) ** power)
        return _mul(left, right)

    def r_hadamard(self, node):
        """u \\odot v: the entrywise product of two vectors (or matrices) of one shape."""
        a, _, b = node.children
        left, right = self.value(a), self.value(b)
        if _is_matrix(left) and _is_matrix(right) and left.shape == right.shape:
            return sp.HadamardProduct(left, right)  # of matrix expressions: sigma(Xw) (.) (1 - sigma(Xw))
        sa, sb = _shape_entries(left, self.ctx), _shape_entries(right, self.ctx)
        if sa is None or sb is None or not _same_size(sa[1], sb[1]) or not _same_size(sa[2], sb[2]):
            raise Ambiguous("\\odot of things that are not vectors or matrices of one shape means nothing")
        return _built(lambda r, c: sa[0](r, c) * sb[0](r, c), sa[1], sa[2])

    def r_slash(self, node):
        a, _, b = node.children
        return _mul(self.value(a), sp.Pow(self.scalar(self.value(b)), -1))

    # -- operators in front ------------------------------------------------------------------------
    def r_apply_op_neg(self, node):
        op, _, body = node.children
        return self.r_apply_op(_FakeTree("apply_op", [op, _FakeTree("neg", [_minus_token(), body])]))

    def r_apply_op(self, node):
        op, body = node.children
        kind = op.data
        if kind in ("sum_op", "prod_op"):
            sub = [c for c in op.children if _is_token(c, "SUB")][0]
            var_name, lower = _sum_limits(str(sub))
            var = mo.index(var_name)
            lo = self.index_expr(lower) if lower is not None else sp.Integer(1)
            sup = [c for c in op.children if not _is_token(c)]
            hi = self.sup_index(sup[0]) if sup else None
            saved = dict(self.bound)
            self.bound[var_name] = var
            self.used_bound.add(var_name)
            try:
                inner = self.value(body)
            finally:
                self.bound = saved
            if hi is None:  # \sum_i x_i: over the vector the index runs through
                hi = self.range_of(inner, var)
            return (sp.Sum if kind == "sum_op" else sp.Product)(inner, (var, lo, hi))
        variable = self.variable([c for c in op.children if not _is_token(c)][0])
        value = self.value(body)
        if isinstance(value, (sp.IndexedBase, sp.Tuple)):
            raise Ambiguous("a derivative of a vector's name or of a tuple: the page means no number there")
        return derivative(value, variable)

    def range_of(self, body, var):
        """The length of the vectors that `var` indexes in body (\\sum_i x_i^2 runs over x)."""
        lengths = set()
        for e in body.atoms(sp.Indexed):
            for base, n in self.ctx.vectors.values():
                if e.base == base and var in e.indices:
                    lengths.add(n)
        if len(lengths) != 1:
            raise ReadError("a sum without its upper limit, over no vector of known length")
        return lengths.pop()

    def sup_index(self, sup):
        kids = [c for c in sup.children]
        if len(kids) == 1 and _is_token(kids[0], ("NUMBER", "LETTER")):
            return self.index_expr(str(kids[0]))
        return self.value(kids[0]) if len(kids) == 1 else None

    def variable(self, name_tree):
        base, sub, primes = _name_parts(name_tree)
        v = self.name(base, sub, primes)
        if isinstance(v, (Fresh, _FuncRef, _NablaRef)):
            raise ReadError(f"'{base}' is not a variable of the problem")
        return v

    # -- powers, subscripts ------------------------------------------------------------------------
    def r_power(self, node):
        base_node, _, sup = node.children
        kids = sup.children
        label = sup.data in ("iterate", "star")
        if label:  # x^{(1)}: a step's point; w^{\ast}: an optimum
            mark = "*" if sup.data == "star" else str([c for c in kids if _is_token(c, "NUMBER")][0])
            if _is_token(base_node) or base_node.data in ("letter", "greek", "word"):
                tok = base_node if _is_token(base_node) else base_node.children[0]
                return self.name(_name_of(tok), None, 0, sup_label=mark)
            if base_node.data == "subscripted":  # m_{x}^{(1)}: a step's value of a named quantity, one name
                atom, sub = base_node.children
                if _is_token(atom) or atom.data in ("letter", "greek", "word"):
                    tok = atom if _is_token(atom) else atom.children[0]
                    text = str(sub)[2:-1] if str(sub).startswith("_{") else str(sub)[1:]
                    if re.fullmatch(r"[A-Za-z0-9]+", text):
                        return self.name(f"{_name_of(tok)}_{text}", None, 0, sup_label=mark)
            raise ReadError("a label (x^{(t)}, w^{\\ast}) on something that is not a name")
        if not _is_token(base_node) and base_node.data in ("subscripted", "letter", "greek", "word"):
            atom = base_node.children[0]  # sigma_{1}^{2}: a graph's node named as a power (the variance)
            if _is_token(atom) or atom.data in ("letter", "greek", "word"):
                tok = atom if _is_token(atom) else atom.children[0]
                sub = None
                if base_node.data == "subscripted":
                    text = str(base_node.children[1])
                    sub = text[2:-1] if text.startswith("_{") else text[1:]
                key = self.power_node(_name_of(tok), sub, 0, sup)
                if key is not None:
                    return self.node_at(key)
        base = self.ev(base_node)
        if isinstance(base, _Braced):
            raise Ambiguous("braces print nothing: {a + b}^2 reads as a + b^2")
        if isinstance(base, (_FuncRef, _NablaRef)):
            base = self.apply(base, None)
        if isinstance(base, Fresh):
            raise ReadError(f"unknown name '{base.name}'")
        if isinstance(base, sp.IndexedBase):
            raise Ambiguous(f"'{base}' is a vector: a power of it means nothing")
        if isinstance(base, _Ones) and any(_is_token(k, "TOP") for k in kids) or (
                isinstance(base, _Ones) and len(kids) == 1 and _letter(kids[0]) == "T"):
            return _Ones(not base.transposed)
        if sup.data == "neg_top":
            return sp.Inverse(base).T
        transpose = any(_is_token(k, "TOP") for k in kids) or (len(kids) == 1 and _letter(kids[0]) == "T")
        shaped = _shape_entries(base, self.ctx) if transpose and not _is_matrix(base) else None
        if shaped is not None:  # p^T, a bmatrix^T: the transpose, entry by entry
            f, rows, cols = shaped
            return _built(lambda r, c: f(c, r), cols, rows)
        if any(_is_token(k, "TOP") for k in kids) or (len(kids) == 1 and _letter(kids[0]) == "T"
                                                      and _is_matrix(base)):
            if not _is_matrix(base):
                raise ReadError("a transpose of something that is not a vector or a matrix")
            return base.T
        exponent = self.sup_value(sup)
        if _is_matrix(base) and base.shape == (1, 1) and exponent != -1:
            return sp.Pow(base[0, 0], exponent)  # (w^T x)^2: a power of the one entry
        if _is_matrix(base):
            if exponent == -1:
                return sp.Inverse(base)
            if exponent == sp.Integer(-1) * mo.real("T") or exponent == -sp.Symbol("T"):
                return sp.Inverse(base).T
            raise ReadError("only the powers T, -1 and -T of a matrix can be read")
        if isinstance(base, sp.MatrixBase):
            if exponent == -1 and base.is_square and not base.free_symbols and base.det() != 0:
                return sp.ImmutableMatrix(base.inv())  # the inverse of a matrix of numbers
            raise ReadError("a power of an explicit matrix (only the inverse of an invertible matrix of numbers)")
        return sp.Pow(base, exponent)

    def sup_value(self, sup):
        kids = sup.children
        if len(kids) == 1 and _is_token(kids[0]):
            tok = kids[0]
            if tok.type == "NUMBER":
                return self.number(str(tok))
            return self.scalar(self.name(_name_of(tok), None, 0))
        return self.scalar(self.value(kids[0]))

    def r_subscripted(self, node):
        atom, sub = node.children
        return self.subscript(atom, str(sub)[1:].strip("{}") if str(sub).startswith("_{") else str(sub)[1:], 0)

    def r_subscripted_primed(self, node):
        atom, sub, primes = node.children
        text = str(sub)[2:-1] if str(sub).startswith("_{") else str(sub)[1:]
        return self.subscript(atom, text, len(str(primes)))

    def r_primed(self, node):
        atom, primes = node.children
        if _is_token(atom) or atom.data in ("letter", "greek", "word"):
            tok = atom if _is_token(atom) else atom.children[0]
            return self.name(_name_of(tok), None, len(str(primes)))
        raise ReadError("a prime on something that is not a name")

    def subscript(self, atom, sub: str, primes: int):
        if _is_token(atom) or atom.data in ("letter", "greek", "word"):
            tok = atom if _is_token(atom) else atom.children[0]
            return self.name(_name_of(tok), sub, primes)
        if primes:
            raise ReadError("a prime after a subscript of an expression")
        if atom.data == "bracket":  # [e_kl]_{kl}: the matrix of entries e_kl
            return self.entry_matrix(atom, sub)
        if atom.data == "paren":  # (d f / d v)_{q}: q held fixed; (softmax(x))_i
            inner = atom.children[1]
            if not _is_token(inner) and inner.data == "partial_name":
                return self.partial(inner, held=[s.strip() for s in re.split(r"[ ,]+", sub) if s.strip()])
            v = self.value(inner)
            return self.entry_of(v, sub)
        if atom.data == "func":
            return self.entry_of(self.ev(atom), sub)
        raise ReadError(f"a subscript '{sub}' on an expression")

    def entry_of(self, v, sub):
        (i,) = self.indices(sub, 1)
        if mo.is_vector(v) and not isinstance(v, sp.MatrixBase):
            return mo.component(v, i)
        if isinstance(v, sp.MatrixBase):
            if not i.is_number:
                raise ReadError("a symbolic entry of an explicit vector")
            return v[int(i) - 1]
        raise ReadError("an entry of something that is not a vector")

    def entry_matrix(self, atom, sub: str):
        names = [c for c in sub if c.isalpha()] if "," not in sub else [s.strip() for s in sub.split(",")]
        inner = atom.children[1]
        k = mo.index(names[0])
        saved = dict(self.bound)
        for n in names:
            self.bound[n] = mo.index(n)
        try:
            entry = self.value(inner)
        finally:
            self.bound = saved
        rows, cols = self.shape_for(names)
        if len(names) == 1:
            return mo.EntryMatrix(entry, k, mo.index("_unused"), rows, sp.Integer(1))
        if len(names) != 2:
            raise ReadError(f"cannot read the entry indices '{sub}'")
        return mo.EntryMatrix(entry, k, mo.index(names[1]), rows, cols)

    def shape_for(self, names):
        """The size of a matrix [e_kl]_{kl}: that of the problem's variable (its one matrix of that shape)."""
        shape = self.ctx.shape
        if shape is None:
            raise ReadError("a matrix of entries where the problem has no shape for it")
        return shape

    # -- brackets ----------------------------------------------------------------------------------
    def r_paren(self, node):
        return self.value(node.children[1])

    def r_group(self, node):
        inner = node.children[0]
        value = self.value(inner)
        if not _is_token(inner) and inner.data in ("add", "sub", "neg", "pos"):
            return _Braced(value)  # braces print nothing: a sum in them is no bracketed factor
        return value

    def r_bracket(self, node):
        return self.value(node.children[1])

    def r_tuple(self, node):
        items = [self.ev(c) for c in node.children if not _is_token(c)]
        return self.sequence(items, column=False)

    r_bracket_tuple = r_tuple

    def sequence(self, items, column: bool):
        """(a_1, a_2, ..., a_n) or a column with \\vdots: a vector; without dots a Tuple / Matrix."""
        if any(v is DOTS for v in items):
            at = [i for i, v in enumerate(items) if v is DOTS]
            if len(at) != 1 or at[0] == 0 or at[0] != len(items) - 2:
                raise ReadError("a vector with '\\dots' needs its entries before and its last entry after")
            before, last = items[: at[0]], items[-1]
            k = mo.index("_k")
            pattern, top, start, run = _pattern(before, last, k)
            if start != 1 or run != len(before):
                raise ReadError("the entries before '\\dots' do not follow the pattern of the last one")
            return mo.DotsVector(pattern, k, top, column)
        for v in items:
            if isinstance(v, Fresh) and not column:
                raise ReadError(f"unknown name '{v.name}'")
        if column:
            return items
        return sp.Tuple(*items)

    def r_abs(self, node):
        return sp.Abs(self.scalar(self.value(node.children[1])))

    def r_floor(self, node):
        return sp.floor(self.scalar(self.value(node.children[1])))

    def r_ceiling(self, node):
        return sp.ceiling(self.scalar(self.value(node.children[1])))

    def r_norm(self, node):
        v = self.value(node.children[1])
        if _is_matrix(v):
            return sp.sqrt((v.T * v)[0, 0]) if v.shape[1] == 1 else sp.sqrt(sp.Trace(v.T * v))
        if isinstance(v, sp.IndexedBase):
            _, n = [item for item in self.ctx.vectors.values() if item[0] == v][0]
            j = mo.index("_j")
            return sp.sqrt(sp.Sum(v[j] ** 2, (j, 1, n)))
        raise ReadError("a norm of something that is not a vector")

    # -- fractions, roots, functions ---------------------------------------------------------------
    def r_frac(self, node):
        top, bottom = [c for c in node.children if not _is_token(c)]
        d_is_free = "d" not in self.ctx.scalars and "d" not in self.ctx.labels and "d" not in self.ctx.nodes
        derivative_name = _hand_derivative(top, bottom)
        if derivative_name is not None and not d_is_free:
            raise Ambiguous("\\frac{dx}{dy} with d a name of the problem: a derivative or a quotient")
        if derivative_name is not None:
            if derivative_name[0] is None:  # \frac{d}{dx}: an operator on what follows
                return _DOperator(self.variable_parts(derivative_name[1]))
            return self.derivative_of(*derivative_name, held=None)
        a, b = self.value(top), self.value(bottom)
        return _mul(a, sp.Pow(self.scalar(b), -1))

    def r_frac_digits(self, node):
        digits = str(node.children[1])
        if len(digits) != 2 or "." in digits:
            raise Ambiguous(f"\\frac{digits} can be read two ways")
        return sp.Rational(int(digits[0]), int(digits[1]))

    def r_sqrt(self, node):
        return sp.sqrt(self.scalar(self.value(node.children[1])))

    def r_root(self, node):
        kids = [c for c in node.children if not _is_token(c)]
        return sp.root(self.scalar(self.value(kids[1])), self.scalar(self.value(kids[0])))

    def r_partial_name(self, node):
        return self.partial(node, held=None)

    r_total_name = r_partial_name

    def partial(self, node, held):
        names = [c for c in node.children if not _is_token(c)]
        top, bottom = _name_parts(names[0]), _name_parts(names[1])
        return self.derivative_of(top, bottom, held)

    def r_partial_name_power(self, node):
        """d L / d sigma_j^2: the derivative with respect to a graph's node named as a power (the variance
        sigma_j^2 is one name, "sigma1^2", not the square of a node sigma_j)."""
        names = [c for c in node.children if not _is_token(c) and c.data == "name"]
        sup = [c for c in node.children if not _is_token(c) and c.data != "name"][0]
        top, (base, sub, primes) = _name_parts(names[0]), _name_parts(names[1])
        key = self.power_node(base, sub, primes, sup)
        if key is None:
            raise ReadError(f"a derivative with respect to a power of '{base}', which is no name of the graph")
        return self.derivative_of(top, None, None, variable=self.ctx.nodes[key][0])

    def power_node(self, base, sub, primes, sup):
        """The graph node a printed power is the name of (sigma_{1}^{2}: the node "sigma1^2"), or None."""
        kids = sup.children
        if len(kids) == 1 and not _is_token(kids[0]) and kids[0].data == "number":
            kids = kids[0].children  # ^{2} as ^2
        if primes or not self.ctx.nodes or len(kids) != 1 or not _is_token(kids[0], "NUMBER"):
            return None
        power = f"^{kids[0]}"
        for candidate in ([base + power] if sub is None else [base + sub + power, f"{base}_{sub}{power}"]):
            if candidate in self.ctx.nodes:
                return candidate
        return None

    def derivative_of(self, top, bottom, held, variable=None):
        fbase, fsub, fprimes = top
        if variable is None and bottom[1] is None and not bottom[2] and bottom[0] in self.ctx.entries \
                and bottom[0] not in self.ctx.labels and self.ctx.shape is not None \
                and self.ctx.entries[bottom[0]][1] == 2 and not held:
            # d L / d x for a matrix x written by its entries x_ij (of the problem's shape): the matrix of
            # the derivatives d L / d x_ij
            rows, cols = (int(v) for v in self.ctx.shape)
            return sp.ImmutableMatrix(rows, cols, lambda r, c: self.derivative_of(
                top, (bottom[0], f"{r + 1},{c + 1}", 0), None))
        v = variable if variable is not None else self.variable_parts(bottom)
        fnode = self.node_name(fbase, fsub, fprimes)
        if fnode is not None:
            if v == self.ctx.nodes[fnode][0]:
                return sp.Integer(1)
            keep = frozenset([str(v)] + list(held or []))
            if self.ctx.values:  # every line is at the given values: all but v's are numbers before d/dv
                expr = self.node_along(fnode, v, keep)
            else:
                expr = self.node_value(fnode, keep)
            d = derivative(expr, v)
            # at the point where the kept nodes have their values
            d = d.xreplace({self.ctx.nodes[n][0]: self.node_value(n) for n in keep if n in self.ctx.nodes})
            return d.xreplace(self.ctx.values) if self.ctx.values else d
        if held:
            raise ReadError("a derivative holding names fixed is read for a graph's nodes only")
        if fsub is None and not fprimes and fbase in self.ctx.functions:
            body = self.ctx.functions[fbase].body
            if isinstance(v, sp.Indexed) and not _has_matrix(body):
                return DerivativeOf(body, v)  # kept as written, so (df/dx_1, ..., df/dx_n) shows its pattern
            return derivative(body, v)
        f = self.name(fbase, fsub, fprimes)
        if isinstance(f, (Fresh, _FuncRef, _NablaRef)):
            raise ReadError(f"the derivative of '{fbase}', which the problem does not define")
        if f == v:
            return sp.Integer(1)
        return derivative(f, v)

    def node_name(self, base, sub, primes):
        """The graph node a printed name stands for (q; n_{2} for n2), or None."""
        if primes or not self.ctx.nodes:
            return None
        for candidate in ([base] if sub is None else [base + sub, f"{base}_{sub}"]):
            if candidate in self.ctx.nodes:
                return candidate
        return None

    def variable_parts(self, parts):
        base, sub, primes = parts
        node = self.node_name(base, sub, primes)
        if node is not None:
            return self.ctx.nodes[node][0]
        v = self.name(base, sub, primes)
        if isinstance(v, (Fresh, _FuncRef, _NablaRef)):
            raise ReadError(f"'{base}' is not a variable of the problem")
        return v

    def r_partial2_name(self, node):
        names = [c for c in node.children if not _is_token(c) and c.data == "name"]
        pvars = [c for c in node.children if not _is_token(c) and c.data == "pvars"][0]
        f = names[0]
        variables = []
        kids = pvars.children
        i = 0
        while i < len(kids):
            if _is_token(kids[i], "PARTIAL"):
                v = self.variable_parts(_name_parts(kids[i + 1]))
                times = 1
                i += 2
                if i < len(kids) and _is_token(kids[i], "CARET"):
                    times = int(self.sup_value(kids[i + 1]))
                    i += 2
                variables += [v] * times
            else:
                i += 1
        fbase, fsub, fprimes = _name_parts(f)
        if fbase not in self.ctx.functions:
            raise ReadError(f"the derivative of '{fbase}', which the problem does not define")
        value = self.ctx.functions[fbase].body
        for v in reversed(variables):
            value = derivative(value, v)
        return value

    def r_func(self, node):
        fname = _func_name(node.children[0])
        return self.call(fname, self.args(node.children[-1]), power=None, sub=None)

    def r_func_power(self, node):
        fname = _func_name(node.children[0])
        sup = node.children[2]
        exponent = self.sup_value(sup)
        inverse = {"sin": "asin", "cos": "acos", "tan": "atan", "sinh": "asinh", "cosh": "acosh", "tanh": "atanh"}
        if exponent == -1 and fname in inverse:  # \sin^{-1} x is arcsin x, as a reader takes it
            return getattr(sp, inverse[fname])(self.scalar(self.args(node.children[-1])[0]))
        return self.call(fname, self.args(node.children[-1]), power=exponent, sub=None)

    def r_func_sub(self, node):
        fname = _func_name(node.children[0])
        raise ReadError(f"\\{fname} with a subscript")

    def args(self, arg):
        kind = arg.data
        if kind == "arg_list":
            return [self.value(c) for c in arg.children if not _is_token(c)]
        if kind == "arg_bare":  # \sin 2x: the product of what is written up to the next operator
            return [self.multiply([self.simple(c) for c in arg.children])]
        if kind == "arg_op":
            op, body = arg.children
            return [self.r_apply_op(_FakeTree("apply_op", [op, body]))]
        if kind == "arg_func":
            return [self.ev(arg.children[0])]
        if kind == "arg_func_sub":
            return [self.subscript(arg.children[0], _sub_text(str(arg.children[1])), 0)]
        inner = [c for c in arg.children if not _is_token(c)]
        if kind == "arg_group" and not _is_token(inner[0]) and (
                inner[0].data in ("add", "sub", "neg", "pos")
                or inner[0].data == "juxt" and not _is_token(inner[0].children[0])
                and inner[0].children[0].data in ("paren", "tuple")):
            raise Ambiguous("braces print nothing: \\log{(x) + 1} shows log(x) + 1, \\exp{(x) y} shows exp(x) y")
        return [self.value(inner[0])]

    def simple(self, node):
        kids = node.children
        tok = kids[0]
        sub = next((str(k) for k in kids if _is_token(k, "SUB")), None)
        sup = next((k for k in kids if not _is_token(k)), None)
        if tok.type == "NUMBER":
            base = self.number(str(tok))
        else:
            base = self.name(_name_of(tok), sub[1:].strip("{}") if sub else None, 0)
            if isinstance(base, Fresh):
                raise ReadError(f"unknown name '{base.name}'")
        return sp.Pow(self.scalar(base), self.sup_value(sup)) if sup is not None else base

    def call(self, fname: str, args: list, power, sub):
        one = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
               "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh, "sgn": sp.sign, "sign": sp.sign,
               "relu": mo.relu, "sigmoid": mo.sigmoid, "sigma": mo.sigmoid}
        if fname == "sigma" and "sigma" in self.ctx.scalars:
            raise Ambiguous("σ(...) is the sigmoid, and σ a constant of the problem: the page can be read both ways")
        if fname == "diag" and len(args) == 1 and _is_matrix(args[0]) and args[0].shape[1] == 1:
            return sp.DiagMatrix(args[0])  # diag of a matrix expression's column: diag(sigma(Xw))
        if fname == "diag":
            shaped = _shape_entries(args[0], self.ctx) if len(args) == 1 else None
            if shaped is None or shaped[2] != 1:
                raise ReadError("diag of something that is not a vector")
            f, n, _ = shaped
            if power is not None:
                raise ReadError("a power of diag(...)")
            return _built(lambda r, c: sp.KroneckerDelta(r, c) * f(r, sp.Integer(1)), n, n)
        shaped = _shape_entries(args[0], self.ctx) if fname in one and len(args) == 1 else None
        if shaped is not None and shaped[2] == 1 and not _is_matrix(args[0]):
            f, n, _ = shaped  # sigma(x), tanh^2(x) of a vector x: entry by entry
            fn, exponent = one[fname], (power if power is not None else sp.Integer(1))
            return _built(lambda r, c: fn(f(r, c)) ** exponent, n, sp.Integer(1))
        if fname in one and len(args) == 1 and _is_matrix(args[0]) and args[0].shape != (1, 1):
            value = mo.elementwise(one[fname], args[0])  # sigma(Xw): entry by entry
        elif fname in ("softmax", "logsumexp") and len(args) == 1 and _is_matrix(args[0]):
            if args[0].shape[1] != 1:
                raise ReadError(f"{fname} of a matrix that is not a column")
            if fname == "softmax":
                return mo.VecSoftmax(args[0])
            value = mo.LogSumExpOf(args[0])
        elif fname in one:
            if len(args) != 1:
                raise ReadError(f"\\{fname} takes one argument")
            value = one[fname](self.scalar(args[0]))
        elif fname in ("max", "min"):
            if len(args) < 2:
                raise ReadError(f"\\{fname} of one argument")
            value = (sp.Max if fname == "max" else sp.Min)(*[self.scalar(a) for a in args])
        elif fname == "softmax":
            x = args[0]
            if not isinstance(x, sp.IndexedBase):
                raise ReadError("softmax of something that is not a vector of the problem")
            return mo.Softmax(x, self.length_of(x))
        elif fname == "logsumexp":
            x = args[0]
            if not isinstance(x, sp.IndexedBase):
                raise ReadError("logsumexp of something that is not a vector of the problem")
            value = mo.LogSumExp(x, self.length_of(x))
        elif fname == "diag" and len(args) == 1 and _is_matrix(args[0]) and args[0].shape[1] == 1:
            return sp.DiagMatrix(args[0])
        elif fname in ("tr", "trace"):
            value = sp.Trace(args[0])
        elif fname == "det":
            value = sp.Determinant(args[0])
        elif fname in ("E", "Var") and self.ctx.random:
            if len(args) != 1:
                raise ReadError(f"{fname} of several arguments")
            value = expectation(self.scalar(args[0]), self.ctx.random, variance=fname == "Var")
        else:
            raise ReadError(f"unknown function '{fname}'")
        return sp.Pow(value, power) if power is not None else value

    def length_of(self, x):
        for base, n in self.ctx.vectors.values():
            if base == x:
                return n
        raise ReadError(f"the vector {x} has no length in this problem")

    def apply(self, ref, args):
        """f(args), \\nabla f(args); without args: at the function's own variables."""
        if isinstance(ref, _FuncRef):
            fn = self.ctx.functions[ref.name]
            return _substitute(fn, args, ref.name)
        fn = self.ctx.functions.get(ref.name)
        if fn is None:
            raise ReadError(f"\\nabla {ref.name}: the problem defines no function {ref.name}")
        grad = _gradient(fn)
        if args is None:
            return grad
        return _substitute(Function(fn.params, grad), args, ref.name)

    def r_nabla(self, node):
        base, sub, primes = _name_parts([c for c in node.children if not _is_token(c)][-1])
        if sub or primes:
            raise ReadError("\\nabla of a subscripted name")
        if base not in self.ctx.functions:
            raise ReadError(f"\\nabla {base}: the problem defines no function {base}")
        return _NablaRef(base)

    def r_ones(self, node):
        return _Ones(identity="I" in str(node.children[0]))

    def r_indicator(self, node):
        cond = [c for c in node.children if not _is_token(c)][0]
        values, rels = self.condition_parts(cond)
        shapes = [_shape_entries(v, self.ctx) for v in values]
        vectors = [s for s in shapes if s is not None and s[2] == 1]
        if vectors:  # 1[x > 0] of a vector x: entry by entry
            n = vectors[0][1]
            if any(s is None and _has_vector(v) for s, v in zip(shapes, values)) \
                    or not all(_same_size(s[1], n) for s in vectors):
                raise ReadError("a condition on vectors of different lengths")

            def entry(r, c):
                at = [s[0](r, c) if s is not None else v for s, v in zip(shapes, values)]
                return sp.Piecewise((1, sp.And(*[_rel(rel, a, b) for rel, a, b in zip(rels, at, at[1:])])), (0, True))

            return _built(entry, n, sp.Integer(1))
        return sp.Piecewise((1, sp.And(*[_rel(r, a, b) for r, a, b in zip(rels, values, values[1:])])), (0, True))

    def r_indicator_sub(self, node):
        sub = str(node.children[1])
        text = sub[2:-1] if sub.startswith("_{") else sub[1:]
        triples = read_condition(text, self.ctx)
        return sp.Piecewise((1, sp.And(*[_rel(r, a, b) for r, a, b in triples])), (0, True))

    def condition_parts(self, node):
        """A condition's sides and its relations, in order."""
        kids = node.children
        saved, self.index_letters = self.index_letters, True  # in a condition, k is an index
        try:
            values = [self.value(c) for c in kids if not _is_token(c, "REL")]
        finally:
            self.index_letters = saved
        return values, [_relation(str(c)) for c in kids if _is_token(c, "REL")]

    def condition(self, node):
        kids = node.children
        saved, self.index_letters = self.index_letters, True  # in a condition, k is an index
        try:
            values = [self.value(c) for c in kids if not _is_token(c, "REL")]
        finally:
            self.index_letters = saved
        rels = [_relation(str(c)) for c in kids if _is_token(c, "REL")]
        return sp.And(*[_rel(r, a, b) for r, a, b in zip(rels, values, values[1:])])

    def r_matrix(self, node):
        begin, end = str(node.children[0]), str(node.children[-1])
        if begin.split("{")[1] != end.split("{")[1]:
            raise Ambiguous(f"{begin} closed by {end}")
        rows_node = [c for c in node.children if not _is_token(c)][0]
        rows = []
        for row in rows_node.children:
            if _is_token(row):
                continue
            rows.append([self.ev(c) for c in row.children if not _is_token(c, "AMP")])
        if any(v is DOTS for r in rows for v in r):
            if all(len(r) == 1 for r in rows):
                return self.sequence([r[0] for r in rows], column=True)
            if len(rows) == 1:
                return self.sequence(rows[0], column=False)
            raise ReadError("a matrix with dots in two directions")
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise ReadError("a matrix with rows of different lengths")
        if all(isinstance(v, Fresh) for r in rows for v in r):
            return _Names([[v.name for v in r] for r in rows])
        for r in rows:
            for v in r:
                if isinstance(v, Fresh):
                    raise ReadError(f"unknown name '{v.name}'")
                if isinstance(v, (_FuncRef, _NablaRef)):
                    raise ReadError("a function name as a matrix entry")
        return sp.ImmutableMatrix([[self.scalar(v) for v in r] for r in rows])

    def r_cases(self, node):
        rows_node = [c for c in node.children if not _is_token(c)][0]
        pieces = []
        for row in rows_node.children:
            if _is_token(row):
                continue
            value = self.value(row.children[0])
            text = next((str(c) for c in row.children if _is_token(c, "TEXT")), "")
            cond = next((c for c in row.children if not _is_token(c) and c.data == "condition"), None)
            if cond is not None:
                pieces.append((value, self.condition(cond)))
            elif "otherwise" in text or "else" in text:
                pieces.append((value, sp.true))
            else:
                raise ReadError("a case without its condition")
        return sp.Piecewise(*pieces)

    def r_number(self, node):
        return self.number(str(node.children[0]))

    def r_letter(self, node):
        return self.name(_name_of(node.children[0]), None, 0)

    r_greek = r_letter

    def r_word(self, node):
        if str(node.children[0]) == "\\mathrm{e}":
            return sp.E  # Euler's number, upright
        return self.r_letter(node)

    def r_text(self, node):
        words = re.match(r"\\[a-z]+\{(.*)\}$", str(node.children[0]), re.S).group(1).strip()
        key = f"\\text{{{words}}}"
        if key in self.ctx.labels:
            return self.ctx.labels[key]
        return Fresh(key)

    def r_dots(self, node):
        return DOTS

    def scalar(self, v):
        if isinstance(v, _Args):
            v = v.value
        if isinstance(v, _Braced):
            v = v.value
        if isinstance(v, sp.IndexedBase):
            raise Ambiguous(f"'{v}' is a vector where a number is meant")
        if isinstance(v, (_FuncRef, _NablaRef)):
            v = self.apply(v, None)
        if isinstance(v, Fresh):
            raise ReadError(f"unknown name '{v.name}'")
        if v is DOTS:
            raise ReadError("'\\dots' where a value is expected")
        if isinstance(v, sp.MatrixExpr) and v.shape == (1, 1):
            return v[0, 0]
        return v


# ---------------------------------------------------------------------------------------------------
# Helpers.


class _Args:
    def __init__(self, value, is_tuple: bool):
        self.value = value
        self.is_tuple = is_tuple

    def items(self):
        return list(self.value.args) if self.is_tuple else [self.value]


class _Ones:
    """The bold 1, a vector of ones whose size its neighbours give (1 - y, 1^T x); transposed: a row."""

    def __init__(self, transposed: bool = False, identity: bool = False):
        self.transposed = transposed
        self.identity = identity  # the bold I: the identity matrix of its neighbours' size

    def sized(self, shape):
        rows, cols = shape
        if self.identity:
            if rows != cols:
                raise ReadError("the identity beside a matrix that is not square")
            return sp.Identity(rows)
        return sp.OneMatrix(cols, rows) if self.transposed else sp.OneMatrix(rows, cols)


class _Scaled:
    """c I or c 1: a number times a bold I or 1, sized by the sum it stands in (2 I + X^T X)."""

    def __init__(self, factor, ones):
        self.factor, self.ones, self.transposed = factor, ones, ones.transposed

    def sized(self, shape):
        return self.factor * self.ones.sized(shape[::-1] if self.transposed else shape)


class _Braced:
    """A value written in braces, which print nothing: {x + 1} shows x + 1."""

    def __init__(self, value):
        self.value = value


class _Slashed:
    """a/b written with a slash: beside further factors it can be read two ways."""

    def __init__(self, value):
        self.value = value


class _DOperator:
    """\\frac{d}{dx} written in front of what it differentiates."""

    def __init__(self, variable):
        self.variable = variable


class _FakeTree:
    def __init__(self, data, children):
        self.data = data
        self.children = children


def _minus_token():
    import lark

    return lark.Token("MINUS", "-")



def _sub_text(sub: str) -> str:
    return sub[2:-1] if sub.startswith("_{") else sub[1:]


def _is_atomic(node) -> bool:
    """A node that prints as one unit (a name, a number, a bracket, a fraction, a function)."""
    if _is_token(node):
        return True
    return node.data in ("letter", "greek", "word", "number", "paren", "tuple", "bracket", "frac", "func",
                         "func_power", "subscripted", "power", "sqrt", "abs", "norm", "matrix", "partial_name")


class _Names:
    """A column of names being defined (x^{(1)}, y^{(1)} stacked)."""

    def __init__(self, names):
        self.names = names

    def __repr__(self):
        return f"_Names({self.names})"


def _power_of_ten(value):
    """k when value is 10^k exactly (10^{-131} is the Rational 1/10^131 once read), else None."""
    if not isinstance(value, sp.Rational) or value <= 0:
        return None
    p, q = int(value.p), int(value.q)
    for number, sign in ((p, 1), (q, -1)):
        other = q if sign == 1 else p
        if other == 1 and number >= 1 and str(number).rstrip("0") == "1":
            return sign * (len(str(number)) - 1)
    return None


_TOKEN: list = []


def _resolved(value):
    """A value with the derivatives the page names (kept for reading patterns) taken."""
    if isinstance(value, sp.Basic) and value.has(DerivativeOf):
        return value.replace(lambda e: isinstance(e, DerivativeOf), lambda e: e.value())
    return value


def _is_token(node, kinds=None) -> bool:
    if not _TOKEN:  # lark's Token class, looked up once (an import statement here ran on every node)
        import lark

        _TOKEN.append(lark.Token)
    if not isinstance(node, _TOKEN[0]):
        return False
    if kinds is None:
        return True
    return node.type in ((kinds,) if isinstance(kinds, str) else kinds)


def _letter(node) -> str | None:
    """The letter a node is, if it is a single letter (x, or {x})."""
    if _is_token(node, "LETTER"):
        return str(node)
    if not _is_token(node) and node.data == "letter":
        return str(node.children[0])
    return None


def _name_of(tok) -> str:
    text = str(tok)
    if tok.type == "WORD" and text.startswith("\\hat"):  # \hat{m}: its own name, not m's
        return "hat(" + re.match(r"\\hat\{(.*)\}$", text).group(1) + ")"
    if tok.type == "WORD":
        return re.match(r"\\[a-z]+\{(.*)\}$", text).group(1)
    if tok.type == "GREEK":
        name = text[1:]
        return {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho"}.get(name, name)
    return text


def _name_parts(tree):
    """(base, subscript text or None, primes) of a `name` node."""
    base, sub, primes = None, None, 0
    for c in tree.children:
        if c.type == "SUB":
            s = str(c)
            sub = s[2:-1] if s.startswith("_{") else s[1:]
        elif c.type == "PRIMES":
            primes = len(str(c))
        else:
            base = _name_of(c)
    return base, sub, primes


def expectation(expr, random: dict, variance: bool = False):
    """E[expr] (or Var[expr] = E[expr^2] - E[expr]^2) over the random names of `random` in it, taken as
    independent: the sum over every combination of their values of the product of the probabilities times
    expr there. A random vector's entries with different written indices count as different variables
    (m_i and m_j: the page means i != j). Nothing random in expr: ReadError (E of a constant is not what
    a page writing E means)."""
    import itertools

    atoms = sorted((a for a in expr.atoms(sp.Symbol, sp.Indexed)
                    if a in random or (isinstance(a, sp.Indexed) and a.base in random)), key=sp.default_sort_key)
    if not atoms:
        raise ReadError("E[...] or Var[...] of something without a random name")
    laws = [random[a] if a in random else random[a.base] for a in atoms]
    if len(atoms) > 6:
        raise ReadError("an expectation over more than 6 random names")

    def mean(e):
        total = sp.Integer(0)
        for combo in itertools.product(*laws):
            weight = sp.Mul(*[prob for _, prob in combo])
            total += weight * e.xreplace({a: v for a, (v, _) in zip(atoms, combo)})
        return sp.simplify(total)

    first = mean(expr)
    return sp.simplify(mean(expr ** 2) - first ** 2) if variance else first


def _func_name(tok) -> str:
    text = str(tok)
    m = re.match(r"\\operatorname\{([A-Za-z]+)\}", text)
    return m.group(1) if m else text[1:]


def _relation(text: str) -> str:
    text = text.strip()
    return {"\\approx": "≈", ":=": ":=", "\\coloneqq": ":=", "\\ne": "≠", "\\neq": "≠", "\\le": "≤",
            "\\leq": "≤", "\\ge": "≥", "\\geq": "≥"}.get(text, text)


def _rel(rel, a, b):
    relation = {"=": sp.Eq, "≠": sp.Ne, "<": sp.Lt, ">": sp.Gt, "≤": sp.Le, "≥": sp.Ge}[rel]
    if all(isinstance(e, sp.Expr) and e.is_number and e.is_comparable for e in (a, b)):
        return relation(a, b)  # two numbers (a graph's nodes at their values): decided, not left for SymPy's
    return relation(a, b, evaluate=False)  # Piecewise, which fails on an unevaluated 4.5 > 0 (zoo)


def _sum_limits(sub: str):
    text = sub[2:-1] if sub.startswith("_{") else sub[1:]
    if "=" in text:
        var, lower = text.split("=", 1)
        var = var.strip()
    else:
        var, lower = text.strip(), None
    if not re.fullmatch(r"[A-Za-z]", var):
        raise ReadError(f"cannot read the sum's index '{text}'")
    return var, lower


def _is_matrix(v) -> bool:
    return isinstance(v, sp.MatrixExpr) and not isinstance(v, sp.MatrixBase)


def _mul(a, b):
    if isinstance(a, mo.EntryMatrix) or isinstance(b, mo.EntryMatrix) or (
            isinstance(a, sp.MatrixBase) != isinstance(b, sp.MatrixBase)
            and any(mo.is_vector(v) and not isinstance(v, sp.MatrixBase) for v in (a, b))):
        sa, sb = _shape_entries(a), _shape_entries(b)
        if sa is not None and sb is not None:  # p p^T, diag(p) times a matrix: the matrix product
            return _matmul(sa, sb)
        if (sa is None) != (sb is None):  # a number times a matrix: entry by entry
            (f, rows, cols), c = (sa, b) if sb is None else (sb, a)
            if isinstance(c, sp.IndexedBase) or _is_matrix(c) or isinstance(c, sp.MatrixBase):
                raise ReadError("a product of a matrix and a vector's name")
            return _built(lambda r, q: c * f(r, q), rows, cols)
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        return a * b
    if _is_matrix(a) or _is_matrix(b):
        return (a * b).doit(deep=False) if _is_matrix(a) and _is_matrix(b) else a * b  # one flat product
    return a * b


# Vectors and matrices written in vector notation (diag(p) - p p^T, sigma(x) \\odot (1 - sigma(x))), taken entry
# by entry: explicit at a given size, [e_rq]_{rq} (an EntryMatrix) at a symbolic one, so that the check makes
# them explicit at n = 2, 3, 4.

_ROW, _COL, _SUM = mo.index("_r"), mo.index("_q"), mo.index("_t")


def _shape_entries(v, ctx=None):
    """(entry of (row, column), rows, columns) of a vector or matrix the page writes by name or in vector
    notation -- a vector of the problem (x), a vector the display objects give (softmax(x), the label p), an
    explicit matrix, [e_kl]_{kl} -- or None (a number, a matrix symbol)."""
    if isinstance(v, sp.IndexedBase):
        for base, n in (ctx.vectors.values() if ctx is not None else ()):
            if base == v:
                return (lambda r, c: v[r]), sp.sympify(n, strict=True), sp.Integer(1)
        return None
    if isinstance(v, sp.MatrixBase):
        return (lambda r, c: v[int(r) - 1, int(c) - 1]), sp.Integer(v.rows), sp.Integer(v.cols)
    if isinstance(v, mo.EntryMatrix):
        entry, k, l, rows, cols = v.args
        return (lambda r, c: entry.subs({k: r, l: c}, simultaneous=True)), rows, cols
    if isinstance(v, sp.Basic) and not isinstance(v, sp.MatrixExpr) and mo.is_vector(v):
        n = mo.vector_length(v)
        if n is not None:
            return (lambda r, c: mo.component(v, r)), sp.sympify(n, strict=True), sp.Integer(1)
    return None


def _has_vector(v) -> bool:
    return isinstance(v, sp.IndexedBase) or (isinstance(v, sp.Basic) and mo.is_vector(v))


def _same_size(a, b) -> bool:
    return sp.expand(sp.sympify(a, strict=True) - sp.sympify(b, strict=True)) == 0


def _built(entry, rows, cols):
    """The matrix whose (r, c) entry is entry(r, c): explicit when its size is a number."""
    rows, cols = sp.sympify(rows, strict=True), sp.sympify(cols, strict=True)
    if rows.is_number and cols.is_number:
        return sp.ImmutableMatrix(int(rows), int(cols), lambda a, b: entry(sp.Integer(a + 1), sp.Integer(b + 1)))
    r = _ROW if rows != 1 else sp.Integer(1)
    c = _COL if cols != 1 else sp.Integer(1)
    return mo.EntryMatrix(entry(r, c), _ROW, _COL if cols != 1 else mo.index("_unused"), rows, cols)


def _matmul(sa, sb):
    """The product of two matrices given entry by entry (a column times a row: the outer product)."""
    (fa, ra, ca), (fb, rb, cb) = sa, sb
    if not _same_size(ca, rb):
        raise Ambiguous(f"a product of a matrix with {ca} columns and one with {rb} rows means nothing")
    one = sp.Integer(1)
    if ca == 1:
        def entry(r, c):
            return fa(r, one) * fb(one, c)
    elif ca.is_number:
        def entry(r, c):
            return sp.Add(*[fa(r, sp.Integer(t)) * fb(sp.Integer(t), c) for t in range(1, int(ca) + 1)])
    else:
        def entry(r, c):
            return sp.Sum(fa(r, _SUM) * fb(_SUM, c), (_SUM, 1, ca))
    if ra == 1 and cb == 1:
        return entry(one, one)
    return _built(entry, ra, cb)


def _entrywise_sum(terms, shapes):
    """A sum of matrices written in vector notation, entry by entry; a number beside vectors is a vector of
    that number in every entry (1 - sigma(x))."""
    sized = [s for s in shapes if s is not None]
    rows, cols = sized[0][1], sized[0][2]
    for s in sized:
        if not (_same_size(s[1], rows) and _same_size(s[2], cols)):
            raise Ambiguous("a sum of matrices of different shapes means nothing")
    for s, (_, v) in zip(shapes, terms):
        if s is None and not (isinstance(v, sp.Basic) and v.is_number and cols == 1):
            raise Ambiguous("a sum of a matrix and something that is not a matrix of its shape means nothing")

    def entry(r, c):
        return sp.Add(*[sign * (s[0](r, c) if s is not None else v) for s, (sign, v) in zip(shapes, terms)])

    return _built(entry, rows, cols)


def _hand_derivative(top, bottom):
    """\\frac{df}{dx} typed by hand: (name parts of f, of x), or None."""
    def parts(t):
        if _is_token(t) or t.data != "juxt" or len(t.children) != 2:
            return None
        d, rest = t.children
        if not (not _is_token(d) and d.data == "letter" and str(d.children[0]) == "d"):
            return None
        if _is_token(rest):
            return None
        if rest.data in ("letter", "greek", "word"):
            return (_name_of(rest.children[0]), None, 0)
        if rest.data == "subscripted" and not _is_token(rest.children[0]) \
                and rest.children[0].data in ("letter", "greek"):
            s = str(rest.children[1])
            return (_name_of(rest.children[0].children[0]), s[2:-1] if s.startswith("_{") else s[1:], 0)
        return None

    a, b = parts(top), parts(bottom)
    if b and not a and not _is_token(top) and top.data == "letter" and str(top.children[0]) == "d":
        return (None, b)  # \frac{d}{dx}: the operator
    return (a, b) if a and b else None


def _index_slots(expr, old, new):
    """expr with the index `old` replaced by `new` where it is an index (entries, deltas, softmax); in a
    derivative the page names (d f / d x_k), only in its variable."""
    if isinstance(expr, DerivativeOf):
        return DerivativeOf(expr.args[0], _index_slots(expr.args[1], old, new))
    def entry(e):
        return e.base[tuple(new if i == old else i.xreplace({old: new}) if i.has(old) else i for i in e.indices)]

    out = expr.replace(lambda e: isinstance(e, sp.Indexed) and any(i.has(old) for i in e.indices), entry)
    out = out.replace(lambda e: isinstance(e, sp.KroneckerDelta) and e.has(old),
                      lambda e: sp.KroneckerDelta(*[a.xreplace({old: new}) for a in e.args]))
    out = out.replace(lambda e: isinstance(e, mo.SoftmaxEntry) and e.args[1].has(old),
                      lambda e: mo.SoftmaxEntry(e.args[0], e.args[1].xreplace({old: new}), e.args[2]))
    return out


def _slot_values(expr) -> list:
    """The indices written in expr (entries, deltas, softmax entries), but not those a sum in it binds; of
    a derivative the page names, those of its variable."""
    if isinstance(expr, DerivativeOf):
        return _slot_values(expr.args[1])
    bound = {lim[0] for total in expr.atoms(sp.Sum, sp.Product) for lim in total.limits} \
        if isinstance(expr, sp.Basic) else set()
    values = []
    for e in sp.preorder_traversal(expr):
        if isinstance(e, sp.Indexed):
            values.extend(e.indices)
        elif isinstance(e, sp.KroneckerDelta):
            values.extend(e.args)
        elif isinstance(e, mo.SoftmaxEntry):
            values.append(e.args[1])
    return [v for v in values if not (v.free_symbols & bound)]


def _same(a, b) -> bool:
    if a == b:
        return True
    try:
        return sp.expand(a - b) == 0
    except Exception:  # noqa: BLE001 - not comparable: not the same
        return False


def _pattern(before: list, last, var):
    """From the terms a_p, ..., a_q written before the dots and the last term a_top: the term a(var), the
    top index, the first index of the run of terms that ends the written ones, and that run's length."""
    if not before:
        raise ReadError("a written-out sum needs a term before '\\dots'")
    prev = before[-1]
    candidates = []
    for top in dict.fromkeys(_slot_values(last)):
        for start_value in dict.fromkeys(v for v in _slot_values(prev) if v.is_Integer):
            # the last term is a(top): its index `top` may be an expression of the top (n - 1); where
            # the top is a name, it may also be a factor of the term (x_1^2 + 2 x_2^2 + ... + n x_n^2)
            tries = [_index_slots(last, top, var)]
            if top.free_symbols and not top.is_Integer:
                tries.append(last.xreplace({top: var}) if top.is_Symbol else _index_slots(last, top, var))
            for pattern in tries:
                if not pattern.has(var):
                    continue
                if _same(_index_slots(pattern, var, start_value).xreplace({var: start_value}), prev):
                    candidates.append((pattern, top, start_value))
                    break
    if not candidates:
        raise ReadError("cannot see the pattern of the terms around '\\dots'")
    pattern, top, value = candidates[0]
    run = _run_length(before, pattern, var, end=value)
    start = value - run + 1
    gap = sp.expand(top - value)
    if gap.is_number and gap < 2:  # a_1 + a_2 + ... + a_2, a_5 + a_6 + ... + a_3: no terms for the dots
        raise Ambiguous("the last term of a written-out sum comes before or right after the ones written")
    return pattern, top, start, run


def _fits_elsewhere(term, pattern, var, start) -> bool:
    """Whether a term written before a run is the pattern at an index that does not continue the run
    (x_1 + x_3 + ... : the step is not 1)."""
    for j in range(-3, 12):
        if j != start - 1 and _same(_index_slots(pattern, var, sp.Integer(j)).xreplace({var: sp.Integer(j)}), term):
            return True
    return False


def _run_length(before, pattern, var, end) -> int:
    """How many of the terms before the dots, counted from the last back, are a(end), a(end - 1), ..."""
    count = 0
    for t in reversed(before):
        if _same(_index_slots(pattern, var, end - count).xreplace({var: end - count}), t):
            count += 1
        else:
            break
    return count


def _gradient(fn: Function):
    """The gradient of a function of its parameters: a DotsVector for one vector of symbolic length, a
    column otherwise."""
    params = []
    for p in fn.params:
        if isinstance(p, tuple):  # (IndexedBase, length)
            base, n = p
            if not n.is_number:
                if len(fn.params) != 1:
                    raise ReadError("a gradient over a vector of symbolic length and other variables")
                k = mo.index("_k")
                return mo.DotsVector(derivative(fn.body, base[k]), k, n, True)
            params.extend(base[i] for i in range(1, int(n) + 1))
        elif isinstance(p, sp.MatrixSymbol):
            return mo.GradientOf(fn.body, p)
        else:
            params.append(p)
    return sp.ImmutableMatrix([derivative(fn.body, v) for v in params])


def _substitute(fn: Function, args, name: str):
    """fn's body at the arguments the page writes: its own variables (f(x)) or a point (f(1, 2))."""
    if args is None:
        return fn.body
    if len(args) != len(fn.params):
        raise ReadError(f"{name} takes {len(fn.params)} argument(s), the page gives {len(args)}")
    sub = {}
    body = fn.body
    for p, a in zip(fn.params, args):
        if isinstance(p, tuple):
            base, n = p
            if isinstance(a, sp.IndexedBase) and a == base:
                continue
            if isinstance(a, sp.MatrixBase) and n.is_number and len(a) == int(n):
                sub.update({base[i + 1]: v for i, v in enumerate(a)})
                body = body.doit() if isinstance(body, sp.Basic) else body  # sums over the entries, written out
                continue
            raise ReadError(f"{name}: the argument for the vector {base} is not the vector or a point")
        if a == p:
            continue
        if isinstance(p, sp.MatrixSymbol):
            raise ReadError(f"{name}: the argument for the matrix {p} is not {p}")
        sub[p] = a
    return body.xreplace(sub) if sub else body
