"""Answers of other problems, used by the kinds that answer in words (short_answer, choice, true_false).

A reference names a computed answer: `a.total_params` (part (a) of this problem), `2.b.total_params`
(problem 2, part b), `3.output_shape` (problem 3), `lstm.total_params` (the problem whose id is lstm). Only
problems and parts before the referring one are in scope: they are solved first (build.py), and their
verified answers are offered to it (`offer`) before it is solved.

`<<expr>>` in an instructor's sentence is an expression over references and numbers (`<<a.total_params>>`,
`<<a.total_params / b.total_params>>`), printed by the same printer as the key's lines, so that the sentence
shows the key's own digits. A condition (`a.total_params > 10**6`, `b.valid == invalid`) is a comparison of
such expressions, or of a worded answer with a word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from .errors import Diagnostic, SpecError
from .expr import Scope
from .printer import tex

PLACEHOLDER = re.compile(r"<<(.*?)>>", re.DOTALL)
TOKEN = re.compile(r"(?<![\w.])([A-Za-z0-9_]+(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\[\s*\d+\s*(?:,\s*\d+\s*)?\])?)(?![\w(])")
ENTRY = re.compile(r"^(?P<ref>[^\[]+)(?:\[\s*(?P<i>\d+)\s*(?:,\s*(?P<j>\d+)\s*)?\])?$")
WORDED = re.compile(r"^\s*(?P<ref>[A-Za-z0-9_]+(?:\.[A-Za-z_]\w*)+)\s*(?P<op>==|!=)\s*(?P<word>[A-Za-z][\w \-]*?)\s*$")


def offer(problem, earlier) -> None:
    """Make the answers of `earlier` [(problem, solution)] referable from `problem` (its `solved` table):
    by number (2, 2.b), by id (lstm, lstm.b) and, within its own problem of parts, by letter (b)."""
    table = problem.solved
    table.clear()
    for other, solution in earlier:
        if other is problem:
            continue
        answers = solution.answers
        if other.part:
            table[f"{other.number}.{other.part}"] = answers
            table[f"{other.group.id}.{other.part}"] = answers
            if other.number == problem.number:
                table[other.part] = answers
        else:
            table[str(other.number)] = answers
            table[other.id] = answers


@dataclass
class Resolved:
    """A reference read: what it names (for messages), the answer, and its value when it is a number."""

    ref: str
    answer: object
    number: sp.Expr | None
    word: str | None


def resolve(problem, field: tuple, token: str) -> Resolved | None:
    """The answer `token` names, or None when it names no problem in scope (then it is not a reference:
    x.T is a transpose); a SpecError when the problem exists and the label does not."""
    m = ENTRY.match(token)
    pieces = m.group("ref").split(".")
    for cut in range(len(pieces) - 1, 0, -1):
        key, label = ".".join(pieces[:cut]), ".".join(pieces[cut:])
        if key not in problem.solved:
            continue
        answers = problem.solved[key]
        if label not in answers:
            import difflib

            close = difflib.get_close_matches(label, list(answers), n=1)
            raise SpecError(Diagnostic(problem.where(*field), f"{token}: {_named(key)} has no answer '{label}'",
                                       (f"did you mean {key}.{close[0]}? " if close else "")
                                       + "its answers: " + ", ".join(answers)))
        answer = answers[label]
        expr = answer.expr
        if m.group("i") is not None:
            answer, expr = _entry(problem, field, token, answer, int(m.group("i")),
                                  None if m.group("j") is None else int(m.group("j")))
        number = expr if isinstance(expr, sp.Expr) and not isinstance(expr, sp.MatrixBase) and expr.is_number \
            and answer.index is None else None
        word = str(expr.args[0]) if type(expr).__name__ == "Text" else None
        return Resolved(token, answer, number, word)
    return None


def _entry(problem, field, token, answer, i: int, j: int | None):
    """The entry [i] of a vector or tuple answer, or [i, j] of a matrix, counted from 1: (an answer of it,
    its value)."""
    from .derivation import Answer

    expr = answer.expr
    try:
        if isinstance(expr, sp.MatrixBase):
            if j is None and 1 not in expr.shape:
                raise IndexError("a matrix takes [row, column]")
            value = expr[i - 1, j - 1] if j is not None else list(expr)[i - 1]
        elif isinstance(expr, (sp.Tuple, tuple, list)) and j is None:
            value = list(expr)[i - 1]
        else:
            raise IndexError("it has no entries")
        if i < 1 or (j is not None and j < 1):
            raise IndexError("there is no entry 0")
    except IndexError as exc:
        raise SpecError(Diagnostic(problem.where(*field), f"{token}: no such entry"
                                   + (f" ({exc})" if str(exc) and "out of range" not in str(exc) else ""),
                                   "entries are counted from 1: v[1], M[1, 2]")) from None
    return Answer(value), value


def _named(key: str) -> str:
    return f"part ({key})" if key.isalpha() and len(key) == 1 else f"problem {key}"


def _scope_hint(problem, token: str = "") -> str:
    from .names import PREFIXES

    if token.split(".")[0] in PREFIXES:  # where:'s own names (names.py) mean nothing here
        return (", ".join(f"{p}." for p in PREFIXES[:-1]) + f" and {PREFIXES[-1]}. name a problem's own values "
                "in its where: conditions only; here an answer is named by its problem or part: 2.width, "
                "conv.width, a.total_params; " + _scope_hint(problem))
    names = [k for k in problem.solved if "." not in k or k.split(".")[0].isdigit()]
    if not names:
        return ("only problems and parts before this one can be named, and none before it was solved (there "
                "is none, or it failed: see its error)")
    return ("problems and parts before this one that were solved: "
            + ", ".join(sorted(set(names), key=lambda k: (len(k), k))))


def _substitute(problem, field: tuple, text: str):
    """`text` with each reference replaced by a name of its own, and those names' values."""
    values, found = {}, []

    def replace(match):
        resolved = resolve(problem, field, match.group(1))
        if resolved is None:
            if not match.group(1).endswith(".T"):  # x.T is a transpose, not a reference
                raise SpecError(Diagnostic(problem.where(*field), f"{match.group(1)} names no answer in scope",
                                           _scope_hint(problem, match.group(1))))
            return match.group(0)
        name = f"refvalue{len(found)}"
        found.append(resolved)
        if resolved.number is None:
            raise SpecError(Diagnostic(problem.where(*field), f"{resolved.ref} is not a number: it can be shown "
                                                              "alone (<<" + resolved.ref + ">>), not computed with",
                                       "compute with answers that are numbers"))
        values[name] = resolved.number
        return name
    return TOKEN.sub(replace, text), values, found


