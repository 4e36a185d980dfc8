"""SymPy objects of the house: the named functions a spec may call and the display-only objects a
derivation shows (gradients, partials, softmax, unit vectors, vectors written with dots).

Each display object knows two things: how it prints (in `printer.py`, the one place for LaTeX) and what
its k-th component or its value is (`component`, `elementary`), so the verifier can check any line that
shows it.
"""
from __future__ import annotations

import functools

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

# ---------------------------------------------------------------------------------------------------
# Symbols: one factory, so that the same name always gives the same symbol across parses.


def real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def index(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


def vector(name: str) -> sp.IndexedBase:
    return sp.IndexedBase(name, real=True)


def fresh_index(avoid: set[str], prefer: tuple[str, ...] = ("k", "j", "l", "m", "p", "r", "s")) -> sp.Symbol:
    for name in prefer:
        if name not in avoid:
            return index(name)
    n = 1
    while f"k{n}" in avoid:
        n += 1
    return index(f"k{n}")


def names_in(expr) -> set[str]:
    out: set[str] = set()
    for atom in sp.sympify(expr, strict=True).atoms(sp.Symbol, sp.IndexedBase, sp.MatrixSymbol):
        out.add(str(atom))
    for idx in sp.sympify(expr, strict=True).atoms(sp.Indexed):
        out.add(str(idx.base))
    return out


# ---------------------------------------------------------------------------------------------------
# Named scalar functions a spec may call.


class sigmoid(sp.Function):
    """The logistic function 1/(1 + e^(-u))."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return 1 / (1 + sp.exp(-u))

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return sp.Rational(1, 2)
        return None

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0]))).evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real


class relu(sp.Function):
    """max(u, 0); its derivative at 0 is taken as 0 (the convention of deep-learning frameworks)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, u, **kwargs):
        return sp.Max(u, 0)

    @classmethod
    def eval(cls, u):
        if u.is_number and u.is_real:
            return sp.Max(u, 0)
        return None

    def _eval_is_real(self):
        return self.args[0].is_real


class LogSumExp(sp.Function):
    """logsumexp(x) = log(sum_j exp(x_j)) for a vector x of length n; args (x, n)."""

    nargs = 2

    def elementary(self, dummy: sp.Symbol | None = None):
        x, n = self.args
        j = dummy or fresh_index(names_in(self))
        return sp.log(sp.Sum(sp.exp(x[j]), (j, 1, n)))


