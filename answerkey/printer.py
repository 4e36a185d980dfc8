"""The one LaTeX printer: the house style for all math in a key.

Templates never format math; they receive strings made here. Display objects of `mathobj` print as the
homework writes them: partial derivatives as fractions, softmax and e_i by name, vectors of symbolic
length with dots.
"""
from __future__ import annotations

import functools

import sympy as sp
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter, greek_letters_set
from sympy.printing.precedence import PRECEDENCE

from . import mathobj as mo


class KeyPrinter(LatexPrinter):
    _default_settings = dict(LatexPrinter._default_settings)
    _default_settings.update(mat_str="bmatrix", mat_delim="", fold_short_frac=False, inline_partial=False)

    # -- names ---------------------------------------------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        """A name as a reader reads it: one letter, a Greek letter, or a word in \\mathit (lam is one name,
        not l a m); digits and parts after _ as subscripts; primes kept (w5' -> w_{5}')."""
        name = expr.name
        if name.startswith("\\") or "{" in name:
            return name
        primes = len(name) - len(name.rstrip("'"))
        base, supers, subs = split_super_sub(name.rstrip("'"))
        out = self._word(base)
        if supers:
            out += "^{" + " ".join(self._word(s) for s in supers) + "}"
        if subs:
            out += "_{" + " ".join(self._word(s) for s in subs) + "}"
        return out + "'" * primes

    @staticmethod
    def _word(word: str) -> str:
        if word.lower() in greek_letters_set and word.lower() != "lamda":
            return "\\" + (word if word[0].isupper() and word.lower() != word else word.lower())
        if word in ("lamda", "lam"):  # lam: what a spec writes for lambda (a keyword of the expressions)
            return "\\lambda"
        if len(word) <= 1 or word.isdigit():
            return word
        return f"\\mathit{{{word}}}"

    def _print(self, expr, **kwargs):
        if expr is sp.E:  # Euler's number upright (ISO), so that a constant named e stays e
            return "\\mathrm{e}"  # (Exp1 has a _latex method of its own, which SymPy would use first)
        return super()._print(expr, **kwargs)

    def _needs_mul_brackets(self, expr, first=False, last=False) -> bool:
        """Besides SymPy's rule (sums not last): an operator written in front (d/dx) takes what follows it,
        so it is bracketed unless it is the last factor; a written-out sum always."""
        if super()._needs_mul_brackets(expr, first, last):
            return True
        return not last and isinstance(expr, sp.Basic) and expr.has(mo.PartialOf)

    def _print_Mul(self, expr):
        """SymPy's, except that a minus sign before a written-out sum brackets it: -(a_1 + ... + a_n)."""
        if expr.could_extract_minus_sign():
            rest = -expr
            if isinstance(rest, mo.Display) and getattr(rest, "precedence", 1000) < PRECEDENCE["Mul"]:
                return f"- \\left({self._print(rest)}\\right)"
        return super()._print_Mul(expr)

    def _needs_add_brackets(self, expr) -> bool:
        """A written-out sum inside a sum keeps its brackets: c - (w_1^2 + ... + w_n^2)."""
        return super()._needs_add_brackets(expr) or isinstance(expr, mo.ExpandedSum)

    def _as_ordered_terms(self, expr, order=None):
        """SymPy's order, except that a sum does not open with a minus sign when a term without one follows:
        x - a, not -a + x (the leading negative terms go last); an unevaluated form keeps its written order."""
        terms = super()._as_ordered_terms(expr, order)
        if (order or self.order) == "none" or len(terms) < 2:
            return terms
        lead = 0
        while lead < len(terms) and terms[lead].could_extract_minus_sign():
            lead += 1
        return terms[lead:] + terms[:lead] if 0 < lead < len(terms) else terms

    def _print_Add(self, expr, order=None):
        """SymPy's, with a term that prints with its own minus sign joined by it (a + -1 x 1 -> a - 1 x 1)."""
        return super()._print_Add(expr, order).replace(" + -", " - ")

    def _print_Determinant(self, expr, exp=None):
        tex = f"\\det\\left({self._print(expr.arg)}\\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Identity(self, expr):
        """I_n, the identity of size n (not SymPy's \\mathbb{I}, which a reader takes for an indicator)."""
        return f"I_{{{self._print(expr.rows)}}}"

    def _print_MatrixElement(self, expr):
        if expr.parent.shape == (1, 1) and not isinstance(expr.parent, sp.MatrixSymbol):
            return self._print(expr.parent)  # the one entry of a 1 x 1 product is the product
        return super()._print_MatrixElement(expr)

    def _print_MatMul(self, expr):
        """SymPy's, with a fractional coefficient as a fraction (1/2, not the bracketed decimal (0.5)); a scalar
        u^T v beside a vector or matrix in brackets, (u^T u) u, since u^T u u is no product of matrices."""
        args = list(expr.args)
        if any(isinstance(a, sp.MatrixExpr) and a.shape != (1, 1) for a in args):
            bracketed = [_bracket_one_by_one(a) for a in args]
            if bracketed != args:
                return self._print_MatMul(sp.MatMul(*bracketed, evaluate=False))
        if expr.could_extract_minus_sign() and len(args) > 1 and not (args[0].is_Rational and not args[0].is_Integer):
            # SymPy prints the rest at the precedence of a sum, so that - X^T (a (.) b) lost its brackets
            rest = args[1:] if args[0] == -1 else [-args[0]] + args[1:]
            if not sp.MatMul(*rest, evaluate=False).could_extract_minus_sign():
                return "- " + (self._print_MatMul(sp.MatMul(*rest, evaluate=False)) if len(rest) > 1
                               else self.parenthesize(rest[0], PRECEDENCE["Mul"], False))
        if args and args[0].is_Rational and not args[0].is_Integer:
            c = args[0]
            sign = "- " if c < 0 else ""
            rest = " ".join(self._print(a) if isinstance(a, sp.Mul) and not isinstance(a, sp.MatMul)
                            else self.parenthesize(a, PRECEDENCE["Mul"], False) for a in args[1:])
            return f"{sign}\\frac{{{abs(c.p)}}}{{{c.q}}} {rest}"
        return super()._print_MatMul(expr)

    def _print_matrix_contents(self, expr):
        """SymPy's, with room between rows that hold fractions (stacked fractions in a column would touch)."""
        out = super()._print_matrix_contents(expr)
        if expr.rows > 1 and "\\frac" in out and self._settings["mat_str"] == "bmatrix":
            rows = [" & ".join(self._print(e) for e in expr[r, :]) for r in range(expr.rows)]
            out = "\\begin{bmatrix}" + "\\\\[4pt]".join(rows) + "\\end{bmatrix}"
        return out

    def _print_Pow(self, expr):
        """The root of u^T u as the norm ||u|| (and its reciprocal as 1/||u||); SymPy's otherwise."""
        base, exp = expr.args
        u = _norm_of(base) if exp in (sp.Rational(1, 2), sp.Rational(-1, 2)) else None
        if u is not None:
            norm = f"\\left\\|{self._print(u)}\\right\\|"
            return norm if exp > 0 else f"\\frac{{1}}{{{norm}}}"
        return super()._print_Pow(expr)

    def _print_MatPow(self, expr):
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            return f"\\sqrt{{{self._print(base)}}}"
        if exp == sp.Rational(-1, 2):
            return f"\\frac{{1}}{{\\sqrt{{{self._print(base)}}}}}"
        return super()._print_MatPow(expr)

    def _print_ElementwiseApplyFunction(self, expr):
        """sigma(Xw): the scalar function written on the matrix it is applied to, entry by entry."""
        hole = sp.Symbol("\\HOLE")  # a name printed as itself, replaced by the argument
        body = expr.function.expr.xreplace({expr.function.variables[0]: hole})
        return self._print(body).replace("\\HOLE", self._print(expr.expr))

    def _print_OneByOne(self, expr):
        return self._print(expr.args[0])

    def _print_BracketedOneByOne(self, expr):
        return f"\\left({self._print(expr.args[0])}\\right)"

    def _print_OneMatrix(self, expr):
        rows, cols = expr.shape
        return "\\mathbf{1}^{T}" if rows == 1 and cols != 1 else "\\mathbf{1}"

    def _print_HadamardProduct(self, expr):
        return " \\odot ".join(self.parenthesize(a, PRECEDENCE["Mul"], False) for a in expr.args)

    def _print_HadamardPower(self, expr):
        base, exp = expr.args
        if exp.is_Integer and 2 <= exp <= 3:  # u (.) u: as the reader reads it
            return " \\odot ".join([self.parenthesize(base, PRECEDENCE["Mul"], False)] * int(exp))
        return super()._print_HadamardPower(expr)

    def _print_DiagMatrix(self, expr):
        return f"\\operatorname{{diag}}\\left({self._print(expr.args[0])}\\right)"

    def _print_VecSoftmax(self, expr):
        return f"\\operatorname{{softmax}}\\left({self._print(expr.args[0])}\\right)"

    def _print_LogSumExpOf(self, expr, exp=None):
        tex = f"\\operatorname{{logsumexp}}\\left({self._print(expr.args[0])}\\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Indexed(self, expr):
        base = self._print(expr.base.label)
        idx = ",".join(self._print(i) for i in expr.indices)
        return f"{base}_{{{idx}}}"

    def _print_IndexedBase(self, expr):
        return self._print(expr.label)

    def _print_KroneckerDelta(self, expr, exp=None):
        i, j = (self._print(a) for a in expr.args)
        tex = f"\\delta_{{{i}{j}}}" if len(i) == 1 and len(j) == 1 else f"\\delta_{{{i},{j}}}"
        return f"{tex}^{{{exp}}}" if exp else tex

    # -- functions -----------------------------------------------------------------------------------
    def _print_exp(self, expr, exp=None):
        tex = f"\\exp\\left({self._print(expr.args[0])}\\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_sigmoid(self, expr, exp=None):
        tex = f"\\sigma\\left({self._print(expr.args[0])}\\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_relu(self, expr, exp=None):
        tex = f"\\operatorname{{relu}}\\left({self._print(expr.args[0])}\\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Heaviside(self, expr, exp=None):
        tex = f"\\mathbf{{1}}\\left[{self._print(expr.args[0])} > 0\\right]"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_InRange(self, expr, exp=None):
        e, lo, hi = expr.args
        cond = self._print(e)
        if lo != -sp.oo:
            cond = f"{self._print(lo)} \\leq {cond}"
        if hi != sp.oo:
            cond = f"{cond} \\leq {self._print(hi)}"
        tex = f"\\mathbf{{1}}\\left[{cond}\\right]"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_TieShare(self, expr, exp=None):
        """The share of max (min) that reaches argument i: away from ties, the indicator that it is the
        largest (smallest); a tie splits equally, which the lines show by their numbers at the point."""
        sign, i, *args = expr.args
        mine = args[int(i) - 1]
        others = args[: int(i) - 1] + args[int(i):]
        rel = ">" if sign > 0 else "<"
        other = self._print(others[0]) if len(others) == 1 else \
            ("\\max" if sign > 0 else "\\min") + "\\left(" + ", ".join(self._print(o) for o in others) + "\\right)"
        tex = f"\\mathbf{{1}}\\left[{self._print(mine)} {rel} {other}\\right]"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_LogSumExp(self, expr, exp=None):
        tex = f"\\operatorname{{logsumexp}}\\left({self._print(expr.args[0])}\\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_SoftmaxEntry(self, expr, exp=None):
        x, i, _ = expr.args
        tex = f"\\operatorname{{softmax}}\\left({self._print(x)}\\right)_{{{self._print(i)}}}"
        return f"{tex}^{{{exp}}}" if exp else tex

    # -- display objects -----------------------------------------------------------------------------
    def _print_Applied(self, expr):
        name, *args = expr.args
        return f"{self._print(name)}({', '.join(self._print(a) for a in args)})"

    def _print_Partial(self, expr):
        name, var = expr.args
        if self._settings["inline_partial"]:
            return f"\\partial {self._print(name)} / \\partial {self._print(var)}"
        return f"\\dfrac{{\\partial {self._print(name)}}}{{\\partial {self._print(var)}}}"

    def _print_LocalPartial(self, expr):
        name, var, *held = expr.args
        inner = self._print(mo.Partial(name, var))
        return f"\\left({inner}\\right)_{{{', '.join(self._print(h) for h in held)}}}"

    def _print_PartialOf(self, expr):
        inner, var = expr.args
        body = self._print(inner)
        if isinstance(inner, (sp.Add, sp.Sum, sp.Mul)):
            body = f"\\left({body}\\right)"
        return f"\\frac{{\\partial}}{{\\partial {self._print(var)}}} {body}"

    def _print_Nabla(self, expr):
        name, *args = expr.args
        return f"\\nabla {self._print(name)}({', '.join(self._print(a) for a in args)})"

    def _print_Softmax(self, expr):
        return f"\\operatorname{{softmax}}({self._print(expr.args[0])})"

    def _print_UnitVector(self, expr):
        return f"e_{{{self._print(expr.args[0])}}}"

    def _print_DotsVector(self, expr):
        entry, k, n, column = expr.args
        items = [self._print(entry.subs(k, 1)), self._print(entry.subs(k, 2))]
        last = self._print(entry.subs(k, n))
        if column:
            return ("\\begin{bmatrix} " + r" \\ ".join(items) + r" \\ \vdots \\ " + last
                    + " \\end{bmatrix}")
        return "\\left(" + ", ".join(items) + ", \\dots, " + last + "\\right)"

    def _print_ExpandedSum(self, expr):
        """The outer sum written out, term by term: a_1 + a_2 + \\dots + a_n (inner sums kept)."""
        total = expr.args[0]
        *inner, (i, lo, hi) = total.limits
        term = sp.Sum(total.function, *inner) if inner else total.function
        terms = [term.subs(i, lo), term.subs(i, lo + 1), None, term.subs(i, hi)]
        out = ""
        for t in terms:
            piece = "\\dots" if t is None else self._print(t)
            if t is not None and isinstance(t, (sp.Add, mo.ExpandedSum)):
                piece = f"\\left({piece}\\right)"
            if not out:
                out = piece
            elif piece.startswith("- "):
                out += " - " + piece[2:]
            else:
                out += " + " + piece
        return out

    def _print_Times(self, expr):
        parts = []
        for a in expr.args:
            tex = self._print(a)
            if isinstance(a, sp.Add) or (a.is_number and a.is_negative and parts):
                tex = f"\\left({tex}\\right)"
            parts.append(tex)
        return " \\times ".join(parts)

    def _print_Cases(self, expr):
        rows = [f"{self._print(v)} & \\text{{if }} {self._print(c)}" for v, c in expr.args]
        return "\\begin{cases} " + r" \\ ".join(rows) + " \\end{cases}"

    def _print_Text(self, expr):
        from pylatex.utils import escape_latex

        return f"\\text{{{escape_latex(expr.args[0].name)}}}"

    def _print_Sentence(self, expr):
        return f"\\text{{{expr.args[0].name}}}"

    def _print_Shown(self, expr):
        """An unevaluated arithmetic form, printed in the order it was written."""
        return self._print_ordered(expr.args[0])

    def _print_ordered(self, expr):
        old = self._settings["order"]
        self._settings["order"] = "none"
        try:
            return self._print(expr)
        finally:
            self._settings["order"] = old


