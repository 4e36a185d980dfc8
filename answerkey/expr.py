"""Expressions from a spec, parsed, never evaluated as Python.

The text goes through Python's `ast` parser only (which evaluates nothing) and an allow-list of node
types; SymPy objects are then built by hand. `sympify`, `parse_expr`, `eval` and `exec` never see spec
text. Size, nesting depth and exponents are bounded so that no expression can run for long.
"""
from __future__ import annotations

import ast
import decimal
import keyword
import re
from dataclasses import dataclass, field

import sympy as sp

from . import mathobj as mo

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 1000
MAX_DIGITS = 30


class ExprError(Exception):
    """A problem in an expression, at a 1-based line and column of its text.

    Inside the parser `col` may be given as the AST node at fault; `parse` turns it into the node's
    line and column (in characters) in the text it was given.
    """

    def __init__(self, message: str, col: int | ast.AST = 1, hint: str | None = None, line: int = 1):
        super().__init__(message)
        self.message = message
        self.node = col if isinstance(col, ast.AST) else None
        self.col = 1 if self.node is not None else col
        self.line = line
        self.hint = hint
        self.offset: int | None = None  # 0-based character offset in the text, when parse() placed it


@dataclass
class Scope:
    """What the names of an expression mean."""

    vectors: dict[str, sp.Expr] = field(default_factory=dict)  # name -> length (number or symbol)
    matrices: dict[str, tuple] = field(default_factory=dict)  # name -> (rows, cols)
    values: dict[str, sp.Expr] = field(default_factory=dict)  # params: name -> number
    known: set[str] | None = None  # if given, the only free names allowed (e.g. a graph's nodes)
    entrywise: dict[str, sp.Expr] = field(default_factory=dict)  # a vector function's i-th output: x is x[i]
    allow_compare: bool = False
    # a problem's own values named in its where: conditions (names.py): dotted names (input.width,
    # answer.width, node.z, params.a) with their values; names that mean two things, with the error to
    # give; and the names in scope, listed (with a did-you-mean) for a name that is none of them
    qualified: dict[str, sp.Expr] = field(default_factory=dict)
    ambiguous: dict[str, tuple] = field(default_factory=dict)  # name -> (message, hint)
    listed: list[str] | None = None


FUNCTIONS = {
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "tanh": sp.tanh,
    "sigmoid": mo.sigmoid, "relu": mo.relu, "abs": sp.Abs,
    "max": sp.Max, "min": sp.Min,
}
SPECIAL = {"Sum", "softmax", "logsumexp", "trace", "det", "inv", "sum"}
CONSTANTS = {"pi": sp.pi, "E": sp.E}
ALLOWED_NAMES = sorted(set(FUNCTIONS) | SPECIAL)
# Python's keywords an instructor may mean as a name (lambda for a weight decay, in, as, ...)
NAME_LIKE_KEYWORDS = set(keyword.kwlist) - {"import", "if", "else", "not", "and", "or", "True", "False", "None"}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}