class SoftmaxEntry(sp.Function):
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j); args (x, i, n)."""

    nargs = 3

    def elementary(self, dummy: sp.Symbol | None = None):
        x, i, n = self.args
        j = dummy or fresh_index(names_in(self))
        return sp.exp(x[i]) / sp.Sum(sp.exp(x[j]), (j, 1, n))


class TieShare(sp.Function):
    """The share of max (sign 1) or min (sign -1) that reaches its argument number i: 1/m when that
    argument is one of the m arguments that attain the max (min), else 0 -- a tie splits the gradient
    equally, however many arguments tie. Args: (sign, i, *arguments)."""

    @classmethod
    def eval(cls, sign, i, *args):
        if not (sign.is_Integer and i.is_Integer and args and all(a.is_number and a.is_real for a in args)):
            return None
        values = [a * sign for a in args]
        top = max(values)
        tied = [j for j, v in enumerate(values) if v == top]
        return sp.Rational(1, len(tied)) if int(i) - 1 in tied else sp.Integer(0)

    def _eval_is_real(self):
        return True


class InRange(sp.Function):
    """1 when lo <= e <= hi, else 0: args (e, lo, hi), either bound -oo / oo when there is none. The
    derivative of a sum over part of a vector (i = 2..n) with respect to x_k holds for the k it reaches."""

    @classmethod
    def eval(cls, e, lo, hi):
        low = sp.true if lo == -sp.oo else sp.Ge(e, lo)
        high = sp.true if hi == sp.oo else sp.Le(e, hi)
        if low is sp.false or high is sp.false:
            return sp.Integer(0)
        if low is sp.true and high is sp.true:
            return sp.Integer(1)
        return None

    def _eval_is_real(self):
        return True


def rename_clashing_indices(expr):
    """Sums whose index has the name of another name of the expression (a constant i beside
    sum_{i=1}^{n}) get a fresh index, so that the page does not write i for two things."""
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Sum):
        return expr
    free = {str(s) for s in expr.free_symbols} | names_in(expr)

    def rename(total):
        sub, limits = {}, []
        for var, lo, hi in total.limits:
            clash = any(str(s) == str(var) and s != var for s in expr.free_symbols)
            if clash:
                new = fresh_index(free | {str(var)}, ("j", "l", "m", "p", "r", "s", "t"))
                free.add(str(new))
                sub[var] = new
                var = new
            limits.append((var, lo, hi))
        return sp.Sum(total.function.xreplace(sub), *limits) if sub else total

    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


def undecided_ties(expr) -> list:
    """The shares of max or min in expr that a point leaves undecided: some arguments tie at numbers while
    others are still symbols (max(0, 0, a): a split in halves if a < 0, none if a > 0)."""
    out = []
    for t in expr.atoms(TieShare):
        numbers = [a for a in t.args[2:] if a.is_number]
        if len(set(numbers)) < len(numbers) and any(not a.is_number for a in t.args[2:]):
            out.append(t)
    return out


def accurate(expr, digits: int = 30):
    """The number expr is, to `digits` significant digits, computed at rising precision until two
    precisions agree: 1 - tanh(150)^2 or sigma(300)(1 - sigma(300)) lose every digit to cancellation at
    a fixed precision (sp.N can give 0.e-130)."""
    previous = None
    for precision in (digits, 2 * digits, 4 * digits, 8 * digits, 16 * digits, 32 * digits):
        value = sp.N(expr, precision)
        if previous is not None and value.is_number and previous.is_number and (value != 0 or precision >= 8 * digits):
            scale = max(abs(value), abs(previous))
            if value == previous or (scale != 0 and abs(value - previous) <= scale * sp.Float(10) ** (2 - digits)):
                return sp.N(value, digits)
        previous = value
    return sp.N(value, digits)


def kinks_at(expr, values: dict) -> list[str]:
    """The gates of expr that meet a non-differentiable point at these values: a tie in max or min, relu
    or |.| at 0 (in words, e.g. 'max(x, y)')."""
    found = []
    for f in expr.atoms(sp.Max, sp.Min, relu, sp.Abs):
        args = [sp.sympify(a, strict=True).xreplace(values) for a in f.args]
        if isinstance(f, (sp.Max, sp.Min)):
            numbers = [a for a in args if a.is_number]
            if len(set(numbers)) < len(numbers):
                found.append(sp.sstr(f))
        elif args[0].is_number and args[0] == 0:
            found.append(sp.sstr(f))
    return sorted(found)


def in_range(e, lo, hi, ranges: dict):
    """InRange(e, lo, hi) with the bounds that the indices' own ranges already imply left out
    (ranges: {k: N}, k in 1..N): 1 when both are implied."""
    lo, hi = sp.sympify(lo, strict=True), sp.sympify(hi, strict=True)
    free = [k for k in e.free_symbols if k in ranges]
    low_end, high_end = e, e
    if len(free) == 1 and sp.Poly(e, free[0]).degree() == 1 and sp.Poly(e, free[0]).LC() == 1:
        k = free[0]
        low_end, high_end = e.subs(k, 1), e.subs(k, ranges[k])
    implied_low = sp.expand(low_end - lo)
    implied_high = sp.expand(hi - high_end)
    if implied_low.is_nonnegative or (implied_low.is_number and implied_low >= 0):
        lo = -sp.oo
    if implied_high.is_nonnegative or (implied_high.is_number and implied_high >= 0):
        hi = sp.oo
    if len(free) == 1 and low_end != e:  # k + c in [lo, hi]: k in [lo - c, hi - c], as a reader writes it
        c = sp.expand(e - free[0])
        e, lo, hi = free[0], lo - c, hi - c
    return InRange(e, lo, hi)


NAMED = (sigmoid, relu, LogSumExp, SoftmaxEntry, TieShare, InRange)


class _TieMax(sp.Function):
    """max, differentiated with a tie split equally among the arguments that attain it."""

    def fdiff(self, argindex=1):
        return TieShare(sp.Integer(1), sp.Integer(argindex), *self.args)


class _TieMin(sp.Function):
    def fdiff(self, argindex=1):
        return TieShare(sp.Integer(-1), sp.Integer(argindex), *self.args)


@functools.lru_cache(maxsize=1024)
def conventional_diff(expr, v):
    """d expr / d v with the key's conventions at kinks: a tie in max or min splits the gradient equally
    among the arguments that attain it (TieShare), relu'(0) = 0, |u|'(0) = sign(0) = 0. The one place
    these conventions live; the confirmation checks them against one-sided differences."""
    e = elementary(expr, index("_s")) if expr.has(LogSumExp, SoftmaxEntry) else expr  # a sum index no line uses
    kinked = e.has(sp.Max, sp.Min)
    if kinked:
        e = e.replace(lambda t: isinstance(t, sp.Max), lambda t: _TieMax(*t.args))
        e = e.replace(lambda t: isinstance(t, sp.Min), lambda t: _TieMin(*t.args))
    d = sp.diff(e, v)
    if kinked:
        d = d.replace(lambda t: isinstance(t, _TieMax), lambda t: sp.Max(*t.args)).replace(
            lambda t: isinstance(t, _TieMin), lambda t: sp.Min(*t.args))
    return d


def plain_functions(expr):
    """sigmoid and relu written with exp and Max, for code that only knows SymPy's own functions."""
    expr = expr.replace(lambda e: isinstance(e, sigmoid), lambda e: 1 / (1 + sp.exp(-e.args[0])))
    return expr.replace(lambda e: isinstance(e, relu), lambda e: sp.Max(e.args[0], 0))


