"""Rules as data (answerkey/rules.py): every line of every example names a rule of the one table, the names
are unique, the wordings fill their placeholders, and the wording is one layer -- another table of
wordings changes the printed rules and nothing else, and the keys still verify."""
from __future__ import annotations

import ast
import dataclasses
import os
import re
from pathlib import Path

import pytest
import sympy as sp

from answerkey import outputs, render, rules
from answerkey.build import _solve_in_order, load_spec, solve_all
from answerkey.derivation import Line, Part
from answerkey.kinds import FOLDER

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.relative_to(ROOT) for p in [*(ROOT / "problems").glob("*.yaml"),
                                                 *FOLDER.glob("*/example.yaml")])
RULE_MODULES = [ROOT / "answerkey" / "rules.py", *sorted(FOLDER.glob("*/rules.py"))]
SOLVERS = [ROOT / "answerkey" / "calculus.py", ROOT / "answerkey" / "diffsteps.py",
           *sorted(FOLDER.glob("*/solve.py"))]


@pytest.fixture(scope="module")
def solved():
    """Every example spec (problems/ and each kind's example.yaml), solved (on every core). Not verified here:
    the rules are the solver's; tests/test_examples.py and test_kind_folders.py verify these specs."""
    out = {}
    for path in EXAMPLES:
        spec = load_spec(ROOT / path)
        outcomes = _solve_in_order(spec.problems, False, os.cpu_count() or 1)
        assert all(kind == "ok" for kind, _ in outcomes), (path, outcomes)
        out[str(path)] = (dataclasses.replace(spec, file=str(path)), [value for _, value in outcomes])
    return out


def _lines(solutions):
    for solution in solutions:
        for part in solution.parts:
            yield from part.lines


def _outside_math(text: str) -> str:
    return "".join(text.split("$")[0::2])


def _declared() -> list[tuple[str, str]]:
    """(name, module) of every rule(...) declaration in the rules modules, read from their source."""
    found = []
    for module in RULE_MODULES:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "rule":
                assert isinstance(node.args[0], ast.Constant), f"{module}: a rule's name is a literal"
                found.append((node.args[0].value, str(module.relative_to(ROOT))))
    return found


# -- the table ---------------------------------------------------------------------------------------


def test_rule_names_are_unique_and_the_table_holds_exactly_the_declared_rules():
    declared = _declared()
    names = [name for name, _ in declared]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, [d for d in declared if d[0] in duplicates]
    assert set(names) == set(rules.english()), "every rule in the table is declared in a rules module, and back"
    assert all(name.isidentifier() for name in names)
    assert {m for _, m in declared} >= {"answerkey/kinds/backprop/rules.py", "answerkey/rules.py"}


def test_a_second_rule_with_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="two rules are named chain_rule"):
        rules.rule("chain_rule", "the chain rule, again")
    assert rules.TABLE["chain_rule"] is rules.CHAIN_RULE


def test_a_kind_folders_rules_join_the_one_table():
    from answerkey.kinds.backprop import rules as backprop_rules
    from answerkey.kinds.gradient_step.rules import UPDATE

    assert rules.TABLE["add_gate"] is backprop_rules.ADD_GATE
    assert rules.TABLE["update"] is UPDATE and UPDATE.placeholders == ("point", "rate", "f")


def test_every_wording_fills_its_placeholders_and_leaves_no_brace_outside_math():
    for name, wording in rules.english().items():
        rule = rules.TABLE[name]
        filled = rules.text(rule.at(**{p: "Q" for p in rule.placeholders}))
        assert wording.count("$") % 2 == 0, name
        assert "{" not in _outside_math(filled) and "}" not in _outside_math(filled), (name, filled)
        for p in rule.placeholders:
            assert "{" + p + "}" not in filled, (name, filled)


def test_applying_a_rule_takes_exactly_its_placeholders():
    from answerkey.kinds.gradient_step.rules import UPDATE

    applied = UPDATE.at(point="(x, y)", rate=r"\alpha", f="L")
    assert applied.name == "update" and applied.args == {"point": "(x, y)", "rate": r"\alpha", "f": "L"}
    assert rules.text(applied) == r"the update $(x, y) - \alpha \nabla L$"
    with pytest.raises(TypeError, match="takes"):
        UPDATE.at(point="x", rate="a")
    with pytest.raises(TypeError, match="takes"):
        rules.CHAIN_RULE.at(count=2)
    with pytest.raises(TypeError, match="a number, a text or a rule"):
        UPDATE.at(point=sp.Symbol("x"), rate="a", f="f")
    with pytest.raises(ValueError, match="placeholder"):
        rules.Rule("bad", "the {0} rule")
    with pytest.raises(ValueError):
        rules.Rule("bad", r"$\delta_{ik}$ unescaped")  # LaTeX braces are written twice


def test_joined_rules_keep_their_names_and_word_in_order():
    step = rules.then(rules.SUM_RULE, rules.WITH_CHAIN_RULE.at(rule=rules.DERIVATIVE_OF_EXP), None)
    assert step.names() == ("then", "sum_rule", "with_chain_rule", "derivative_of_exp")
    assert rules.text(step) == "sum rule; derivative of exp (chain rule)"
    assert rules.then() is None and rules.then(rules.SUM_RULE) == rules.SUM_RULE.at()
    assert rules.text(None) == rules.text("") == "" and rules.names(None) == ()


# -- no free strings ---------------------------------------------------------------------------------


