"""Index notation back to matrix notation: the entry of a gradient, sum_q x_qk (sigma(sum_i w_i x_qi) - y_q),
recognised as the k-th entry of a matrix expression, X^T (sigma(Xw) - y).

The recognition is a proposal, not a proof: the kind shows it as a further form of the assembled gradient,
and the verifier checks that form against the gradient at explicit sizes like every other line.

Rules, for an entry e whose free index i runs over the rows of a column:
  v_i                                  -> v                     (a vector of the problem)
  sum_j A_ij u_j, sum_j A_ji u_j       -> A u, A^T u            (u recognised in j)
  f(u_i) for a scalar function f       -> f(u) entry by entry
  e^{u_i} / sum_j e^{u_j}              -> softmax(u)
  c u_i (c free of i)                  -> c u
  u_i v_i                              -> u (.) v (the entrywise product)
  a_i + b_i, c + a_i                   -> a + b, c 1 + a
and for an entry of a matrix, e_kl = a_k b_l -> a b^T, x_kl -> X; sums without a free index, sum_j u_j v_j,
become u^T v.
"""
from __future__ import annotations

import sympy as sp
from . import mathobj as mo


class _No(Exception):
    """Not recognised."""


def matrix_form(entry, matrices: dict, k, rows, l=None, cols=None):
    """The matrix expression whose (k, l) entry (k-th for a column) is `entry`, or None.

    `matrices`: {entry base name (x, w): the problem's MatrixSymbol (X, w)}."""
    entry = sp.sympify(entry, strict=True)
    for attempt in (entry, _split_exponentials(entry)):  # e^{x_k + x_l} / Z^2: as e^{x_k} e^{x_l} / (Z Z)
        try:
            form = _Form(matrices)
            return form.column(attempt, k, rows) if l is None else form.matrix(attempt, k, rows, l, cols)
        except _No:
            continue
    return None


def _split_exponentials(e):
    """e^{a + b} written e^a e^b, and the products expanded (sums of exponentials stay)."""
    split = e.replace(lambda t: isinstance(t, sp.exp) and isinstance(t.args[0], sp.Add),
                      lambda t: sp.Mul(*[sp.exp(a) for a in t.args[0].args]))
    return sp.expand(split, power_exp=False, power_base=False, log=False, multinomial=False)


def fewer_sums(new, old) -> bool:
    """Whether `new` is written with fewer sums than `old` (the sums over one range collected)."""
    return sp.sympify(new, strict=True).count(sp.Sum) < sp.sympify(old, strict=True).count(sp.Sum)


def combine_sums(expr):
    """a sum of sums over the same range written as one sum, its summand expanded and factored:
    -sum_j (1 - y_j) sigma_j x_jk + sum_q y_q (1 - sigma_q) x_qk -> sum_q (y_q - sigma_q) x_qk."""
    expr = sp.sympify(expr, strict=True)
    terms = sp.Add.make_args(sp.expand(expr, deep=False, mul=True, multinomial=False, power_base=False,
                                       power_exp=False, log=False))
    groups: dict = {}
    rest = []
    for t in terms:
        coeff, sums = sp.S.One, []
        for f in sp.Mul.make_args(t):
            if isinstance(f, sp.Sum) and len(f.limits) == 1:
                sums.append(f)
            else:
                coeff *= f
        if len(sums) != 1 or coeff.has(sp.Sum):
            rest.append(t)
            continue
        (s,) = sums
        var, lo, hi = s.limits[0]
        groups.setdefault((lo, hi), []).append((coeff, s))
    out = sp.Add(*rest)
    for (lo, hi), members in groups.items():
        if len(members) == 1:
            coeff, s = members[0]
            out += coeff * s
            continue
        var = members[0][1].limits[0][0]
        taken = set().union(*(mo.names_in(c) for c, _ in members))
        if any(str(var) in mo.names_in(c) for c, _ in members):
            var = mo.fresh_index(taken | {str(s.limits[0][0]) for _, s in members})
        body = sp.Add(*[c * s.function.xreplace({s.limits[0][0]: var}) for c, s in members])
        body = sp.factor_terms(sp.collect(sp.expand(body), [e for e in body.atoms(sp.Indexed)
                                                           if var in e.indices and len(e.indices) == 2]))
        out += sp.Sum(body, (var, lo, hi))
    return out