_PRINTER = KeyPrinter()
_INLINE = KeyPrinter(dict(inline_partial=True))


def tex(expr, inline: bool = False) -> str:
    """LaTeX for a SymPy object in the house style; `inline` for table cells and running text."""
    if isinstance(expr, (list, tuple)):
        return ", ".join(tex(e, inline) for e in expr)
    if isinstance(expr, sp.Basic):
        try:
            return _tex_of(expr, inline)
        except TypeError:  # unhashable (it holds something mutable): printed as it is
            pass
    return (_INLINE if inline else _PRINTER).doprint(expr)


@functools.lru_cache(maxsize=8192)
def _tex_of(expr: sp.Basic, inline: bool) -> str:
    """The printing of an immutable SymPy object, made once per process: a function of the object alone (the
    printers' settings never change), and objects that are == have the same type, the same arguments in the
    same order, the same assumptions (SymPy >= 1.13: a Float is never == a Rational), so print alike. A
    derivation's left sides, the names and the lines that every variant shares are printed once."""
    return (_INLINE if inline else _PRINTER).doprint(expr)


def _print_scaled(self, expr):
    c, m = expr.args
    ctex = self._print(c)
    if isinstance(c, sp.Add):
        ctex = f"\\left({ctex}\\right)"
    elif c == -1:
        ctex = "-"
    return f"{ctex} {self._print(m)}"