# Operators of one precedence level: a left-associated chain of them (a + b - c + ...) is one level
# of nesting, however long, and is built without recursion.
_CHAIN_GROUPS = {ast.Add: "add", ast.Sub: "add", ast.Mult: "mul", ast.Div: "mul", ast.MatMult: "mul"}
# Nodes that are no level of nesting: names, numbers, and the operator and context markers.
_FLAT = (ast.Name, ast.Constant, ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _group(node) -> str | None:
    return _CHAIN_GROUPS.get(type(node.op)) if isinstance(node, ast.BinOp) else None


def _chain(node) -> list:
    """The BinOps of the left-associated chain headed by `node`, outermost first."""
    chain, group = [node], _group(node)
    while group is not None and _group(chain[-1].left) == group:
        chain.append(chain[-1].left)
    return chain


def _depth(node, limit: int):
    """The nesting depth of a parsed expression (calls, operators, subscripts...; a name or number is 0,
    `exp(x)` is 1, `a + b + c` is 1), and the node where it first exceeds `limit` (or None)."""
    best, stack = 0, [(node, 0)]
    while stack:
        n, d = stack.pop()
        if isinstance(n, ast.Expression):
            stack.append((n.body, d))
            continue
        if isinstance(n, _FLAT):
            continue
        d += 1
        if d > limit:
            return d, n
        best = max(best, d)
        chain = _chain(n)
        for link in chain:  # the links of a chain are one level; so is any other node
            stack.extend((c, d) for c in ast.iter_child_nodes(link)
                         if link is chain[-1] or c is not link.left)
    return best, None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in `text`."""
    offset = max(0, min(offset, len(text)))
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    return len(re.findall(r"\r\n|\r|\n", text[:offset])) + 1, offset - line_start + 1


def _offset(text: str, lineno: int, char_col: int) -> int:
    """The character offset of a 1-based line and 0-based character column of `text` (lines as Python
    reads them: ended by \\n, \\r\\n or \\r)."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    return starts[max(0, min(lineno, len(starts)) - 1)] + char_col


def _node_offset(text: str, node) -> int:
    """The character offset in `text` of an AST node parsed from it (ast columns count UTF-8 bytes)."""
    lineno = getattr(node, "lineno", 1)
    start = _offset(text, lineno, 0)
    end = re.compile(r"\r|\n").search(text, start)
    line = text[start:end.start() if end else len(text)]
    byte_col = getattr(node, "col_offset", 0)
    return start + len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


class _Builder:
    def __init__(self, scope: Scope, text: str):
        self.scope = scope
        self.text = text
        self.indices: set[str] = set()

    # -- pre-pass: names used as indices become integer symbols -------------------------------------
    def find_indices(self, tree) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript):
                for sub in ast.walk(node.slice):
                    if isinstance(sub, ast.Name):
                        self.indices.add(sub.id)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Sum":
                for lim in node.args[1:]:
                    if isinstance(lim, ast.Tuple) and lim.elts and isinstance(lim.elts[0], ast.Name):
                        self.indices.add(lim.elts[0].id)
        sizes = list(self.scope.vectors.values()) + [d for dims in self.scope.matrices.values() for d in dims]
        for n in sizes:  # a size named in the function (1/m) is the size, not a new constant
            for s in sp.sympify(n, strict=True).free_symbols:
                self.indices.add(str(s))

    def symbol(self, name: str, node) -> sp.Expr:
        if name.startswith("_"):
            raise ExprError(f"the name '{name}' is not allowed", node)
        if name in self.scope.ambiguous:
            raise ExprError(self.scope.ambiguous[name][0], node, self.scope.ambiguous[name][1])
        if name in self.scope.values:
            return self.scope.values[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in self.scope.matrices:
            rows, cols = self.scope.matrices[name]
            return sp.MatrixSymbol(name, rows, cols)
        if name in self.scope.entrywise and name in self.scope.vectors:  # x in a vector function: its entry x_i
            return mo.vector(name)[self.scope.entrywise[name]]
        if name in self.scope.vectors:
            raise ExprError(f"'{name}' is a vector: use an entry {name}[i] or a function of the "
                            f"whole vector (softmax, logsumexp)", node)
        if name in FUNCTIONS or name in SPECIAL:
            raise ExprError(f"'{name}' is a function: call it, as in {name}(...)", node)
        if self.scope.known is not None and name not in self.scope.known and name not in self.indices:
            if self.scope.listed is not None:
                raise ExprError(f"unknown name '{name}'", node, self.listing(name))
            raise ExprError(f"unknown name '{name}'", node,
                            "known here: " + ", ".join(sorted(self.scope.known)) if self.scope.known else None)
        if name in self.indices:
            return mo.index(name)
        return mo.real(name)

    def number(self, node) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExprError(f"{type(value).__name__} values are not allowed in an expression", node)
        if isinstance(value, int):
            if len(str(abs(value))) > MAX_DIGITS:
                raise ExprError(f"the number has more than {MAX_DIGITS} digits", node)
            return sp.Integer(value)
        src = (ast.get_source_segment(self.text, node) or repr(value)).replace("_", "")
        # Bound the literal before SymPy sees it: 1e100000 would be a 100001-digit integer.
        try:
            sign, digits, exponent = decimal.Decimal(src).as_tuple()
        except (decimal.InvalidOperation, ValueError):
            digits, exponent = None, None
        if not isinstance(exponent, int):  # not a decimal literal (inf, nan) or an exponent beyond reach
            raise ExprError("the number is too large or too small", node,
                            f"write at most {MAX_DIGITS} digits")
        digits = list(digits)
        if not any(digits):
            return sp.Integer(0)
        while digits[-1] == 0:
            digits.pop()
            exponent += 1
        while digits[0] == 0:
            digits.pop(0)
        written = max(len(digits) + exponent, 0) + max(-exponent, 0)  # its digits, written out in full
        if written > MAX_DIGITS:
            shown = src if len(src) <= 40 else src[:37] + "..."
            raise ExprError(f"the number {shown} has more than {MAX_DIGITS} digits written out", node)
        mantissa = int("".join(map(str, digits))) * (-1 if sign else 1)
        return sp.Integer(mantissa) * sp.Rational(10) ** exponent

    def build(self, node) -> sp.Expr:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise ExprError(f"{_describe(node)} is not allowed in an expression", node,
                            "use numbers, names, + - * / **, and the functions " + ", ".join(ALLOWED_NAMES))
        return method(node)

    def _Expression(self, node):
        return self.build(node.body)

    def _Constant(self, node):
        return self.number(node)

    def _Name(self, node):
        return self.symbol(node.id, node)

    def _UnaryOp(self, node):
        operand = self.build(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ExprError(f"the operator {type(node.op).__name__} is not allowed", node)

    def _BinOp(self, node):
        # A left-associated chain (a + b - c + ..., hundreds of terms) is built in a loop, not by recursion.
        if type(node.op) not in _BINOPS:
            raise ExprError(f"the operator {type(node.op).__name__} is not allowed", node, "use + - * / **")
        chain = _chain(node)
        value = self.build(chain[-1].left)
        for link in reversed(chain):
            value = self._binop(link, value, self.build(link.right))
        return value

    def _binop(self, node, left, right):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise ExprError(f"the operator {type(node.op).__name__} is not allowed", node,
                            "use + - * / **")
        if op in ("+", "-"):
            left, right = _scalar_if_mixed(left, right)
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op in ("*", "@"):
            from sympy.matrices.expressions.matexpr import MatrixElement

            if isinstance(left, sp.MatrixExpr) != isinstance(right, sp.MatrixExpr) and any(
                    not isinstance(v, sp.MatrixExpr) and v.has(MatrixElement) for v in (left, right)):
                # sigmoid(u.T*v)*(u.T*u): SymPy's product would write the entry of u^T v out as a 0-based sum
                return sp.MatMul(left, right).doit(deep=False)
            return left * right
        if op == "/":
            if right == 0:
                raise ExprError("division by zero", node.right)
            return left / right
        # op == "**"
        if right.is_number:
            if not right.is_real or abs(right) > MAX_EXPONENT:
                raise ExprError(f"the exponent {right} is too large (at most {MAX_EXPONENT})", node.right)
            if left.is_number and left != 0 and abs(left) > 1 and abs(right) * sp.log(abs(left), 10) > 300:
                raise ExprError("the power is too large to compute", node)
            if left == 0 and right.is_negative:
                raise ExprError("division by zero (0 to a negative power)", node)
        elif right.has(sp.Float):
            pass
        if isinstance(left, sp.MatrixExpr):
            if right == -1:
                return sp.Inverse(left)
            raise ExprError("only the power -1 (the inverse) is allowed for a matrix", node)
        return left ** right

    def listing(self, name: str) -> str:
        """The names in scope (Scope.listed), the closest to `name` first when one is close."""
        import difflib

        listed = self.scope.listed or []
        close = difflib.get_close_matches(name, listed, n=1, cutoff=0.6) or \
            difflib.get_close_matches(name.rsplit(".", 1)[-1], [n.rsplit(".", 1)[-1] for n in listed], n=1)
        if close and close[0] not in listed:  # matched on the last part: the qualified name that has it
            close = [n for n in listed if n.rsplit(".", 1)[-1] == close[0]][:1]
        names = ("names here: " + ", ".join(listed)) if listed else "no names are in scope here"
        return (f"did you mean {close[0]}? " if close else "") + names

    def _Attribute(self, node):
        dotted = _dotted(node)
        if dotted is not None and (self.scope.qualified or self.scope.listed is not None):
            if dotted in self.scope.ambiguous:
                raise ExprError(self.scope.ambiguous[dotted][0], node, self.scope.ambiguous[dotted][1])
            if dotted in self.scope.qualified:
                return self.scope.qualified[dotted]
            if node.attr != "T":
                raise ExprError(f"unknown name '{dotted}'", node, self.listing(dotted))
        if node.attr == "T":
            value = self.build(node.value)
            if isinstance(value, sp.MatrixExpr):
                return value.T
            raise ExprError("'.T' (transpose) needs a matrix or vector declared in shapes", node)
        raise ExprError(f"attributes ('.{node.attr}') are not allowed; only '.T' (transpose)", node)

    def _Subscript(self, node):
        index = self.build(node.slice)
        if isinstance(node.value, ast.Name) and node.value.id in self.scope.vectors:
            name = node.value.id
            length = self.scope.vectors[name]
            self._check_index(index, length, node.slice)
            return mo.vector(name)[index]
        if (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "softmax"):
            x, n = self._vector_arg(node.value, "softmax")
            self._check_index(index, n, node.slice)
            return mo.SoftmaxEntry(x, index, n)
        if isinstance(node.value, ast.Name):
            raise ExprError(f"'{node.value.id}' is indexed but is not a vector", node,
                            f"declare it, as in vectors: {{{node.value.id}: n}}")
        raise ExprError("only a vector's entries (x[i]) and softmax(x)[i] can be indexed", node)

    def _check_index(self, index, length, node) -> None:
        if not (index.is_integer or index.is_Symbol and str(index) in self.indices):
            raise ExprError("an index must be an integer or an index name", node)
        if index.is_number:
            if index < 1 or (sp.sympify(length, strict=True).is_number and index > length):
                raise ExprError(f"index {index} is out of range 1..{length}", node,
                                "entries are numbered from 1")

    def _vector_arg(self, call, fname):
        if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Name) \
                or call.args[0].id not in self.scope.vectors:
            raise ExprError(f"{fname}() takes one vector declared in vectors:", call)
        name = call.args[0].id
        return mo.vector(name), sp.sympify(self.scope.vectors[name], strict=True)

    def _Call(self, node):
        if not isinstance(node.func, ast.Name):
            raise ExprError("only the allowed functions can be called", node,
                            "allowed: " + ", ".join(ALLOWED_NAMES))
        fname = node.func.id
        if node.keywords:
            raise ExprError(f"{fname}() takes no keyword arguments", node)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ExprError("starred arguments are not allowed", node)
        if fname == "Sum":
            return self._sum(node)
        if fname == "softmax" and node.args and isinstance(node.args[0], ast.Name) \
                and node.args[0].id in self.scope.entrywise:  # the i-th output of the vector softmax(x)
            x, n = self._vector_arg(node, "softmax")
            return mo.SoftmaxEntry(x, self.scope.entrywise[node.args[0].id], n)
        if fname in ("softmax", "logsumexp") and len(node.args) == 1 and self.scope.matrices:
            arg = self.build(node.args[0])  # in a problem of matrices: of a column (softmax(U*v))
            if not isinstance(arg, sp.MatrixExpr) or arg.shape[1] != 1:
                raise ExprError(f"{fname}() takes a column vector (a matrix expression of one column)", node)
            return mo.VecSoftmax(arg) if fname == "softmax" else mo.LogSumExpOf(arg)
        if fname == "softmax":
            raise ExprError("softmax(x) is a vector: take an entry, softmax(x)[i]", node)
        if fname == "logsumexp":
            x, n = self._vector_arg(node, "logsumexp")
            return mo.LogSumExp(x, n)
        if fname == "sum":  # of a column of a problem of matrices: 1^T v, the sum of its entries
            if len(node.args) != 1:
                raise ExprError("sum() takes one argument", node)
            arg = self.build(node.args[0])
            if not isinstance(arg, sp.MatrixExpr) or arg.shape[1] != 1:
                raise ExprError("sum() takes a column vector of shapes (a matrix expression of one column)", node,
                                "for a sum over an index write Sum(term, (i, 1, n))")
            return sp.OneMatrix(1, arg.shape[0]) * arg
        if fname in ("trace", "det", "inv"):
            if len(node.args) != 1:
                raise ExprError(f"{fname}() takes one argument", node)
            arg = self.build(node.args[0])
            if not isinstance(arg, sp.MatrixExpr):
                raise ExprError(f"{fname}() needs a matrix declared in shapes", node)
            return {"trace": sp.Trace, "det": sp.Determinant, "inv": sp.Inverse}[fname](arg)
        func = FUNCTIONS.get(fname)
        if func is None:
            import difflib
            close = difflib.get_close_matches(fname, ALLOWED_NAMES, n=1)
            raise ExprError(f"unknown function '{fname}'", node,
                            f"did you mean '{close[0]}'?" if close else "allowed: " + ", ".join(ALLOWED_NAMES))
        args = [self.build(a) for a in node.args]
        if fname in ("max", "min"):
            if len(args) < 2:
                raise ExprError(f"{fname}() takes two or more arguments", node)
        elif len(args) != 1:
            raise ExprError(f"{fname}() takes one argument", node)
        if fname == "log" and args[0] == 0:
            raise ExprError("log(0) is undefined", node)
        if any(isinstance(a, sp.MatrixExpr) for a in args):
            return self._matrix_call(fname, func, args, node)
        return func(*args)

    def _matrix_call(self, fname, func, args, node):
        """A scalar function of a matrix expression: of its one entry if it is 1 x 1 (log(x.T*w)), else entry
        by entry (sigmoid(X*w))."""
        from sympy.matrices.expressions.matexpr import MatrixElement

        if len(args) == 1 and args[0].shape == (1, 1):
            return func(MatrixElement(args[0], 0, 0))
        if len(args) != 1 or fname not in mo.ELEMENTWISE:
            raise ExprError(f"{fname}() of a matrix is not supported", node,
                            "entry by entry: " + ", ".join(sorted(mo.ELEMENTWISE)))
        return mo.elementwise(mo.ELEMENTWISE[fname], args[0])

    def _sum(self, node):
        if len(node.args) != 2 or not isinstance(node.args[1], ast.Tuple) or len(node.args[1].elts) != 3 \
                or not isinstance(node.args[1].elts[0], ast.Name):
            raise ExprError("write a sum as Sum(term, (i, 1, n))", node)
        var = mo.index(node.args[1].elts[0].id)
        lo, hi = (self.build(e) for e in node.args[1].elts[1:])
        return sp.Sum(self.build(node.args[0]), (var, lo, hi))

    def _Compare(self, node):
        if not self.scope.allow_compare:
            raise ExprError("comparisons are not allowed here", node)
        ops = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Eq: sp.Eq, ast.NotEq: sp.Ne}
        left = self.build(node.left)
        parts = []
        for op, right_node in zip(node.ops, node.comparators):
            right = self.build(right_node)
            if type(op) not in ops:
                raise ExprError(f"the comparison {type(op).__name__} is not allowed", node)
            parts.append(ops[type(op)](left, right))
            left = right
        return sp.And(*parts) if len(parts) > 1 else parts[0]


