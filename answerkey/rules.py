r"""Rules as data: the rule that justifies each line of a worked solution, with its wording as a layer.

A `Rule` is a stable name and its wording, declared once with `rule(name, wording)`, which puts it in the
one table of rules, `TABLE`. The rules several kinds share are declared here (the chain rule, the
definition of the gradient, diffsteps' differentiation rules, the joiners); a kind's own rules are
declared in its folder, `answerkey/kinds/NAME/rules.py`, which the kinds' registry imports, so that the
table holds every rule once every kind is loaded. Two rules with one name are an error.

A solver names the rule of a line, `rule=CHAIN_RULE`, or applies a rule with the problem's own symbols,
`rule=UPDATE.at(point="(x, y)", rate=r"\alpha", f="L")`: an `Applied` rule, which keeps its name and its
parameters. Several rules in one step are joined by a joiner rule: `then(a, b)` is worded "a; b".

Only `text(rule)` turns a rule into words, from the wordings in use: the wordings declared with the rules
(English), unless `wordings(table)` puts another table in their place for a while, a dict of rule name ->
wording with the same placeholders (a translation; a name it lacks keeps its English wording).

A wording is plain text with $...$ math and {name} placeholders, filled as Python's str.format fills them
(so a brace of LaTeX is written twice: $\delta_{{ik}}$). A parameter is a number, a text (LaTeX where the
wording puts it inside $...$; plain text elsewhere) or another rule, worded in the same table.
"""
from __future__ import annotations

import contextlib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Iterator, Union

_FORMAT = string.Formatter()
_LATEX_GROUP = re.compile(r"([_^]|\\[A-Za-z]+)$")  # what a brace right after is LaTeX's: x_{ik}, \frac{a}


def _placeholders(wording: str) -> tuple[str, ...]:
    """The {names} of a wording, in order, each once; ValueError for a wording str.format cannot fill."""
    names: list[str] = []
    for before, field, spec, conversion in _FORMAT.parse(wording):  # raises on an unmatched brace
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion or _LATEX_GROUP.search(before):
            raise ValueError(f"the wording {wording!r}: a placeholder is a name in braces, not {{{field}}} "
                             "(a brace of LaTeX is written twice)")
        if field not in names:
            names.append(field)
    return tuple(names)


@dataclass(frozen=True)
class Rule:
    """One rule of the table: its stable name (an identifier) and its English wording."""

    name: str
    wording: str

    def __post_init__(self):
        if not self.name.isidentifier():
            raise ValueError(f"a rule's name is an identifier, not {self.name!r}")
        _placeholders(self.wording)

    @property
    def placeholders(self) -> tuple[str, ...]:
        return _placeholders(self.wording)

    def at(self, **params) -> Applied:
        """The rule applied with these parameters: exactly its placeholders, each a number, a text or a rule."""
        if set(params) != set(self.placeholders):
            raise TypeError(f"the rule {self.name} takes {sorted(self.placeholders)}, not {sorted(params)}")
        values = []
        for key, value in sorted(params.items()):
            if isinstance(value, Rule):
                value = value.at()
            if isinstance(value, bool) or not isinstance(value, (str, int, Applied)):
                raise TypeError(f"the rule {self.name}: {key} is a number, a text or a rule, not {value!r}")
            values.append((key, value))
        return Applied(self, tuple(values))


@dataclass(frozen=True)
class Applied:
    """A rule with its parameters: what a line's `rule` holds."""

    rule: Rule
    params: tuple[tuple[str, Union[str, int, "Applied"]], ...] = ()

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def args(self) -> dict:
        return dict(self.params)

    def walk(self) -> Iterator[Applied]:
        """This rule and every rule among its parameters, depth first."""
        yield self
        for _, value in self.params:
            if isinstance(value, Applied):
                yield from value.walk()

    def names(self) -> tuple[str, ...]:
        """The names of the rules it applies: its own and those of the rules among its parameters."""
        return tuple(a.name for a in self.walk())


TABLE: dict[str, Rule] = {}  # name -> Rule: every rule declared (here and in the kinds' rules.py)


def rule(name: str, wording: str) -> Rule:
    """Declare a rule: put it in the table (its name must be new) and return it."""
    if name in TABLE:
        raise ValueError(f"two rules are named {name}: {TABLE[name].wording!r} and {wording!r}")
    TABLE[name] = Rule(name, wording)
    return TABLE[name]


def applied(value) -> Applied | None:
    """A line's rule as an Applied rule, or None for no rule ("" or None)."""
    if value is None or value == "":
        return None
    if isinstance(value, Rule):
        return value.at()
    if isinstance(value, Applied):
        return value
    raise TypeError(f"a line's rule is a Rule of answerkey/rules.py or of a kind's rules.py, not {value!r}")


def names(value) -> tuple[str, ...]:
    """The names of the rules a line's rule applies (() for none)."""
    value = applied(value)
    return value.names() if value is not None else ()


# -- the wording layer ------------------------------------------------------------------------------

_active: dict[str, str] | None = None  # the wordings in use instead of the declared (English) ones


def _wording(name: str) -> str:
    if _active is not None and name in _active:
        return _active[name]
    if name not in TABLE:
        raise KeyError(f"the rule {name} is not in the table of rules")
    return TABLE[name].wording


def text(value) -> str:
    """The words of a line's rule, its placeholders filled, in the wordings in use; "" for no rule."""
    value = applied(value)
    if value is None:
        return ""
    filled = {key: text(v) if isinstance(v, Applied) else str(v) for key, v in value.params}
    return _wording(value.name).format_map(filled)