def elementary(expr, dummy: sp.Symbol | None = None):
    """Write the named functions of `expr` in elementary functions (softmax entries, logsumexp)."""
    return expr.replace(lambda e: isinstance(e, (LogSumExp, SoftmaxEntry)),
                        lambda e: e.elementary(dummy))


# ---------------------------------------------------------------------------------------------------
# Display objects. They are Expr so that they sit inside sums and products; `component` gives entries.


class Display(sp.Expr):
    """Base for objects that only print; `value()` says what they stand for (None: not a value)."""

    is_commutative = True

    def __new__(cls, *args):
        return sp.Expr.__new__(cls, *[sp.sympify(a, strict=True) if not isinstance(a, sp.Basic) else a for a in args])

    def _eval_derivative(self, s):
        raise TypeError(f"{type(self).__name__} is display-only")


class Applied(Display):
    """f(x): a function's name applied to its arguments; args (Symbol(name), *arguments)."""


class Partial(Display):
    """The partial derivative of the named function f with respect to v: args (Symbol(f), v)."""


class LocalPartial(Display):
    """d b / d a holding the names in `held` fixed (the local derivative of b's own definition, where a
    also reaches b through them): args (Symbol(b), a, *held)."""


class PartialOf(Display):
    """d/dv applied to an expression, printed with the operator in front: args (expr, v).
    Its value is the derivative, so a chain-rule line showing it is checked like any other."""

    precedence = 50  # as a product: the operator takes what follows it

    def value(self):
        return sp.diff(self.args[0], self.args[1])


class Nabla(Display):
    """The gradient of the named function: args (Symbol(f), *arguments)."""


class Softmax(Display):
    """The vector softmax(x) of length n: args (x, n)."""

    def entry(self, k):
        x, n = self.args
        return SoftmaxEntry(x, k, n)