def _scalar_if_mixed(left, right):
    """A 1 x 1 matrix expression beside a scalar (trace(A*X) + x.T*X*x) is taken as its one entry."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    def one(e, other):
        if isinstance(e, sp.MatrixExpr) and e.shape == (1, 1) and not isinstance(other, sp.MatrixExpr):
            return MatrixElement(e, 0, 0)  # unevaluated: e[0, 0] would write the product out as sums
        if not isinstance(e, sp.MatrixExpr) and isinstance(other, sp.MatrixExpr) and other.shape != (1, 1):
            return e * mo.ones_like(other)  # 1 - y for a vector y: the vector of ones minus y
        return e
    return one(left, right), one(right, left)


def _describe(node) -> str:
    names = {"Lambda": "a lambda", "ListComp": "a comprehension", "GeneratorExp": "a comprehension",
             "SetComp": "a comprehension", "DictComp": "a comprehension", "List": "a list",
             "Dict": "a dict", "Set": "a set", "Tuple": "a tuple", "JoinedStr": "a string",
             "IfExp": "an if-expression", "BoolOp": "and/or", "NamedExpr": "an assignment (:=)",
             "Await": "await", "Yield": "yield", "Starred": "a starred argument", "Slice": "a slice"}
    return names.get(type(node).__name__, f"'{type(node).__name__}'")


def _dotted(node) -> str | None:
    """`input.width` for the attribute chain input.width (names only), else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _at(exc: ExprError, text: str, offset: int) -> ExprError:
    """`exc` placed at a character offset of `text` (its line, column and offset)."""
    exc.offset = max(0, min(offset, len(text)))
    exc.line, exc.col = _line_col(text, exc.offset)
    return exc