def _load_all() -> dict[str, Rule]:
    from .kinds import KINDS

    for name in KINDS:  # the registry imports a kind's own rules with the kind
        KINDS[name]
    return TABLE


def english() -> dict[str, str]:
    """Every rule's declared wording, by name: the table a translation starts from."""
    return {name: r.wording for name, r in sorted(_load_all().items())}


def problems(table: Mapping[str, str]) -> list[str]:
    """What is wrong with a table of wordings: a name that is no rule, a wording that cannot be filled,
    placeholders other than the rule's."""
    known = _load_all()
    found = []
    for name, wording in table.items():
        if name not in known:
            found.append(f"{name}: there is no such rule")
            continue
        try:
            got = _placeholders(wording)
        except ValueError as exc:
            found.append(f"{name}: {exc}")
            continue
        if set(got) != set(known[name].placeholders):
            found.append(f"{name}: the placeholders {sorted(got)} are not the rule's "
                         f"{sorted(known[name].placeholders)}")
    return found


def current() -> dict[str, str] | None:
    """The wordings in use instead of the declared ones (None: the declared ones)."""
    return _active


@contextlib.contextmanager
def wordings(table: Mapping[str, str]):
    """Word every rule from `table` (rule name -> wording) inside the `with` block, in this process."""
    global _active
    wrong = problems(table)
    if wrong:
        raise ValueError("the table of wordings: " + "; ".join(wrong))
    previous, _active = _active, dict(table)
    try:
        yield
    finally:
        _active = previous


# -- joiners: several rules in one step -----------------------------------------------------------------

THEN = rule("then", "{first}; {second}")
BOTH = rule("both", "{first} and {second}")
ALSO = rule("also", "{first}, {second}")


def joined(joiner: Rule, *steps) -> Applied | None:
    """The rules `steps` (None and "" left out) joined by `joiner`, from the right: a; (b; c). None for
    none, the rule itself for one."""
    kept = [applied(s) for s in steps if s is not None and s != ""]
    if not kept:
        return None
    out = kept[-1]
    for step in reversed(kept[:-1]):
        out = joiner.at(first=step, second=out)
    return out


def then(*steps) -> Applied | None:
    """Rules applied together in one step, worded "a; b; c"."""
    return joined(THEN, *steps)


# -- rules the kinds share ------------------------------------------------------------------------------

GIVEN = rule("given", "given")
AS_GIVEN = rule("as_given", "as given")
DEFINITION_OF_GRADIENT = rule("definition_of_gradient", "definition of the gradient")
DEFINITION_OF_SOFTMAX = rule("definition_of_softmax", "definition of softmax")
DEFINITION_OF_LOGSUMEXP = rule("definition_of_logsumexp", "definition of logsumexp")
LOG_OF_QUOTIENT_AND_EXP = rule("log_of_quotient_and_exp", r"$\log(a/b) = \log a - \log b$, $\log \exp(u) = u$")
SUM_WRITTEN_OUT = rule("sum_written_out", "the sum written out")
CHAIN_RULE = rule("chain_rule", "chain rule")
POWER_RULE = rule("power_rule", "power rule")
WEIGHTS_PLUS_BIASES = rule("weights_plus_biases", "weights + biases")

# differentiation, one layer of rules at a time (diffsteps.py)
DERIVATIVE_OF_CONSTANT = rule("derivative_of_constant", "the derivative of a constant is 0")
KRONECKER_DELTA = rule("kronecker_delta", r"$\partial x_i/\partial x_k = \delta_{{ik}}$")
SUM_RULE = rule("sum_rule", "sum rule")
CONSTANT_FACTOR = rule("constant_factor", "constant factor")
PRODUCT_RULE = rule("product_rule", "product rule")
CONSTANT_OUT_OF_POWER = rule("constant_out_of_power", "a constant factor out of the power: $(cu)^p = c^p u^p$")
DERIVATIVE_OF_RECIPROCAL = rule("derivative_of_reciprocal", "derivative of 1/u")
DERIVATIVE_OF_EXPONENTIAL = rule("derivative_of_exponential", "derivative of an exponential")
DERIVATIVE_OF_VARIABLE_POWER = rule("derivative_of_variable_power", "derivative of u^w")
DERIVATIVE_OF_EXP = rule("derivative_of_exp", "derivative of exp")
DERIVATIVE_OF_LOG = rule("derivative_of_log", "derivative of log")
DERIVATIVE_OF_MAX = rule("derivative_of_max", "derivative of max: the larger argument's")
DERIVATIVE_OF_MIN = rule("derivative_of_min", "derivative of min: the smaller argument's")
DERIVATIVE_OF_FUNCTION = rule("derivative_of_function", "derivative of {function}")
WITH_CHAIN_RULE = rule("with_chain_rule", "{rule} (chain rule)")
SUM_TERM_BY_TERM = rule("sum_term_by_term", "derivative of a sum, term by term")
ONLY_ONE_TERM = rule("only_one_term", "only the term ${terms}$ of the sum depends on ${variable}$")
ONLY_ONE_TERM_IF_REACHED = rule("only_one_term_if_reached", "only the term ${terms}$ of the sum depends on "
                                                            "${variable}$ (when the sum reaches it)")
SUM_OF_DELTAS = rule("sum_of_deltas", r"$\sum_i \delta_{{ik}}\, g_i = g_k$")
SUM_OF_DELTAS_IF_REACHED = rule("sum_of_deltas_if_reached",
                                r"$\sum_i \delta_{{ik}}\, g_i = g_k$ (where the sum reaches k)")
SIMPLIFY = rule("simplify", "simplify")