class UnitVector(Display):
    """e_i, the i-th standard unit vector of length n: args (i, n)."""

    def entry(self, k):
        return sp.KroneckerDelta(self.args[0], k)


class DotsVector(Display):
    """(a_1, a_2, ..., a_n) for a vector of symbolic length: args (entry expression, k, n, column)."""

    def entry(self, k):
        expr, var, _, _ = self.args
        return expr.subs(var, k)


class ExpandedSum(Display):
    """A Sum printed term by term (a_1 + a_2 + ... + a_n); its value is the Sum itself."""

    precedence = 40  # a sum of terms: bracketed in products and powers

    def value(self):
        return self.args[0]


class Cases(Display):
    """A value given by cases: args (Tuple of (value, condition) pairs)."""


def uniform_entry(entry, k) -> bool:
    """Whether the k-th entry reads the same at k = 1, 2 and n, so that (a_1, a_2, ..., a_n) shows it: k
    appears only as an index of its own (x_k, delta_ik), never as k + 1, a factor, or a range."""
    if entry.has(InRange) or not entry.has(k):  # a constant entry: (c, c, ..., c) would not show n
        return False
    if any(d.has(k) for d in entry.atoms(sp.KroneckerDelta)):  # delta_1k: 1, 0, ..., delta_1n shows no pattern
        return False
    for e in sp.preorder_traversal(entry):
        if isinstance(e, sp.Indexed) and any(i.has(k) and i != k for i in e.indices):
            return False
        if isinstance(e, sp.KroneckerDelta) and any(a.has(k) and a != k for a in e.args):
            return False
    stripped = entry.replace(lambda e: isinstance(e, (sp.Indexed, sp.KroneckerDelta)) and e.has(k),
                             lambda e: sp.Dummy())
    return not stripped.has(k)


def component(vec, k):
    """The k-th entry of a vector-valued expression built from the display vectors."""
    if isinstance(vec, (Softmax, UnitVector, DotsVector)):
        return vec.entry(k)
    if isinstance(vec, EntryMatrix) and vec.args[4] == 1:
        entry, row, _, _, _ = vec.args
        return entry.subs(row, k)
    if isinstance(vec, sp.MatrixBase):
        return vec[int(k) - 1]
    if isinstance(vec, sp.Add):
        return sp.Add(*[component(a, k) for a in vec.args])
    if isinstance(vec, sp.Mul):
        vectors = [a for a in vec.args if is_vector(a)]
        if len(vectors) != 1:
            raise TypeError(f"cannot take a component of {vec}")
        scalar = sp.Mul(*[a for a in vec.args if a is not vectors[0]])
        return scalar * component(vectors[0], k)
    raise TypeError(f"cannot take a component of {vec!r}")


def vector_length(vector):
    """The length of a vector of symbolic length as the page writes it (DotsVector, softmax, e_i, [e_k]_k), or
    None."""
    if isinstance(vector, DotsVector):
        return vector.args[2]
    if isinstance(vector, (Softmax, UnitVector)):
        return vector.args[1]
    if isinstance(vector, EntryMatrix):
        return vector.args[3]
    if isinstance(vector, (sp.Add, sp.Mul)):
        for a in vector.args:
            if is_vector(a):
                return vector_length(a)
    return None


def explicit_vector(vector):
    """A vector of the display objects whose length is a number, as an explicit column; anything else as it
    is."""
    if isinstance(vector, sp.MatrixBase) or not is_vector(vector):
        return vector
    n = vector_length(vector)
    if n is None or not sp.sympify(n, strict=True).is_number:
        return vector
    return sp.ImmutableMatrix([component(vector, sp.Integer(r)) for r in range(1, int(n) + 1)])


def is_vector(expr) -> bool:
    if isinstance(expr, (Softmax, UnitVector, DotsVector, sp.MatrixBase)):
        return True
    if isinstance(expr, EntryMatrix) and expr.args[4] == 1:
        return True
    if isinstance(expr, (sp.Add, sp.Mul)):
        return any(is_vector(a) for a in expr.args)
    return False