def test_a_line_refuses_a_free_string_as_its_rule():
    x = sp.Symbol("x")
    with pytest.raises(TypeError, match="not 'chain rule'"):
        Line(x, x, rule="chain rule")
    part = Part()
    assert part.add(x, x).rule is None and part.add(x, x, rule="").rule is None
    assert part.add(x, x, rule=rules.GIVEN).rule == rules.GIVEN.at()


def test_the_solvers_write_no_rule_as_a_string():
    """No `rule=` keyword in the solvers' source is a string (literal, f-string or a sum of strings)."""
    def stringy(node) -> bool:
        if isinstance(node, (ast.JoinedStr, ast.Constant)):
            return isinstance(getattr(node, "value", ""), str) and getattr(node, "value", "x") != ""
        if isinstance(node, ast.BinOp):
            return stringy(node.left) or stringy(node.right)
        if isinstance(node, ast.IfExp):
            return stringy(node.body) or stringy(node.orelse)
        return False

    found = []
    for module in SOLVERS:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "rule" and stringy(node.value):
                found.append(f"{module.relative_to(ROOT)}:{node.value.lineno}")
    assert not found, found


@pytest.mark.parametrize("path", [str(p) for p in EXAMPLES])
def test_every_line_of_every_example_names_rules_of_the_table(solved, path):
    spec, solutions = solved[path]
    used = 0
    for line in _lines(solutions):
        if line.rule is None:
            continue
        assert isinstance(line.rule, rules.Applied), line.rule
        for applied in line.rule.walk():
            assert rules.TABLE.get(applied.name) == applied.rule, applied
            assert set(applied.args) == set(applied.rule.placeholders), applied
            used += 1
        words = rules.text(line.rule)
        assert words and "{" not in _outside_math(words) and "}" not in _outside_math(words), words
    assert used > 0


def test_the_rendered_rules_are_the_tables_wordings(solved):
    """Each \\rulenote of the default key is its line's rule worded by rules.text."""
    spec, solutions = solved["problems/dl-hw2.yaml"]
    key = render.render(spec, solutions)
    printed = [line.rule for s in solutions for part in s.parts if not part.columns  # tables print no rules
               for line in part.lines if line.rule is not None]
    assert _rulenotes(key) == [str(render.rule_text(rules.text(r))) for r in printed]


def _rulenotes(tex: str) -> list[str]:
    """The contents of every \\rulenote{...} (braces balanced)."""
    out = []
    for match in re.finditer(r"\\rulenote\{", tex):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(tex[i], 0)
            i += 1
        out.append(tex[match.end():i - 1])
    return out


# -- the wording is one layer ------------------------------------------------------------------------


def _shout(wording: str) -> str:
    """A fake translation: the words in capitals; math and placeholders as they are."""
    pieces = wording.split("$")
    for i in range(0, len(pieces), 2):
        pieces[i] = "".join(p if p.startswith("{") else p.upper() for p in re.split(r"(\{\w+\})", pieces[i]))
    return "$".join(pieces)


def test_another_table_of_wordings_changes_the_printed_rules_only_and_the_keys_still_verify():
    spec = dataclasses.replace(load_spec(ROOT / "problems/dl-hw2.yaml"), file="problems/dl-hw2.yaml")
    english_solutions = solve_all(spec, jobs=1)
    english = render.render(spec, english_solutions)
    shouting = {name: _shout(w) for name, w in rules.english().items()}
    assert shouting["update"] == r"THE UPDATE ${point} - {rate} \nabla {f}$"
    with rules.wordings(shouting):
        spec2 = dataclasses.replace(load_spec(ROOT / "problems/dl-hw2.yaml"), file="problems/dl-hw2.yaml")
        solutions = solve_all(spec2, jobs=2)  # verified: every line read back from the page, in helpers too
        shouted = render.render(spec2, solutions)
        cached = render.render(spec, english_solutions)  # views made in English are not reused
    assert all(s.verified for s in solutions)
    assert shouted != english and cached == shouted
    a, b = _rulenotes(english), _rulenotes(shouted)
    assert len(a) == len(b) > 20
    for x, y in zip(a, b):  # the same rule, its words in capitals (those with words), its math the same
        words = any(c.islower() for c in _outside_math(x))
        assert (x != y) == words and _outside_math(x).upper() == _outside_math(y).upper(), (x, y)
        assert x.split("$")[1::2] == y.split("$")[1::2], (x, y)
    assert r"\rulenote{CHAIN RULE}" in shouted and r"\rulenote{chain rule}" in english
    assert r"\rulenote{WHAT (a) ASKS}" in shouted  # a parameter is the problem's own, not translated
    without = re.compile(r"\\tag\*\{\\rulenote\{.*\}\}")
    assert without.sub("", shouted) == without.sub("", english), "only the rules' words differ"
    assert outputs.answers_json(spec2, solutions) == outputs.answers_json(spec, english_solutions)
    assert render.render(spec, english_solutions) == english, "English again after the block"


def test_a_partial_translation_keeps_english_for_the_rest_and_a_wrong_table_is_refused(solved):
    spec, solutions = solved["problems/dl-hw2.yaml"]
    german = {"chain_rule": "Kettenregel", "what_is_asked": "was ({label}) fragt"}
    with rules.wordings(german):
        key = render.render(spec, solutions)
    notes = _rulenotes(key)
    assert "Kettenregel" in notes and "was (a) fragt" in notes and "chain rule" not in notes
    assert "upstream times local gradients" in notes
    with pytest.raises(ValueError, match="no such rule"):
        with rules.wordings({"chain_rulez": "x"}):
            pass
    with pytest.raises(ValueError, match="placeholders"):
        with rules.wordings({"what_is_asked": "was fragt"}):
            pass
    assert rules.current() is None
