"""expr.parse: spec expressions are parsed through an allow-list, never evaluated as Python.

Expected values are SymPy objects built here by hand, never by sympify of the same text."""
from __future__ import annotations

import time
import warnings

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

from answerkey import mathobj as mo
from answerkey.expr import MAX_DEPTH, ExprError, Scope, parse, parse_length

x, y, z = (sp.Symbol(s, real=True) for s in "xyz")
i, k, n = (sp.Symbol(s, integer=True, positive=True) for s in "ikn")
X = sp.IndexedBase("x", real=True)


def vec(length=n, name="x"):
    return Scope(vectors={name: length})


def refused(text, scope=None, limit=1.0) -> ExprError:
    """Parse `text`; it must fail with ExprError (not another exception) within `limit` seconds."""
    start = time.perf_counter()
    with pytest.raises(ExprError) as info:
        parse(text, scope)
    assert time.perf_counter() - start < limit, f"{text[:40]!r} took too long to refuse"
    return info.value


# -- valid expressions -------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2*x + 3*x*y", 2 * x + 3 * x * y),
    ("x**2", x ** 2),
    ("x/2", x / 2),
    ("-x", -x),
    ("+x", x),
    ("x - y", x - y),
    ("0.1*x", sp.Rational(1, 10) * x),  # decimals are exact rationals
    ("1.5", sp.Rational(3, 2)),
    ("x**0.5", sp.sqrt(x)),
    ("exp(x) + log(y)", sp.exp(x) + sp.log(y)),
    ("ln(x)", sp.log(x)),
    ("sqrt(x)", sp.sqrt(x)),
    ("tanh(x)", sp.tanh(x)),
    ("sin(x)*cos(y)*tan(z)", sp.sin(x) * sp.cos(y) * sp.tan(z)),
    ("abs(x)", sp.Abs(x)),
    ("max(x, y)", sp.Max(x, y)),
    ("min(x, y, z)", sp.Min(x, y, z)),
    ("sigmoid(x)", mo.sigmoid(x)),
    ("relu(x)", mo.relu(x)),
    ("pi*x", sp.pi * x),
    ("E**x", sp.exp(x)),
    ("x @ y", x * y),
    ("2**10", sp.Integer(1024)),
    ("1_000", sp.Integer(1000)),
])
def test_valid_scalar_expressions(text, expected):
    result = parse(text)
    assert result == expected
    assert isinstance(result, sp.Basic)


def test_names_are_real_symbols():
    assert parse("x").is_real
    assert parse("x") == x


def test_numbers_as_yaml_gives_them():
    assert parse(3) == sp.Integer(3)
    assert parse(2.5) == sp.Rational(5, 2)


def test_logsumexp_as_a_sum():
    result = parse("log(Sum(exp(x[i]), (i, 1, n)))", vec(parse_length("n")))
    assert result == sp.log(sp.Sum(sp.exp(X[i]), (i, 1, n)))


def test_vector_entry_of_fixed_length():
    assert parse("x[1] + 2*x[3]", vec(sp.Integer(3))) == X[1] + 2 * X[3]


def test_softmax_entry_and_logsumexp():
    assert parse("-log(softmax(x)[i])", vec()) == -sp.log(mo.SoftmaxEntry(X, i, n))
    assert parse("logsumexp(x)", vec()) == mo.LogSumExp(X, n)


def test_matrix_expression_with_transpose():
    W = sp.MatrixSymbol("W", n, n)
    xm = sp.MatrixSymbol("x", n, 1)
    scope = Scope(matrices={"x": (n, 1), "W": (n, n)})
    assert parse("x.T * W * x", scope) == xm.T * W * xm
    assert parse("trace(W)", scope) == sp.Trace(W)
    assert parse("W**-1", scope) == sp.Inverse(W)


def test_params_are_substituted():
    assert parse("a*x + b*x*y", Scope(values={"a": sp.Integer(2), "b": sp.Integer(3)})) == 2 * x + 3 * x * y


def test_parse_length():
    assert parse_length(4) == sp.Integer(4)
    assert parse_length("n") == n
    for bad in (0, -1, 1001, True, "2n", "_n", 1.5):
        with pytest.raises(ExprError):
            parse_length(bad)


# -- hostile input: refused, never run ---------------------------------------------------------------