class Times(Display):
    """A product shown factor by factor (5 x 3 x 1); its value is the product."""

    precedence = 50

    def value(self):
        return sp.Mul(*self.args)


class Shown(Display):
    """An arithmetic form kept as written ((32 - 3 + 2*0)/1 + 1); its value is the form evaluated."""

    def value(self):
        return self.args[0].doit()


class Text(Display):
    """Words inside math (\\text{...}): args (Symbol(words),)."""


def text(words: str) -> Text:
    return Text(sp.Symbol(words))


class Sentence(Display):
    """An answer in words written by the instructor (LaTeX, math between $): args (Symbol(latex),). It is
    an answer, not a line: the key prints it as a sentence, never inside a displayed equation."""


def sentence(latex: str) -> Sentence:
    return Sentence(sp.Symbol(latex))


def value_of(expr):
    """Replace display objects that stand for values by those values (for checking)."""
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.replace(lambda e: isinstance(e, Display) and hasattr(e, "value"), lambda e: e.value())


class Scaled(Display):
    """c times a vector, kept apart (-alpha [2 + 3y, 3x]^T); its value is the product."""

    precedence = 50

    def value(self):
        return self.args[0] * sp.Matrix(self.args[1])


class Minus(Display):
    """a - b, kept apart (a point minus a step); its value is the difference."""

    precedence = 40

    def value(self):
        return self.args[0] - self.args[1]


def entry_name(matrix: sp.MatrixSymbol) -> str:
    """The name of a matrix's entries as the homework writes them: W -> w_ij, x -> x_i."""
    return str(matrix.name).lower() if matrix.shape[1] != 1 else str(matrix.name)


def to_indexed(element):
    """M[a, b] (0-based, SymPy's MatrixElement) -> m_{a+1, b+1}; a column vector's x[a, 0] -> x_{a+1}.
    A row (1 x n) keeps both indices, as the kinds name its entries."""
    matrix, a, b = element.args
    if not isinstance(matrix, sp.MatrixSymbol):  # an entry of an explicit product or sum: compute it
        explicit = matrix.doit()
        explicit = explicit.as_explicit() if not isinstance(explicit, sp.MatrixBase) else explicit
        return explicit[int(a), int(b)]
    base = vector(entry_name(matrix))
    if matrix.shape[1] == 1:
        return base[a + 1]
    return base[a + 1, b + 1]


def _shape_symbols(m) -> set:
    return {s for d in m.shape for s in sp.sympify(d, strict=True).free_symbols}


def _explicit_inverse(inv):
    """The inverse of an explicit matrix as adjugate / determinant: no simplification, fast for the small
    sizes the checks use."""
    m = inv.arg.doit()
    m = sp.ImmutableMatrix(m.as_explicit() if not isinstance(m, sp.MatrixBase) else m)
    return sp.ImmutableMatrix(m.adjugate() / m.det(method="berkowitz"))


def concrete(expr):
    """Evaluate sums and matrix expressions of concrete size to explicit entries (for checking). Made once
    per expression: the checks of a line, the reader's derivative by an entry and the confirmation write out
    the same x^T W x at n = 2, 3, 4."""
    if not isinstance(expr, sp.Basic):
        return _concrete(expr)
    try:
        return _CONCRETE[expr]
    except KeyError:
        pass
    except TypeError:  # a value that cannot be hashed
        return _concrete(expr)
    out = _concrete(expr)
    if isinstance(out, sp.Basic) and not out.atoms(sp.Dummy):  # immutable: safe to share; one holding a bound
        # Dummy is made afresh, as before (a Dummy's number orders the terms, and so the order of the draws)
        if len(_CONCRETE) > 4096:
            _CONCRETE.clear()
        _CONCRETE[expr] = out
    return out


_CONCRETE: dict = {}