def _print_tuple(self, expr):
    return "\\left(" + ", ".join(self._print(a) for a in expr.args) + "\\right)"


KeyPrinter._print_Scaled = _print_scaled
KeyPrinter._print_Tuple = _print_tuple


def _print_minus(self, expr):
    a, b = expr.args
    return f"{self._print(a)} - {self._print(b)}"


KeyPrinter._print_Minus = _print_minus


def _print_entry_matrix(self, expr):
    entry, k, l, rows, cols = expr.args
    indices = self._print(k) if cols == 1 else f"{self._print(k)}{self._print(l)}"
    return f"\\left[{self._print(entry)}\\right]_{{{indices}}}"


KeyPrinter._print_EntryMatrix = _print_entry_matrix


def _print_sum(self, expr):
    """Nested sums, outer index first, as the homework writes them."""
    term = self._print(expr.function)
    if isinstance(expr.function, sp.Add) or term.startswith("-"):
        term = f"\\left({term}\\right)"
    heads = "".join(f"\\sum_{{{self._print(i)}={self._print(lo)}}}^{{{self._print(hi)}}} "
                    for i, lo, hi in reversed(expr.limits))
    return heads + term


def _print_indexed(self, expr):
    base = self._print(expr.base.label)
    parts = [self._print(i) for i in expr.indices]
    sep = "" if all(len(p) == 1 for p in parts) else ","
    return f"{base}_{{{sep.join(parts)}}}"