DIGITS = re.compile(r"^(?P<expr>.*?)\s*:\s*(?P<digits>\d{1,2})\s*$", re.DOTALL)


def value(problem, field: tuple, text: str):
    """An expression over references: (its value, its LaTeX as the key prints it, the references used).
    `expr : N` shows it to N significant digits (<<a.total_params / b.total_params : 3>> gives 1.47)."""
    text = text.strip()
    m = DIGITS.match(text)
    if m:
        expr, _, found = value(problem, field, m.group("expr"))
        if not (isinstance(expr, sp.Expr) and expr.is_number and expr.is_real):
            raise SpecError(Diagnostic(problem.where(*field), f"<<{text}>>: only a number can be rounded"))
        digits = max(1, int(m.group("digits")))
        plain, shown = _significant(expr, digits)
        return sp.Float(plain, digits), shown, found
    if TOKEN.fullmatch(text):
        resolved = resolve(problem, field, text)
        if resolved is None:
            raise SpecError(Diagnostic(problem.where(*field), f"{text} names no answer in scope",
                                       _scope_hint(problem, text)))
        answer = resolved.answer
        shown = answer.display if answer.display is not None else answer.expr
        if isinstance(shown, (list, tuple)):
            return answer.expr, "\\left(" + tex(list(shown), inline=True) + "\\right)", [resolved]
        return answer.expr, tex(as_printed(shown), inline=True), [resolved]
    replaced, values, found = _substitute(problem, field, text)
    expr = problem.expr(field, Scope(values=dict(values), known=set()), text=replaced)
    return expr, tex(as_printed(expr), inline=True), found