def _concrete(expr):
    if isinstance(expr, sp.Basic):
        expr = expr.replace(lambda t: isinstance(t, sp.MatrixSymbol) and all(d.is_number for d in t.shape),
                            _entries_of)
        expr = expr.replace(lambda t: isinstance(t, sp.Inverse) and not t.arg.free_symbols & _shape_symbols(t.arg),
                            _explicit_inverse)
    expr = expr.doit() if isinstance(expr, sp.Basic) else expr
    if isinstance(expr, sp.MatrixExpr) and not isinstance(expr, sp.MatrixBase) or isinstance(expr, sp.Basic) and \
            expr.has(sp.HadamardProduct, sp.DiagMatrix, sp.OneMatrix, sp.Identity):
        expr = _explicit_products(expr)
    if isinstance(expr, sp.MatrixExpr) and not isinstance(expr, sp.MatrixBase):
        expr = expr.as_explicit()
    if isinstance(expr, sp.Basic):
        expr = expr.replace(lambda t: isinstance(t, MatrixElement), to_indexed)
    if isinstance(expr, sp.MatrixBase) and expr.shape == (1, 1):
        expr = expr[0, 0]
    return expr


@functools.lru_cache(maxsize=1024)
def _entries_of(t):
    """A matrix symbol of concrete size written out by its entries (x of 3 rows: x_1, x_2, x_3), once per
    symbol and size."""
    return sp.ImmutableMatrix(int(t.shape[0]), int(t.shape[1]), lambda i, j: to_indexed(MatrixElement(t, i, j)))


# Nodes of arithmetic, elementary functions, entries and Kronecker deltas: they bind no index and substitute
# nothing of their own (no _eval_subs beyond rebuilding), and where such an expression does not hold an entry of
# concrete indices, its derivative with respect to it is 0.
_PLAIN = (sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Number, sp.NumberSymbol, sp.Indexed, sp.IndexedBase,
          sp.KroneckerDelta, sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh, sigmoid)


@functools.lru_cache(maxsize=1024)
def _plain(expr) -> bool:
    return all(isinstance(t, _PLAIN) for t in sp.preorder_traversal(expr))


def substituted(expr, values: dict):
    """expr.subs(values); by xreplace (0.2 ms faster a call) where the two give the same: plain symbols given
    numbers -- exact ones, or a single one of any kind (then the order in which subs puts them in cannot
    round differently) -- in an expression of arithmetic and elementary functions, which binds no name and
    substitutes nothing of its own."""
    if values and isinstance(expr, sp.Basic) and all(type(k) is sp.Symbol for k in values) and \
            (all(isinstance(v, sp.Rational) for v in values.values()) or
             len(values) == 1 and all(isinstance(v, sp.Number) for v in values.values())) and _plain(expr):
        return expr.xreplace(values)
    return expr.subs(values)


def entry_diff(explicit, entry):
    """sp.diff(explicit, entry) for an entry w_kl of concrete indices: of a written-out sum (x^T W x at n = 4)
    only the terms that hold w_kl are differentiated -- SymPy's diff works out the other n^2 - 1 zeros one by
    one -- when every node is one whose derivative is 0 where it does not hold the entry."""
    if isinstance(explicit, sp.Add) and isinstance(entry, sp.Indexed) and \
            all(i.is_Integer for i in entry.indices) and _termwise(explicit):
        return sp.Add(*[sp.diff(term, entry) for term in explicit.args if term.has(entry)])
    return sp.diff(explicit, entry)


def _termwise(explicit) -> bool:
    return _plain(explicit) and all(all(i.is_Integer for i in t.indices) for t in explicit.atoms(sp.Indexed))