KeyPrinter._print_Sum = _print_sum
KeyPrinter._print_Indexed = _print_indexed


def _print_float(self, expr):
    """Floats to 6 significant digits, trailing zeros kept (0.777300: six digits, so a reader knows how far
    it is exact); a float that is exactly a short decimal (a given 2.2, 0.5) as written. Any exponent
    (1.06016 x 10^{-260}: not through a machine float, which would make it 0)."""
    import mpmath

    value = mpmath.mpf(sp.Float(expr)._mpf_)
    if value == 0:
        return "0"
    exponent = int(mpmath.floor(mpmath.log10(abs(value))))
    if -300 < exponent < 300:
        short = repr(float(value))
        if "e" not in short and len(short.replace("-", "").replace(".", "").lstrip("0")) <= 6 \
                and sp.Float(short, 30) == sp.Float(expr, 30):
            return short[:-2] if short.endswith(".0") else short
    if -5 <= exponent < 6:
        text = f"{float(value):#.6g}".rstrip(".")
        if "e" not in text:
            return text
    mantissa = mpmath.nstr(value / mpmath.mpf(10) ** exponent, 6, strip_zeros=False)
    if mantissa.replace("-", "").startswith("10."):  # rounding carried into the next power
        exponent += 1
        mantissa = mpmath.nstr(value / mpmath.mpf(10) ** exponent, 6, strip_zeros=False)
    return f"{mantissa} \\times 10^{{{exponent}}}"