class _Form:
    def __init__(self, matrices):
        self.matrices = matrices  # entry base name -> MatrixSymbol

    # -- a column: the i-th entry -----------------------------------------------------------------
    def column(self, e, i, n):
        e = _softmax_inside(_pull_out(e))
        if isinstance(e, sp.Add) and i in e.free_symbols:
            expanded = sp.expand_mul(e)  # -(1 - s) y + (1 - y) s -> s - y
            if sp.count_ops(expanded) < sp.count_ops(e):
                e = expanded
        if isinstance(e, sp.Add) and i in e.free_symbols:
            factored = sp.factor_terms(e)
            if not isinstance(factored, sp.Add):
                e = factored
        if i not in e.free_symbols:
            return self.scalar(e) * sp.OneMatrix(n, 1)
        if isinstance(e, sp.Indexed):
            m = self.matrix_of(e)
            if m.shape[1] == 1 and e.indices == (i,) and m.shape[0] == n:
                return m
            raise _No
        if isinstance(e, sp.Add):
            return _total([self.column(t, i, n) for t in e.args])
        if isinstance(e, sp.Mul):
            soft = self.softmax(e, i, n)
            if soft is not None:
                return soft
            if any(isinstance(f, sp.Add) and i in f.free_symbols for f in e.args):
                factored = sp.factor_terms(e)
                if factored != e and not isinstance(factored, sp.Add):
                    e = factored
            const = [f for f in e.args if i not in f.free_symbols]
            dep = [f for f in e.args if i in f.free_symbols]
            c = self.scalar(sp.Mul(*const)) if const else sp.S.One
            cols = [self.column(f, i, n) for f in dep]
            vec = cols[0] if len(cols) == 1 else sp.HadamardProduct(*cols)
            return vec if c == 1 else c * vec
        if isinstance(e, sp.Sum) and len(e.limits) == 1:
            return self.product_sum(e, i, n)
        if isinstance(e, sp.Function) and len(e.args) == 1 and _elementwise(e) is not None:
            return mo.elementwise(_elementwise(e), self.column(e.args[0], i, n))
        if isinstance(e, sp.Pow) and i not in e.exp.free_symbols and not (e.exp.is_number and e.exp < 0):
            base = self.column(e.base, i, n)  # (1/u entry by entry would read as an inverse: not recognised)
            if e.exp == 2:
                return sp.HadamardProduct(base, base)
            return mo.elementwise(lambda t: t ** e.exp, base)
        raise _No

    def product_sum(self, e, i, n):
        """sum_j A_ij u_j -> A u; sum_j A_ji u_j -> A^T u."""
        j, lo, hi = e.limits[0]
        if lo != 1:
            raise _No
        for f in sp.Mul.make_args(e.function):
            if isinstance(f, sp.Indexed) and len(f.indices) == 2 and set(f.indices) == {i, j}:
                m = self.matrix_of(f)
                a = m if f.indices == (i, j) else m.T
                if a.shape != (n, hi) and a.shape[1] != hi:
                    raise _No
                rest = e.function / f  # (not cancel: it writes e^{sum} as a product of exponentials)
                if i in rest.free_symbols:
                    raise _No
                u = self.column(rest, j, hi) if j in rest.free_symbols else self.scalar(rest) * sp.OneMatrix(hi, 1)
                return a * u
        raise _No

    def softmax(self, e, i, n):
        """c e^{u_i} / sum_j e^{u_j} -> c softmax(u)."""
        for num in [f for f in e.args if isinstance(f, sp.exp) and i in f.free_symbols]:
            for den in [f for f in e.args if isinstance(f, sp.Pow) and f.exp == -1 and isinstance(f.base, sp.Sum)]:
                total = den.base
                j, lo, hi = total.limits[0]
                if lo != 1 or hi != n or not isinstance(total.function, sp.exp):
                    continue
                if sp.expand(total.function.args[0].xreplace({j: i}) - num.args[0]) != 0:
                    continue
                rest = [f for f in e.args if f is not num and f is not den]
                if any(i in f.free_symbols for f in rest):
                    continue
                soft = mo.VecSoftmax(self.column(num.args[0], i, n))
                c = self.scalar(sp.Mul(*rest))
                return soft if c == 1 else c * soft
        return None

    # -- a matrix: the (k, l) entry ---------------------------------------------------------------
    def matrix(self, e, k, rows, l, cols):
        e = _pull_out(e)
        if isinstance(e, sp.Add):
            rights = [sp.Mul(*[f for f in sp.Mul.make_args(t) if l in f.free_symbols and k not in f.free_symbols])
                      for t in e.args]
            if rights[0] != 1 and all(r == rights[0] for r in rights):  # a v_l - b v_l -> (a - b) v^T
                return self.column(sp.Add(*[t / rights[0] for t in e.args]), k, rows) * \
                    self.column(rights[0], l, cols).T
            return _total([self.matrix(t, k, rows, l, cols) for t in e.args])
        if isinstance(e, sp.Indexed) and len(e.indices) == 2:
            m = self.matrix_of(e)
            if e.indices == (k, l):
                return m
            if e.indices == (l, k):
                return m.T
            raise _No
        if isinstance(e, sp.KroneckerDelta) and set(e.args) == {k, l} and rows == cols:
            return sp.Identity(rows)
        if isinstance(e, sp.Sum) and len(e.limits) == 1:
            return self.sandwich(e, k, rows, l, cols)
        factors = sp.Mul.make_args(e)
        deltas = [f for f in factors if isinstance(f, sp.KroneckerDelta) and set(f.args) == {k, l}]
        if deltas and rows == cols:  # delta_kl g_k -> diag(g)
            rest = sp.Mul(*[f for f in factors if f is not deltas[0]]).xreplace({l: k})
            if k not in rest.free_symbols:
                return self.scalar(rest) * sp.Identity(rows) if rest != 1 else sp.Identity(rows)
            return sp.DiagMatrix(self.column(rest, k, rows))
        const = [f for f in factors if not f.free_symbols & {k, l}]
        left = [f for f in factors if k in f.free_symbols and l not in f.free_symbols]
        right = [f for f in factors if l in f.free_symbols and k not in f.free_symbols]
        both = [f for f in factors if {k, l} <= f.free_symbols]
        squared = [f for f in const if isinstance(f, sp.Pow) and f.exp == -2 and isinstance(f.base, sp.Sum)]
        if squared and any(isinstance(f, sp.exp) for f in left) and any(isinstance(f, sp.exp) for f in right):
            left.append(1 / squared[0].base)  # e^{a_k} e^{a_l} / Z^2: a softmax on each side
            right.append(1 / squared[0].base)
            const = [f for f in const if f is not squared[0]]
        for side in (left, right):  # e^{a_k} / sum_j e^{a_j}: the denominator goes with its softmax
            if any(isinstance(f, sp.exp) for f in side):
                dens = [f for f in const if isinstance(f, sp.Pow) and f.exp == -1 and isinstance(f.base, sp.Sum)]
                side.extend(dens)
                const = [f for f in const if f not in dens]
        c = self.scalar(sp.Mul(*const)) if const else sp.S.One
        if both:
            if len(both) != 1 or left or right or both[0] == e:
                raise _No
            out = self.matrix(both[0], k, rows, l, cols)
        else:
            if not left or not right:
                raise _No
            out = self.column(sp.Mul(*left), k, rows) * self.column(sp.Mul(*right), l, cols).T
        return out if c == 1 else c * out

    def sandwich(self, e, k, rows, l, cols):
        """sum_p a_pk c_p b_pl -> A^T diag(c) B (A^T B where c is 1, c A^T B for a constant c)."""
        p, lo, hi = e.limits[0]
        if lo != 1:
            raise _No
        left = right = None
        rest = []
        for f in sp.Mul.make_args(e.function):
            if isinstance(f, sp.Indexed) and len(f.indices) == 2 and p in f.indices and left is None \
                    and set(f.indices) == {p, k}:
                m = self.matrix_of(f)
                left = m.T if f.indices == (p, k) else m
            elif isinstance(f, sp.Indexed) and len(f.indices) == 2 and p in f.indices and right is None \
                    and set(f.indices) == {p, l}:
                m = self.matrix_of(f)
                right = m if f.indices == (p, l) else m.T
            else:
                rest.append(f)
        if left is None or right is None or any({k, l} & f.free_symbols for f in rest):
            raise _No
        c = sp.Mul(*rest)
        if p not in c.free_symbols:
            return (left * right) if c == 1 else self.scalar(c) * (left * right)
        return left * sp.DiagMatrix(self.column(c, p, hi)) * right

    # -- a scalar: no free index ------------------------------------------------------------------
    def scalar(self, e):
        if not e.has(sp.Indexed):
            return e
        if isinstance(e, sp.Sum) and len(e.limits) == 1:
            j, lo, hi = e.limits[0]
            if lo != 1:
                raise _No
            factors = sp.Mul.make_args(e.function)
            dep = [f for f in factors if j in f.free_symbols]
            const = sp.Mul(*[f for f in factors if j not in f.free_symbols])
            if len(dep) == 1 and isinstance(dep[0], sp.Pow) and dep[0].exp == 2:  # sum_j u_j^2 = u^T u
                u = self.column(dep[0].base, j, hi)
                inner = u.T * u
            elif len(dep) == 2:
                inner = self.column(dep[0], j, hi).T * self.column(dep[1], j, hi)
            elif len(dep) == 1:
                inner = sp.OneMatrix(1, hi) * self.column(dep[0], j, hi)
            else:
                raise _No
            return self.scalar(const) * mo.OneByOne(inner)
        if isinstance(e, (sp.Add, sp.Mul, sp.Pow)) or isinstance(e, sp.Function):
            return e.func(*[self.scalar(a) for a in e.args])
        raise _No

    def matrix_of(self, e: sp.Indexed):
        m = self.matrices.get(str(e.base))
        if m is None:
            raise _No
        return m


