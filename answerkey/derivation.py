"""Steps are data: a solution is a list of parts, each a list of displayed lines.

A `Line` is one displayed equation `lhs = rhs` with the rule that justifies it (a rule of the table in
answerkey/rules.py, applied with its parameters). `value` is what `lhs` stands for, as a SymPy object the
verifier can evaluate (for a gradient line, the true gradient); the verifier checks `rhs == value` for every
line with `check=True`. Wording (rules.text) and LaTeX live elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from . import rules


@dataclass
class Line:
    lhs: Any  # what is being computed, as shown (a SymPy object, often a display object)
    rhs: Any  # its form on this line (SymPy, unevaluated where the form matters)
    rule: rules.Applied | None = None  # the rule that gives this line (CHAIN_RULE, UPDATE.at(...)); "" or None: none
    value: Any = None  # what lhs stands for, evaluable; None: lhs itself
    note: str = ""  # shown before the line, e.g. "where k = i"
    therefore: bool = False  # a result line, shown with \therefore
    check: bool = True  # False only for lines that define a name (nothing to check)
    define: bool = False  # the line names its lhs (printed with :=, read back as a definition)
    assume: dict = field(default_factory=dict)  # substitutions under which the line holds (cases)
    vector_index: sp.Symbol | None = None  # check component by component with this index
    chain: list = field(default_factory=list)  # further forms: lhs = rhs = chain[0] = ..., each checked
    given: Any = None  # a (name, definition) pair shown first, "q = xy,"
    approx: bool = False  # a rounded value: shown with \approx, checked to 5 significant digits
    rhs_tex: str | None = None  # a ready LaTeX form of rhs (numbers substituted into a rule), if any
    each: list | None = None  # a table row of several quantities: the meaning of rhs and of each chain form
    relation: str = "="  # lhs relation rhs: "=", or a claim "<", "≤", ">", "≥" (checked by claims.py)
    # the line as the page prints it, set by render.printed the first time it is printed (the read-back's page)
    # and reused by every later printing (the key, its exports) while the fields it was printed from are the
    # same objects: (those fields, {"math": ..., "cells": ...})
    printed: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        self.rule = rules.applied(self.rule)  # a Rule as applied without parameters; never a free string

    @property
    def meaning(self):
        return self.lhs if self.value is None else self.value


@dataclass
class Part:
    """A sub-part of a problem ("4.a)"), or the whole solution when label is None."""

    lines: list[Line] = field(default_factory=list)
    label: str | None = None
    intro: str = ""  # a sentence shown before the lines (plain text)
    columns: list[str] | None = None  # shown as a table of its lines (lhs | rhs | last form) with these headers

    def add(self, *args, **kwargs) -> Line:
        line = Line(*args, **kwargs)
        self.lines.append(line)
        return line


@dataclass
class Answer:
    """One labelled answer: a SymPy value; for a vector of symbolic length, its `index`-th entry."""

    expr: Any
    index: sp.Symbol | None = None
    display: Any = None  # how the key shows it, when not expr itself (e.g. softmax(x))
    description: str = ""


@dataclass(frozen=True, eq=False)
class Solution:
    """The solve stage's record (kind.solve makes it with the first three fields); the verify stage hands
    on a copy with the last four set (verify.verify). Neither is changed afterwards."""

    parts: list[Part]
    answers: dict[str, Answer]
    data: dict[str, Any] = field(default_factory=dict)  # kind-specific values for the template
    checks: tuple[str, ...] = ()  # what was verified, in words (set by verify)
    verified: bool = False
    unread: list = field(default_factory=list)  # (line number, why) of lines not read back from the page
    readback: dict = field(default_factory=dict)  # the read-back's record: lines checked, definitions, unread