def test_import_system_is_refused_and_not_run(tmp_path):
    canary = tmp_path / "canary"
    refused(f"__import__('os').system('touch {canary}')")
    assert not canary.exists()


@pytest.mark.parametrize("text", [
    "eval('1')",
    "exec('import os')",
    "open('/etc/passwd')",
    "getattr(x, 'real')",
    "globals()",
    "breakpoint()",
    "compile('1', 'f', 'eval')",
])
def test_python_builtins_are_unknown_functions(text, tmp_path):
    err = refused(text)
    assert "unknown function" in err.message


@pytest.mark.parametrize("text", [
    "x.real",
    "x.__class__",
    "x.__class__.__mro__",
    "().__class__.__bases__[0].__subclasses__()",
    "exp.func",
    "(x).conjugate()",
    "x.T.T.__dict__",
])
def test_attribute_access_is_refused(text):
    refused(text)


@pytest.mark.parametrize("text, what", [
    ("lambda: 1", "lambda"),
    ("(lambda: 1)()", "allowed functions"),
    ("[a for a in b]", "comprehension"),
    ("(a for a in b)", "comprehension"),
    ("{a: 1 for a in b}", "comprehension"),
    ("'abc'", "str"),
    ("\"x\" + x", "str"),
    ("f'{x}'", "string"),
    ("b'x'", "bytes"),
    ("x if y else z", "if-expression"),
    ("x and y", "and/or"),
    ("[1, 2]", "list"),
    ("{1: 2}", "dict"),
    ("{1}", "set"),
    ("(x, y)", "tuple"),
    ("(y := 1)", "assignment"),
    ("x // 2", "FloorDiv"),
    ("x % 2", "Mod"),
    ("x << 2", "LShift"),
    ("~x", "Invert"),
    ("not x", "Not"),
    ("x < y", "comparisons"),
    ("None", "NoneType"),
    ("True", "bool"),
    ("1j", "complex"),
    ("...", "ellipsis"),
    ("exp(x=1)", "keyword"),
    ("exp(*x)", "starred"),
    ("x = 1", "cannot parse"),
    ("import os", "cannot parse"),
    ("x; y", "cannot parse"),
    ("_x", "not allowed"),
])
def test_non_math_syntax_is_refused(text, what):
    err = refused(text)
    assert what in err.message


@pytest.mark.parametrize("text, suggestion", [
    ("expp(x)", "exp"),
    ("lgo(x)", "log"),
    ("sigmod(x)", "sigmoid"),
    ("sofmax(x)", "softmax"),
    ("sqr(x)", "sqrt"),
])
def test_unknown_function_suggests_the_closest(text, suggestion):
    err = refused(text)
    assert err.message == f"unknown function '{text.split('(')[0]}'"
    assert err.hint == f"did you mean '{suggestion}'?"


def test_unknown_function_without_a_close_match_lists_the_allowed():
    err = refused("zzzzzz(x)")
    assert err.hint.startswith("allowed: ")
    assert "exp" in err.hint and "softmax" in err.hint


def test_error_column_points_at_the_offending_part():
    assert refused("2*x + expp(y)").col == 7
    assert refused("x + y.real").col == 5
    assert refused("x**2 + 1/0").col == 10


# -- size and time bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "x**(10**10**10)",
    "10**10**10",
    "9**9**9",
    "2**(2**(2**(2**(2**20))))",
    "x**1001",
    "x**-100000",
    "10**400",
    "(-10)**999",
    "2.5**1000",
    "x**1e400",
    "123456789012345678901234567890123*x",
])
def test_huge_powers_and_numbers_are_refused_quickly(text):
    refused(text, limit=0.5)


def test_power_error_message():
    err = refused("x**(10**10**10)", limit=0.5)
    assert "too large" in err.message


def test_3000_nested_parentheses_are_refused_quickly():
    refused("(" * 3000 + "x" + ")" * 3000, limit=0.5)


@pytest.mark.parametrize("text", [
    "(" * 900 + "x" + ")" * 900,  # under the length limit: refused for its nesting
    "exp(" * 300 + "x" + ")" * 300,
    "-" * 1500 + "x",
    "[" * 600,
])
def test_deep_nesting_is_refused_quickly(text):
    err = refused(text, limit=0.5)
    assert "nested too deeply" in err.message