def _significant(expr, digits: int) -> tuple[str, str]:
    """`expr` to `digits` significant digits, halves rounded up as a course rounds (78500 to 2 digits is
    7.9 x 10^4, not Python's round-half-even 7.8): (the number as text, its LaTeX). Plain where %g would
    be (1.47, 0.00123, 250), else a x 10^k with the exponent as a number (10^{4}, never 10^{+04})."""
    from decimal import Decimal, ROUND_HALF_UP
    d = Decimal(str(sp.N(expr, digits + 15)))
    if d == 0:
        return "0", "0"
    r = d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=ROUND_HALF_UP)
    exponent = r.adjusted()

    def trim(x: Decimal) -> str:
        text = format(x, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text

    if -4 <= exponent < digits:
        text = trim(r)
        return text, text
    mantissa = trim(r.scaleb(-exponent))
    return f"{mantissa}e{exponent}", f"{mantissa} \\times 10^{{{exponent}}}"


def as_printed(v):
    """A number as the key's tables print one: an integer or a short fraction exactly, a fraction of long
    terms (an iterate carried exactly) and a float to 6 significant digits; anything else as it is."""
    if isinstance(v, sp.MatrixBase):
        return v.applyfunc(as_printed)
    if isinstance(v, sp.Float) or (isinstance(v, sp.Rational) and not v.is_Integer and v.q > 10 ** 4):
        return sp.Float(v, 6)
    return v


def fill(problem, field: tuple, text: str) -> tuple[str, list]:
    """A sentence with every <<expr>> replaced by its value as the key prints it; math outside $...$ is put
    in $...$. Returns (LaTeX, [(placeholder text, its LaTeX, value)])."""
    out, used, last = [], [], 0
    for match in PLACEHOLDER.finditer(text):
        before = text[last:match.start()]
        out.append(before)
        val, shown, _ = value(problem, field, match.group(1))
        in_math = _in_math("".join(out))
        out.append(shown if in_math else f"${shown}$")
        used.append((match.group(1).strip(), shown, val))
        last = match.end()
    out.append(text[last:])
    return "".join(out), used


def _in_math(text: str) -> bool:
    """Whether the end of `text` is inside $...$ (unescaped dollars counted)."""
    return len(re.findall(r"(?<!\\)\$", text)) % 2 == 1


@dataclass
class Condition:
    """A condition read: whether it holds, and how the key shows it (a true relation between the numbers,
    or words for a worded answer)."""

    holds: bool
    left: sp.Expr | None = None
    relation: str = "="
    right: sp.Expr | None = None
    words: str = ""
    shown_left: sp.Expr | None = None  # the left side with the referenced numbers in it, unevaluated
    shown_right: sp.Expr | None = None


_FLIP = {"<": "≥", "≤": ">", ">": "≤", "≥": "<"}
_RELATIONS = {sp.StrictLessThan: "<", sp.LessThan: "≤", sp.StrictGreaterThan: ">", sp.GreaterThan: "≥",
              sp.Equality: "=", sp.Unequality: "≠"}


def conditions(problem, field: tuple, text) -> tuple[bool, list]:
    """A condition, or several joined by `and`: (whether all hold, each one evaluated)."""
    if isinstance(text, bool):
        return text, [condition(problem, field, text)]
    each = [condition(problem, field, piece) for piece in re.split(r"\s+and\s+", str(text).strip())]
    return all(c.holds for c in each), each


# The words a worded answer can be, by the kinds that answer in words: a condition comparing one of these
# answers with a word outside its set is a typo that would silently never hold ("saddle point" for "a saddle
# point", "invalide"); "valid when ..." stands for every such sentence.
VOCABULARIES = [
    ("valid", "invalid", "valid when ..."),  # architecture: valid
    ("a local minimum", "a local maximum", "a saddle point", "undecided by the second derivatives",
     "not a critical point"),  # hessian: point
    ("true", "false"),  # true_false: answer
]


def _check_word(problem, field, ref: str, said: str, word: str) -> None:
    def member(w, words):
        return any(w.lower() == v or (v.endswith(" ...") and w.lower().startswith(v[:-3])) for v in words)

    for words in VOCABULARIES:
        if member(said, words) and not member(word, words):
            raise SpecError(Diagnostic(problem.where(*field), f"'{word}' is not a word {ref} can answer, so the "
                                       "condition could never hold", "write one of: " + ", ".join(words)))


def condition(problem, field: tuple, text) -> Condition:
    """Evaluate a condition over references; a SpecError (at `field`) for one that is not a comparison."""
    if isinstance(text, bool):
        return Condition(text, words="given as " + ("true" if text else "false"))
    text = str(text)
    m = WORDED.match(text)
    if m:
        resolved = resolve(problem, field, m.group("ref"))
        if resolved is not None and resolved.word is not None:
            said = resolved.word.split(":")[0].strip()
            _check_word(problem, field, m.group("ref"), said, m.group("word").strip())
            same = said.lower() == m.group("word").strip().lower()
            holds = same if m.group("op") == "==" else not same
            return Condition(holds, words=f"{_ref_words(resolved.ref)} answers \u201c{resolved.word}\u201d")
    replaced, values, found = _substitute(problem, field, text)
    names = {n: sp.Symbol(n) for n in values}
    expr = problem.expr(field, Scope(values=dict(names), known=set(), allow_compare=True), text=replaced)
    if isinstance(expr, sp.logic.boolalg.BooleanAtom) and not values:  # a comparison of constants
        return Condition(bool(expr), words=f"{text} " + ("holds" if expr else "does not hold"))
    if not isinstance(expr, sp.core.relational.Relational) or type(expr) not in _RELATIONS:
        raise SpecError(Diagnostic(problem.where(*field), f"'{text}' is not a comparison",
                                   "write it as a comparison of answers and numbers, e.g. a.total_params > 1000000, "
                                   "or a worded answer against a word: b.valid == invalid"))
    shown_left = _shown(expr.lhs, values)
    shown_right = _shown(expr.rhs, values)
    left = sp.simplify(expr.lhs.xreplace({names[n]: v for n, v in values.items()}))
    right = sp.simplify(expr.rhs.xreplace({names[n]: v for n, v in values.items()}))
    if not (left.is_number and right.is_number) or left.is_real is False or right.is_real is False:
        raise SpecError(Diagnostic(problem.where(*field), f"'{text}': the sides are not real numbers "
                                                          f"({tex(left)} and {tex(right)})",
                                   "compare answers that are numbers"))
    relation = _RELATIONS[type(expr)]
    difference = sp.nsimplify(left - right) if left.is_Float or right.is_Float else sp.simplify(left - right)
    sign = 0 if difference == 0 else (1 if difference > 0 else -1)
    holds = {"<": sign < 0, "≤": sign <= 0, ">": sign > 0, "≥": sign >= 0, "=": sign == 0, "≠": sign != 0}[relation]
    shown = {0: "=", 1: ">", -1: "<"}[sign]  # the relation that holds between the numbers
    return Condition(holds, left, shown, right, shown_left=shown_left, shown_right=shown_right)


def _shown(side, values):
    """A side of a condition with the referenced numbers in it, as written (4 * 262656, not 1050624)."""
    from . import mathobj as mo

    def build(e):
        if e.is_Symbol:
            return subs.get(e, e)
        if e.is_Add:  # the references' terms first, in the order written, then the constants: 78500 - 100
            terms = sorted(e.args, key=lambda t: (not t.free_symbols, min((str(x) for x in t.free_symbols),
                                                                           default="")))
            return sp.Add(*[build(t) for t in terms], evaluate=False)
        if e.is_Mul or e.is_Pow:
            return type(e)(*[build(a) for a in e.args], evaluate=False)
        return e.xreplace(subs)

    subs = {sp.Symbol(n): v for n, v in values.items()}
    shown = build(side)
    return mo.Shown(shown) if shown.is_Add else shown


def _ref_words(ref: str) -> str:
    pieces = ref.split(".")
    if len(pieces) == 2 and len(pieces[0]) == 1 and pieces[0].isalpha():
        return f"part ({pieces[0]})"
    return f"problem {'.'.join(pieces[:-1])}"


def sentence(problem, field: tuple, text: str) -> tuple[str, list]:
    """An instructor's LaTeX sentence filled (fill); its LaTeX was checked with the spec (its field is a
    texcheck.LaTeX text: spec._fields_tex)."""
    return fill(problem, field, text)


def plain_words(words: str) -> str:
    """Words the tool writes (a condition's reason), escaped for LaTeX."""
    from pylatex.utils import escape_latex

    return escape_latex(words)