KeyPrinter._print_Float = _print_float


def _print_rational(self, expr):
    """A fraction whose denominator divides a power of ten prints as a decimal (0.05, 0.5), as written."""
    q, twos, fives = int(expr.q), 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    places = max(twos, fives)
    if q == 1:
        from decimal import Decimal, localcontext

        with localcontext() as context:
            context.prec = 80
            value = Decimal(int(expr.p)) / Decimal(int(expr.q))
        if places <= 6:
            return format(value, "f")
        sign, digits, exponent = value.normalize().as_tuple()  # a small exact decimal: m x 10^k, exactly
        mantissa = "".join(map(str, digits))
        k = exponent + len(mantissa) - 1
        shown = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
        return f"{'-' if sign else ''}{shown} \\times 10^{{{k}}}"
    return LatexPrinter._print_Rational(self, expr)


KeyPrinter._print_Rational = _print_rational


def _print_integer(self, expr):
    """An integer as written, but a long one that is a short number times a power of ten as m x 10^k."""
    text = str(int(expr))
    digits = text.lstrip("-")
    if len(digits) > 15:
        mantissa = digits.rstrip("0")
        if len(mantissa) <= 6:
            k = len(digits) - 1
            shown = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
            return f"{'-' if text.startswith('-') else ''}{shown} \\times 10^{{{k}}}"
    return text