def _explicit_products(expr):
    """Entrywise products, diagonal matrices, ones and identities of explicit size as explicit matrices, from
    the inside out (SymPy's doit leaves them, and as_explicit then writes each entry as a 0-based sum)."""
    def one(t):
        if isinstance(t, sp.OneMatrix) and all(d.is_number for d in t.shape):
            return sp.ImmutableMatrix.ones(int(t.shape[0]), int(t.shape[1]))
        if isinstance(t, sp.Identity) and t.shape[0].is_number:
            return sp.ImmutableMatrix.eye(int(t.shape[0]))
        if isinstance(t, sp.HadamardProduct) and all(isinstance(a, sp.MatrixBase) for a in t.args):
            out = t.args[0]
            for a in t.args[1:]:
                out = out.multiply_elementwise(a)
            return sp.ImmutableMatrix(out)
        if isinstance(t, sp.HadamardPower) and isinstance(t.args[0], sp.MatrixBase):
            return sp.ImmutableMatrix(t.args[0].applyfunc(lambda e: e ** t.args[1]))
        if isinstance(t, sp.DiagMatrix) and isinstance(t.args[0], sp.MatrixBase):
            return sp.ImmutableMatrix(sp.diag(*list(t.args[0])))
        if isinstance(t, sp.MatrixExpr) and not isinstance(t, sp.MatrixBase) and t.args and all(
                isinstance(a, sp.MatrixBase) or not isinstance(a, sp.MatrixExpr) for a in t.args):
            done = t.doit()  # a product, sum, transpose, sigma(.) or softmax of explicit matrices
            return sp.ImmutableMatrix(done) if isinstance(done, sp.MatrixBase) else t
        return t
    return expr.replace(lambda t: isinstance(t, sp.MatrixExpr), one)


class EntryMatrix(Display):
    """[e_kl], the matrix whose (k, l) entry is e_kl: args (entry, k, l, rows, cols)."""

    def doit(self, **hints):
        entry, k, l, rows, cols = self.args
        if not (rows.is_number and cols.is_number):
            return self
        plain = _plain(entry)
        return sp.ImmutableMatrix(int(rows), int(cols),
                                  lambda r, c: written_out(_at_indices(entry, {k: sp.Integer(r + 1), l: sp.Integer(c + 1)},
                                                                       plain)).doit())


def _at_indices(entry, values: dict, plain: bool):
    """entry.subs(values, simultaneous=True): with xreplace where that is the same (an entry made of
    arithmetic, elementary functions and entries, binding no index), ten times faster."""
    return entry.xreplace(values) if plain else entry.subs(values, simultaneous=True)


def written_out(expr):
    """Sums with numeric limits written out term by term, from the inside (what Sum.doit gives, without its
    search for a closed form, which is slow on sums of sigmoids)."""
    def one(total):
        if len(total.limits) != 1:
            return total
        var, lo, hi = total.limits[0]
        if not (lo.is_Integer and hi.is_Integer) or hi - lo > 1000:
            return total
        return sp.Add(*[total.function.xreplace({var: sp.Integer(i)}) for i in range(int(lo), int(hi) + 1)])
    return expr.replace(lambda t: isinstance(t, sp.Sum), one) if isinstance(expr, sp.Basic) and expr.has(sp.Sum) \
        else expr


class GradientOf(Display):
    """The gradient of a scalar f of matrices with respect to X, entry by entry (denominator layout):
    args (f, X). Made explicit only at concrete sizes, where it is the matrix of d f / d x_ij of the
    explicit f -- the reference that a closed form is checked against. A third argument is the point where
    it is taken (args (f, X, at)): substituting X gives it ("d f / d w at w = w*")."""

    def _eval_subs(self, old, new):
        if len(self.args) == 2 and old == self.args[1] and new != old:
            return GradientOf(self.args[0], self.args[1], new)
        return None

    def doit(self, **hints):
        f, X, *at = self.args
        if at:
            inner = GradientOf(f, X).doit(**hints)
            if isinstance(inner, GradientOf):
                return self
            point = at[0].doit() if isinstance(at[0], sp.Basic) else at[0]
            if isinstance(point, sp.MatrixExpr) and not isinstance(point, sp.MatrixBase):
                if not all(sp.sympify(d, strict=True).is_number for d in point.shape):
                    return self
                point = point.as_explicit()
            entries = X if isinstance(X, sp.MatrixBase) else X.as_explicit()
            names = [to_indexed(e) if isinstance(e, MatrixElement) else e for e in entries]
            return inner.xreplace(dict(zip(names, list(point))))
        if isinstance(X, sp.MatrixBase):
            entries = X
        elif all(sp.sympify(d, strict=True).is_number for d in X.shape):
            entries = X.as_explicit()
        else:
            return self
        explicit = concrete(f)
        if isinstance(explicit, sp.Basic) and any(isinstance(m, sp.MatrixSymbol) for m in explicit.atoms(sp.MatrixSymbol)):
            return self
        names = [to_indexed(e) if isinstance(e, MatrixElement) else e for e in entries]
        return sp.ImmutableMatrix(entries.rows, entries.cols, [entry_diff(explicit, v) for v in names])