def test_nesting_below_the_limit_is_fine():
    assert parse("exp(" * 20 + "x" + ")" * 20) is not None
    assert parse("(" * 150 + "x" + ")" * 150) == x


def test_overlong_expression_is_refused():
    err = refused("x + " * 600 + "x")
    assert "longer than" in err.message


def test_a_flat_sum_of_many_terms_is_not_nesting():
    text = " + ".join(f"w{j}*x" for j in range(80))
    assert parse(text) == sum((sp.Symbol(f"w{j}", real=True) * x for j in range(80)), sp.Integer(0))


def test_float_literal_with_a_huge_exponent_is_refused():
    refused("x*1e100000", limit=0.5)


def test_a_flat_chain_of_hundreds_of_terms_parses():
    assert parse("+".join(["x"] * 900)) == 900 * x
    assert parse("*".join(["x"] * 900)) == x ** 900
    assert parse(" - ".join(f"w{j}" for j in range(300))).func == sp.Add


def test_the_nesting_limit_is_the_one_the_message_gives():
    assert parse("exp(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) is not None
    err = refused("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    assert f"at most {MAX_DEPTH} levels" in err.message
    assert err.col == 4 * MAX_DEPTH + 1  # the call one level too deep


@pytest.mark.parametrize("text, col", [("x*1e100000", 3), ("2*x + 1e-40", 7), ("1e31", 1),
                                       ("x + 0.0000000000000000000000000000001", 5),
                                       ("x*12345678901234567890.123456789012", 3), ("x*1e99999999999999999999999999", 3)])
def test_float_literal_with_too_many_digits_is_refused_at_its_column(text, col):
    err = refused(text, limit=0.5)
    assert "more than 30 digits" in err.message or "too large" in err.message
    assert (err.line, err.col) == (1, col)


@pytest.mark.parametrize("text, value", [("1.5e3", 1500), ("2.5", sp.Rational(5, 2)), (".5", sp.Rational(1, 2)),
                                         ("5.", 5), ("1_0.5", sp.Rational(21, 2)), ("1e29", 10 ** 29),
                                         ("1e-30", sp.Rational(1, 10 ** 30)), ("0e999999", 0)])
def test_float_literals_are_exact(text, value):
    assert parse(text) == value


def test_error_positions_are_characters_of_the_text_as_given():
    err = refused("  2*x + expp(y)")
    assert (err.line, err.col, err.offset) == (1, 9, 8)
    err = refused("(x +\n  \u03b1\u03b2 + expp(y))")  # non-ASCII names: columns count characters
    assert (err.line, err.col) == (2, 8)
    err = refused("(x +\n  y + $)")
    assert (err.line, err.col) == (2, 7)


# -- the allow-list holds for arbitrary token soup ---------------------------------------------------------

TOKENS = ["x", "y", "i", "n", "1", "0", "2", "0.5", "10", "1000", "9", "-", "+", "*", "/", "**", "(", ")",
          "[", "]", ",", ".", " ", "exp", "log", "Sum", "softmax", "logsumexp", "sigmoid", "relu", "max",
          "sqrt", "abs", "x[i]", "(i, 1, n)", ".T", "__", "lambda", "'s'", "=", ":", "e", "1e", "_"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map("".join))
def test_any_token_soup_gives_sympy_or_expr_error(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        for scope in (Scope(), vec(), vec(sp.Integer(3))):
            start = time.perf_counter()
            try:
                result = parse(text, scope)
            except ExprError as exc:
                assert exc.col >= 1
            else:
                assert isinstance(result, sp.Basic)
            assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("text, message, at", [
    ("(w*x - y)**2 + lambda*w**2", "'lambda' cannot be a name in an expression", 15),  # found in review
    ("2*as + x", "'as' cannot be a name in an expression", 2),
])
def test_a_python_keyword_as_a_name_is_named(text, message, at):
    with pytest.raises(ExprError) as err:
        parse(text)
    assert err.value.message.startswith(message) and "lam" in err.value.hint
    assert err.value.offset == at


def test_an_empty_expression_says_so():
    with pytest.raises(ExprError) as err:
        parse("   ")
    assert err.value.message in ("the expression is empty", "expected an expression, got nothing") \
        or "empty" in err.value.message