def parse(text, scope: Scope | None = None) -> sp.Expr:
    """Parse one expression of the spec into a SymPy object, or raise ExprError.

    The error's `line` and `col` (1-based) and `offset` (0-based) are those of the fault in `text` as
    given (after `repr` for a number).
    """
    scope = scope or Scope()
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ExprError(f"expected an expression, got {type(text).__name__}")
    if isinstance(text, (int, float)):
        text = repr(text)
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is longer than {MAX_LENGTH} characters")
    if "__" in text:
        raise _at(ExprError("double underscores are not allowed"), text, text.index("__"))
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    deep = f"the expression is nested too deeply (at most {MAX_DEPTH} levels)"
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        if "nested parentheses" in msg:
            msg = "the expression is nested too deeply (too many nested parentheses or brackets)"
        elif "too many" in msg or "too complex" in msg or "too deeply" in msg:
            msg = "the expression is nested too deeply"
        else:
            msg = f"cannot parse the expression: {msg}"
        word = next((m for m in re.finditer(r"[A-Za-z_]\w*", stripped) if m.group(0) in NAME_LIKE_KEYWORDS), None)
        if word is not None and "nested" not in msg:  # lambda*x**2: a name Python keeps for itself
            error = ExprError(f"'{word.group(0)}' cannot be a name in an expression (Python keeps it for itself)",
                              hint="call it something else, e.g. lam for lambda")
            raise _at(error, text, lead + word.start()) from None
        if not stripped.strip():
            raise ExprError("the expression is empty") from None
        offset = _offset(stripped, exc.lineno or 1, (exc.offset or 1) - 1)
        raise _at(ExprError(msg), text, lead + offset) from None
    except (RecursionError, MemoryError):
        raise ExprError("the expression is nested too deeply") from None
    except ValueError as exc:  # e.g. a NUL character
        raise ExprError(f"cannot parse the expression: {exc}") from None
    depth, where = _depth(tree, MAX_DEPTH)
    if depth > MAX_DEPTH:
        raise _at(ExprError(deep), text, lead + _node_offset(stripped, where))
    builder = _Builder(scope, stripped)
    builder.find_indices(tree)
    try:
        return builder.build(tree)
    except ExprError as exc:
        if exc.node is not None:
            raise _at(exc, text, lead + _node_offset(stripped, exc.node)) from None
        raise
    except (TypeError, ValueError, AttributeError, sp.ShapeError, sp.NonSquareMatrixError) as exc:
        raise ExprError(f"the expression does not make sense: {exc}") from None
    except RecursionError:
        raise ExprError("the expression is nested too deeply") from None


def parse_length(value) -> sp.Expr:
    """A vector length: a positive integer or a name (a symbol of positive integer value)."""
    if isinstance(value, bool):
        raise ExprError("expected a positive integer or a name")
    if isinstance(value, int):
        if value < 1 or value > 1000:
            raise ExprError("a vector length must be between 1 and 1000")
        return sp.Integer(value)
    if isinstance(value, str) and value.isidentifier() and not value.startswith("_"):
        return mo.index(value)
    raise ExprError("expected a positive integer or a name")