# ---------------------------------------------------------------------------------------------------
# Functions of matrix expressions: a scalar function applied entry by entry (sigma(Xw)), the softmax of a
# column (softmax(Uv)) and its logsumexp, and the vector of ones that a scalar beside a vector stands for.

ELEMENTWISE = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh,
               "sigmoid": sigmoid, "relu": relu, "abs": sp.Abs}


def elementwise(func, m):
    """func applied to every entry of the matrix expression m (SymPy's ElementwiseApplyFunction)."""
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    d = sp.Dummy("d", dummy_index=1)  # one bound name: sigma(Xw) made twice is one expression
    return ElementwiseApplyFunction(sp.Lambda(d, func(d)), m)


def ones_like(m):
    """The matrix of ones of m's shape (written 1 beside a vector: 1 - y)."""
    return sp.OneMatrix(*m.shape)


class VecSoftmax(sp.MatrixExpr):
    """softmax(v) of a column v (a matrix expression of shape n x 1): entry i is e^{v_i} / sum_j e^{v_j}."""

    def __new__(cls, arg):
        return sp.Basic.__new__(cls, arg)

    @property
    def shape(self):
        return self.args[0].shape

    def _entry(self, i, j, **kwargs):
        v = self.args[0]
        d = sp.Dummy("j", integer=True)
        return sp.exp(v[i, j]) / sp.Sum(sp.exp(v[d, j]), (d, 0, v.shape[0] - 1))

    def doit(self, **hints):
        v = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        if isinstance(v, sp.MatrixBase):
            total = sum(sp.exp(e) for e in v)
            return sp.ImmutableMatrix(v.rows, v.cols, [sp.exp(e) / total for e in v])
        return VecSoftmax(v)


class LogSumExpOf(sp.Function):
    """logsumexp(v) = log sum_j e^{v_j} of a column v (a matrix expression); one argument."""

    nargs = 1

    @classmethod
    def eval(cls, v):
        if isinstance(v, sp.MatrixBase):
            return sp.log(sum(sp.exp(e) for e in v))
        return None

    def _eval_is_commutative(self):
        return True  # a number, though its argument is a matrix (logsumexp(W*x)*(y.T*y) is a product of numbers)

    def written_out(self):
        v = self.args[0]
        d = sp.Dummy("j", integer=True)
        return sp.log(sp.Sum(sp.exp(v[d, 0]), (d, 0, v.shape[0] - 1)))

    def doit(self, **hints):
        v = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        if isinstance(v, sp.MatrixExpr) and not isinstance(v, sp.MatrixBase) and all(
                sp.sympify(s, strict=True).is_number for s in v.shape):
            v = v.as_explicit()
        return LogSumExpOf(v)


class OneByOne(Display):
    """The one entry of a 1 x 1 matrix expression (u^T v) as a scalar, kept as the product while sizes are
    symbolic (SymPy's own MatrixElement of a product writes it out as a 0-based sum); args (M,)."""

    is_commutative = True

    def doit(self, **hints):
        m = self.args[0]
        if all(sp.sympify(d, strict=True).is_number for s in m.atoms(sp.MatrixSymbol) for d in s.shape):
            return MatrixElement(m, 0, 0).doit(**hints)
        return self

    def _eval_is_real(self):
        return True