KeyPrinter._print_Integer = _print_integer


class BracketedOneByOne(mo.OneByOne):
    """A OneByOne that prints in brackets: a scalar u^T v as a factor beside a vector or matrix."""


def _bracket_one_by_one(arg):
    """A scalar factor of a product of matrices with its u^T v factors bracketed (the factors of a product
    only: sigma(u^T v) keeps its own brackets)."""
    if isinstance(arg, sp.MatrixExpr):
        return arg
    if type(arg) is mo.OneByOne:
        return BracketedOneByOne(*arg.args)
    if isinstance(arg, sp.Mul) and any(type(f) is mo.OneByOne for f in arg.args):
        return sp.Mul(*[BracketedOneByOne(*f.args) if type(f) is mo.OneByOne else f for f in arg.args],
                      evaluate=False)
    return arg


def printed_value(expr) -> sp.Rational | None:
    """The exact value of a number as the key prints it (0.138499 for a float 0.13849912...), or None when the
    printed form is not a decimal: what a student computing with the printed numbers starts from."""
    import re

    text = tex(expr)
    m = re.fullmatch(r"(-?[0-9]+(?:\.[0-9]+)?)(?: \\times 10\^\{(-?[0-9]+)\})?", text)
    if m is None:
        return None
    return sp.Rational(m.group(1)) * (sp.Integer(10) ** int(m.group(2)) if m.group(2) else 1)


def _norm_of(base):
    """u when `base` is the one entry of u^T u for a column u (so that its root is the norm ||u||), else None."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    from .mathobj import OneByOne

    product = base.parent if isinstance(base, MatrixElement) else base.args[0] if isinstance(base, OneByOne) else None
    if not isinstance(product, sp.MatMul):
        return None
    factors = [a for a in product.args if isinstance(a, sp.MatrixExpr)]
    if len(factors) != 2 or len(product.args) != 2 or factors[1].shape[1] != 1:
        return None
    left, right = factors
    try:
        return right if left.T.doit() == right.doit() or left == right.T else None
    except Exception:  # noqa: BLE001 - a form SymPy cannot transpose: not a norm
        return None


def terminates(v) -> bool:
    """Whether the rational v is a finite decimal (its denominator has no prime factor but 2 and 5)."""
    q = int(v.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1