def _softmax_inside(e):
    """(sum_q g_q e^{a_q}) / sum_j e^{a_j} -> sum_q g_q (e^{a_q} / sum_j e^{a_j}): the softmax written inside
    the sum, where it can be recognised."""
    if not isinstance(e, sp.Mul):
        return e
    dens = [f for f in e.args if isinstance(f, sp.Pow) and f.exp == -1 and isinstance(f.base, sp.Sum)
            and len(f.base.limits) == 1 and isinstance(f.base.function, sp.exp)]
    for den in dens:
        j, lo, hi = den.base.limits[0]
        for f in e.args:
            if isinstance(f, sp.Sum) and len(f.limits) == 1 and f.limits[0][1:] == (lo, hi):
                q = f.limits[0][0]
                mine = den.base.function.xreplace({j: q})
                if mine in sp.Mul.make_args(f.function):
                    rest = [g for g in e.args if g is not f and g is not den]
                    return sp.Mul(*rest) * sp.Sum(f.function * den, f.limits[0])
    return e


def _pull_out(e):
    """The factors of a sum's terms that do not depend on its index, written in front of it:
    sum_q c x_l y_q -> c x_l sum_q y_q (everywhere in e)."""
    def one(total):
        if len(total.limits) != 1:
            return total
        var = total.limits[0][0]
        factors = sp.Mul.make_args(total.function)
        out = [f for f in factors if var not in f.free_symbols]
        if not out:
            return total
        return sp.Mul(*out) * sp.Sum(sp.Mul(*[f for f in factors if var in f.free_symbols]), total.limits[0])
    return e.replace(lambda t: isinstance(t, sp.Sum), one) if e.has(sp.Sum) else e


def _total(terms):
    """a + b + ... of matrix expressions, added without writing any product out entry by entry; terms with
    the same matrix in front share it: A u + A v -> A (u + v)."""
    def head(t):
        coeff, factors = t.as_coeff_matrices() if isinstance(t, sp.MatMul) else (1, [t])
        first = factors[0]
        if len(factors) < 2 or not isinstance(first, (sp.MatrixSymbol, sp.Transpose)):
            return None, t
        rest = sp.MatMul(*factors[1:]) if len(factors) > 2 else factors[1]
        return first, rest if coeff == 1 else coeff * rest
    heads = [head(t) for t in terms]
    if len(terms) > 1 and heads[0][0] is not None and all(h == heads[0][0] for h, _ in heads):
        inner = heads[0][1]
        for _, rest in heads[1:]:
            inner = inner + rest
        return heads[0][0] * inner
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def _elementwise(e):
    """The scalar function of e (sigma, exp, log, ...) as one that applies entry by entry, or None."""
    for func in mo.ELEMENTWISE.values():
        if type(e) is func:
            return func
    return None
