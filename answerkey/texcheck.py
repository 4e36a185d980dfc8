"""LaTeX in an instructor's text, checked where it was written (before TeX ever sees it).

A statement, a group statement, a choice's options, a short answer's sentence, a claim, a reason, the math of
a derivation step's words: each is read once, lexically, the way TeX would read it: math opened and closed
($...$, $$...$$, \\(...\\), \\[...\\], math environments), braces and \\begin/\\end in pairs, every command one
of LaTeX's, amsmath's and amssymb's, of the packages the preamble loads, or a macro the preamble defines
(tex_commands.yaml, and the preamble itself), each in the mode it works in (\\frac and ^ only in math), a %
(which would hide the rest of its line from TeX), # and & where they mean nothing. The first fault of a
text is a `Fault` at its character offset; spec.py turns it into an error at the file's line and column.

What this cannot see (a command given the wrong arguments, \\frac{1}$) TeX reports in the build, and
`locate` maps TeX's line back to the field and its position in the spec (texcompile.py).
"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Annotated, Union, get_args, get_origin

import yaml

PLACEHOLDER = re.compile(r"<<(.*?)>>", re.DOTALL)  # a value filled in (statement.py, refs.py): opaque here
DATA = Path(__file__).resolve().parent / "tex_commands.yaml"
# the packages whose commands tex_commands.yaml lists (a preamble loading another: its commands unknown here)
LISTED_PACKAGES = {"inputenc", "fontenc", "lmodern", "kotex", "amsmath", "amssymb", "amsfonts", "geometry",
                   "xcolor", "graphicx", "tikz", "glyphtounicode"}
# commands whose braced argument is text even in math (and \ensuremath, whose argument is math)
TEXT_ARGUMENT = {"text", "textrm", "textbf", "textit", "textsf", "texttt", "textsc", "textsl", "textup",
                 "textnormal", "textmd", "emph", "mbox", "makebox", "fbox", "framebox", "hbox", "intertext",
                 "shortintertext", "textcolor", "colorbox"}
# environments that read the rest as raw text: what follows would not be the statement's
RAW_ENVIRONMENTS = {"verbatim", "verbatim*", "lstlisting", "minted", "comment", "filecontents", "Verbatim"}
# commands whose (first) braced argument is not typeset but read as it is: an address (_, #, %, ~ and & are
# its characters; \url|...| too), or a key, a label or a file's name (where _ is a character; % still hides)
URL_ARGUMENT = {"url", "nolinkurl", "path", "href"}
KEY_ARGUMENT = {"label", "ref", "eqref", "pageref", "autoref", "cref", "Cref", "nameref", "cite", "citep",
                "citet", "nocite", "includegraphics", "hyperref", "hyperlink", "hypertarget"}


@dataclass(frozen=True)
class LaTeX:
    """A field's marker (Annotated[str, LaTeX()]): its text is LaTeX, checked here; `words`: plain text
    whose $...$ pieces are math (a derivation step's rule, render.rule_text)."""

    words: bool = False


@dataclass(frozen=True)
class Fault:
    offset: int  # the offending character's index in the text
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Known:
    """The commands and environments a text may use, by mode."""

    math: frozenset
    any: frozenset
    math_env: frozenset
    inner_env: frozenset
    text_env: frozenset
    align_env: frozenset
    complete: bool = True  # False: the preamble loads packages not listed, so an unknown command is TeX's to judge
    preambles: tuple = ()  # the preamble templates' texts, for asking TeX (defines)

    @functools.cached_property
    def commands(self) -> list[str]:
        return sorted(self.math | self.any)

    @functools.cached_property
    def environments(self) -> list[str]:
        return sorted(self.math_env | self.inner_env | self.text_env)


@functools.lru_cache(maxsize=None)
def _data() -> dict:
    return {k: frozenset(v.split()) for k, v in yaml.safe_load(DATA.read_text(encoding="utf-8")).items()}


MACRO = re.compile(r"\\(?:newcommand|renewcommand|providecommand|DeclareRobustCommand|DeclareMathOperator\*?|def)"
                   r"\s*\{?\s*\\([A-Za-z]+)")
PACKAGE = re.compile(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")


@functools.lru_cache(maxsize=16)
def known(preambles: tuple[str, ...] = ()) -> Known:
    """The listed commands, with the macros the preambles' texts define; incomplete when they load a package
    the list does not cover."""
    data = _data()
    defined = {m.group(1) for text in preambles for m in MACRO.finditer(text)}
    packages = {p.strip() for text in preambles for m in PACKAGE.finditer(text) for p in m.group(1).split(",")}
    return Known(data["math"], data["any"] | defined, data["math-env"], data["inner-env"], data["text-env"],
                 data["align-env"], complete=packages <= LISTED_PACKAGES, preambles=preambles)


def _fixed_preamble(text: str) -> str:
    """A preamble template's packages and definitions as TeX reads them: up to its `%endofdump` line (what
    every document shares), the template's comments and blocks dropped, (( paper )) a letter paper."""
    text = text.split("\n%endofdump", 1)[0]
    text = re.sub(r"\(#.*?#\)", "", text, flags=re.DOTALL)
    text = re.sub(r"\(%.*?%\)", "", text, flags=re.DOTALL)
    return re.sub(r"\(\((.*?)\)\)", lambda m: "letter" if m.group(1).strip() == "paper" else "", text)


def defined_by_tex(name: str, preambles: tuple) -> bool | None:
    """Whether the command \\name is defined once the preamble is read, as TeX itself says (a fast run of the
    preamble alone, about a third of a second, cached); None without TeX or when the preamble fails."""
    from . import texcompile

    preamble = next((t for t in preambles if "\\documentclass" in t), None)
    if preamble is None or not texcompile.tex_available():
        return None
    return _probe(_fixed_preamble(preamble), name)


@functools.lru_cache(maxsize=256)
def _probe(preamble: str, name: str) -> bool | None:
    """TeX's answer for defined_by_tex (None too is kept: a preamble that fails is not run again)."""
    import subprocess
    import tempfile

    from . import texcompile

    probe = preamble + "\n\\begin{document}\n\\typeout{ANSWERKEY-PROBE:\\ifdefined\\" + name + \
        " yes\\else no\\fi}\n\\end{document}\n"
    with tempfile.TemporaryDirectory(prefix="answerkey-probe-") as tmp:
        (Path(tmp) / "probe.tex").write_text(probe, encoding="utf-8")
        try:
            proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-draftmode",
                                   "-no-shell-escape", "probe.tex"], cwd=tmp, env=texcompile._environment(tmp),
                                  capture_output=True, text=True, errors="replace", timeout=texcompile.TIMEOUT,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            return None
    m = re.search(r"ANSWERKEY-PROBE:(yes|no)", proc.stdout)
    return None if m is None else m.group(1) == "yes"


def preamble_texts(folders) -> tuple[str, ...]:
    """The preamble templates (preamble.tex, head.tex) of a search path of template folders (render.search_path):
    their macros are the statements' too. Each file is read once while it is unchanged (every text of every
    variant asks)."""
    out = []
    for folder in folders:
        for name in ("preamble.tex", "head.tex"):
            path = Path(folder) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            if S_ISREG(stat.st_mode):
                out.append(_read(path, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


@functools.lru_cache(maxsize=32)
def _read(path: Path, mtime_ns: int, size: int) -> str:
    """A template's text (cached by its path, time and size: an edited file is read again)."""
    return path.read_text(encoding="utf-8", errors="replace")


def _suggest(name: str, candidates: list[str]) -> str | None:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.7)
    return close[0] if close else None


def _unknown(name: str, known_: Known) -> bool:
    """A command not in the lists: unknown, unless TeX says the preamble defines it (a package's command the
    list lacks); without TeX, unknown when the list covers every package the preamble loads."""
    said = defined_by_tex(name, known_.preambles)
    return not said if said is not None else known_.complete


_CLOSE = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]", "{": "}"}


@dataclass
class _Frame:
    kind: str  # "{", "$", "$$", "\\(", "\\[", "env"
    offset: int
    mode: str  # the mode to go back to when it closes
    name: str = ""  # an environment's


def _unclosed(frame: _Frame, base: int, before: str | None = None) -> Fault:
    """The fault of a frame left open (before `before` closes what holds it, or at the end of the text), at
    its offset in the whole text (`base`: where the piece checked starts)."""
    if frame.kind == "env":
        message = f"\\begin{{{frame.name}}} without its \\end{{{frame.name}}}"
        hint = f"close it with \\end{{{frame.name}}}"
    elif frame.kind == "{":
        message = "this { is never closed"
        hint = "close the group with }, or write \\{ for a brace"
    else:
        message = f"this {frame.kind} opens math that is never closed"
        hint = f"close the math with {_CLOSE[frame.kind]}" + (", or write \\$ for a dollar sign"
                                                                if frame.kind == "$" else "")
    if before:
        message += f" (before the {before} that follows)"
    return Fault(base + frame.offset, message, hint)


def check(text: str, known_: Known | None = None, words: bool = False) -> Fault | None:
    """The first fault of an instructor's LaTeX text, or None. `words`: only its $...$ pieces are LaTeX
    (the rest is printed as plain text)."""
    known_ = known_ or known()
    text = PLACEHOLDER.sub(lambda m: "X" * len(m.group(0)), text)
    if not words:
        return _check(text, known_, 0, "text")
    offset = 0
    for i, piece in enumerate(text.split("$")):
        if i % 2:
            fault = _check(piece, known_, offset, "math")
            if fault is not None:
                return fault
        offset += len(piece) + 1
    return None


def _raw_argument(text: str, j: int, address: bool) -> tuple[int, int | None] | None:
    """The (start, end) of the argument read as it is after a command ending at j (past its * and [options]):
    a braced group (its end None when it is never closed), or for an address \\url|...| between two equal
    characters; None when there is none (the check then reads on as TeX's text)."""
    n = len(text)
    k = j + (j < n and text[j] == "*")
    while True:
        while k < n and text[k].isspace():
            k += 1
        if k < n and text[k] == "[":
            close = text.find("]", k)
            if close < 0:
                return None
            k = close + 1
            continue
        break
    if k >= n:
        return None
    if text[k] != "{":
        if not address or text[k].isalnum() or text[k] == "\\":
            return None
        end = text.find(text[k], k + 1)
        return None if end < 0 else (k, end + 1)
    depth, m = 0, k
    while m < n:
        c = text[m]
        if c == "\\" and not address:
            m += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return k, m + 1
        m += 1
    return k, None


def _check(text: str, known_: Known, base: int, mode: str) -> Fault | None:
    stack: list[_Frame] = []
    pending = None  # the mode of the argument of the command just read (\text{: text, \ensuremath{: math)
    i, n = 0, len(text)

    def fault(offset, message, hint=None):
        return Fault(base + offset, message, hint)

    def in_align() -> bool:
        return any(f.kind == "env" and f.name in known_.align_env for f in stack)

    def close(kind: str, at: int, shown: str) -> Fault | None:
        """The frame `kind` closed at `at`; a fault if it is not the innermost open one."""
        nonlocal mode
        if stack and stack[-1].kind == kind:
            mode = stack.pop().mode
            return None
        if not stack or not any(f.kind == kind for f in stack):
            if kind == "{":
                return fault(at, "this } closes nothing", "remove it, or write \\} for a brace")
            return fault(at, f"this {shown} closes math that was not opened",
                         "open the math first" + (", or write \\$ for a dollar sign" if shown == "$" else ""))
        return _unclosed(stack[-1], base, shown)

    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                return fault(i, "a \\ at the end of the text", "write \\textbackslash{} for a backslash")
            nxt = text[i + 1]
            if nxt.isascii() and nxt.isalpha():
                j = i + 1
                while j < n and text[j].isascii() and text[j].isalpha():
                    j += 1
                name = text[i + 1:j]
                if name == "verb":  # \verb|text|: the text between the two delimiters as it is
                    j += j < n and text[j] == "*"
                    end = text.find(text[j], j + 1) if j < n and not text[j].isspace() else -1
                    if end < 0:
                        return fault(i, "\\verb without its closing delimiter", "write \\verb|text| on one line")
                    i, pending = end + 1, None
                    continue
                if name in ("begin", "end"):
                    m = re.compile(r"\s*\{([^{}]*)\}").match(text, j)
                    if m is None:
                        return fault(i, f"\\{name} without {{name}}", f"write \\{name}{{align}}, with the "
                                                                        "environment's name in braces")
                    env = m.group(1).strip()
                    if name == "begin":
                        if env in RAW_ENVIRONMENTS:
                            return fault(i, f"the environment {env} is not allowed here",
                                         "it reads the rest of the file as text; write code with \\texttt{...}")
                        if env not in known_.environments:
                            if known_.complete:
                                close_ = _suggest(env, known_.environments)
                                return fault(m.start(1), f"unknown environment {env}",
                                             f"did you mean {close_}?" if close_ else None)
                        elif env in known_.math_env and mode == "math":
                            return fault(i, f"\\begin{{{env}}} inside math: it makes its own display",
                                         "close the math before it, or use aligned inside $...$")
                        elif env in known_.inner_env and mode != "math":
                            return fault(i, f"\\begin{{{env}}} only works inside math",
                                         f"write $\\begin{{{env}}}...\\end{{{env}}}$")
                        stack.append(_Frame("env", i, mode, env))
                        if env in known_.math_env or env in known_.inner_env:
                            mode = "math"
                        elif env in ("tabular", "tabular*", "minipage", "itemize", "enumerate", "description"):
                            mode = "text"
                    else:
                        if stack and stack[-1].kind == "env" and stack[-1].name == env:
                            mode = stack.pop().mode
                        elif not any(f.kind == "env" and f.name == env for f in stack):
                            return fault(i, f"\\end{{{env}}} without \\begin{{{env}}}",
                                         f"open it with \\begin{{{env}}}, or remove the \\end")
                        else:
                            return _unclosed(stack[-1], base, f"\\end{{{env}}}")
                    i = m.end()
                    pending = None
                    continue
                if name in known_.math:
                    if mode != "math" and name not in known_.any:
                        return fault(i, f"\\{name} is math: it only works between $...$",
                                     f"write ${text[i:j]}...$")
                elif name not in known_.any and _unknown(name, known_):
                    close_ = _suggest(name, known_.commands)
                    return fault(i, f"unknown command \\{name}",
                                 f"did you mean \\{close_}?" if close_ else
                                 "use the commands of LaTeX, amsmath and amssymb, or define it in the preamble "
                                 "(--templates)")
                if name in URL_ARGUMENT or name in KEY_ARGUMENT:
                    span = _raw_argument(text, j, name in URL_ARGUMENT)
                    if span is not None and span[1] is None:
                        return fault(span[0], "this { is never closed",
                                     "close the group with }, or write \\{ for a brace")
                    if span is not None:
                        percent = text.find("%", span[0], span[1])
                        if name in KEY_ARGUMENT and percent >= 0:
                            return fault(percent, "a % hides the rest of its line from TeX",
                                         "write \\% for a percent sign")
                        i, pending = span[1], None
                        continue
                pending = "text" if name in TEXT_ARGUMENT and mode == "math" else \
                    "math" if name == "ensuremath" else None
                i = j
                continue
            pending = None
            if nxt in "([":
                if mode == "math":
                    return fault(i, f"\\{nxt} inside math: the math is already open",
                                 "remove it, or close the math before it")
                stack.append(_Frame("\\" + nxt, i, mode))
                mode = "math"
            elif nxt in ")]":
                problem = close("\\(" if nxt == ")" else "\\[", i, "\\" + nxt)
                if problem:
                    return problem
            i += 2
            continue
        if c == "$":
            pending = None
            double = i + 1 < n and text[i + 1] == "$"
            if stack and stack[-1].kind == "$":
                mode = stack.pop().mode
                i += 1
                continue
            if stack and stack[-1].kind == "$$":
                if not double:
                    return fault(i, "a single $ inside $$...$$", "display math ends with $$")
                mode = stack.pop().mode
                i += 2
                continue
            if mode == "math":
                problem = close("$", i, "$")
                if problem:
                    return problem
            kind = "$$" if double else "$"
            stack.append(_Frame(kind, i, mode))
            mode = "math"
            i += len(kind)
            continue
        if c == "{":
            stack.append(_Frame("{", i, mode))
            if pending:
                mode = pending
            pending = None
        elif c == "}":
            pending = None
            problem = close("{", i, "}")
            if problem:
                return problem
        elif c == "%":
            return fault(i, "a % hides the rest of its line from TeX", "write \\% for a percent sign")
        elif c == "#":
            return fault(i, "a # is TeX's parameter sign", "write \\# for a number sign")
        elif c == "&" and not in_align():
            return fault(i, "an & outside a table or an alignment", "write \\& for an ampersand")
        elif c in "^_" and mode != "math":
            return fault(i, f"{c} is math: it only works between $...$",
                         f"write $x{c}2$, or \\{'textasciicircum{}' if c == '^' else '_'} for the character")
        elif not c.isspace():
            pending = None
        i += 1
    if stack:
        return _unclosed(stack[-1], base)
    return None


# -- which fields are LaTeX --------------------------------------------------------------------------


def _marker(annotation) -> LaTeX | None:
    """The LaTeX marker of a text's annotation (Annotated[str, LaTeX()], possibly in a Union/Optional)."""
    if get_origin(annotation) is Annotated:
        args = get_args(annotation)
        found = next((a for a in args[1:] if isinstance(a, LaTeX)), None)
        return found or _marker(args[0])
    if get_origin(annotation) is Union or type(annotation).__name__ == "UnionType":
        return next((m for m in map(_marker, get_args(annotation)) if m is not None), None)
    return None


def _item(annotation):
    """The annotation of a list's items (list[X], Optional[list[X]])."""
    if get_origin(annotation) is Annotated:
        return _item(get_args(annotation)[0])
    if get_origin(annotation) in (list, tuple):
        args = get_args(annotation)
        return args[0] if args else None
    if get_origin(annotation) is Union or type(annotation).__name__ == "UnionType":
        return next((i for i in map(_item, get_args(annotation)) if i is not None), None)
    return None


def texts(value, path: tuple = (), annotation=None, marker: LaTeX | None = None):
    """(path, text, marker) of every LaTeX text in a kind's validated fields (a pydantic model)."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            own = next((m for m in info.metadata if isinstance(m, LaTeX)), None)
            yield from texts(getattr(value, name), path + (name,), info.annotation, own)
    elif isinstance(value, str):
        marker = marker or _marker(annotation)
        if marker is not None:
            yield path, value, marker
    elif isinstance(value, (list, tuple)):
        item = _item(annotation)
        for i, v in enumerate(value):
            yield from texts(v, path + (i,), item)


# -- TeX's errors back to the spec -------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """An instructor's text as the document prints it: the problem it belongs to (its ref), the field, the
    raw text as written and where the spec has it (doc, path), to find it again in the rendered TeX."""

    ref: str
    field: str
    text: str
    doc: object
    path: tuple
    label: str


def sources(spec) -> list[Source]:
    """Every LaTeX text of the spec's problems (statements, group statements, the kinds' LaTeX fields)."""
    out = []
    for p in spec.problems:
        if p.group is not None and p.group.statement:
            out.append(Source(p.ref, "statement", p.group.statement, p.doc, p.path[:2] + ("statement",),
                              f"problem {p.group.number} ({p.group.id})"))
        if p.statement:
            out.append(Source(p.ref, "statement", p.statement, p.doc, p.path + ("statement",), p.label))
        for path, text, _ in texts(p.fields):  # the common fields (statement, id, ...) are not LaTeX()-marked
            out.append(Source(p.ref, ".".join(map(str, path)), text, p.doc, p.path + path, p.label))
    return out


def _segments(text: str) -> list[tuple[int, str]]:
    """The pieces of a raw text between its <<placeholders>> (each printed as written), with their offsets."""
    out, last = [], 0
    for m in PLACEHOLDER.finditer(text):
        out.append((last, text[last:m.start()]))
        last = m.end()
    out.append((last, text[last:]))
    return [(o, s) for o, s in out if s.strip()]


def error_column(tex_line: str, context: str) -> int | None:
    """The 0-based column of TeX's error in a line of the .tex, from the log's `l.N <text read so far>`
    (possibly shortened to `...<its end>`): the start of the last token read."""
    # shortened: TeX may cut a multi-byte character in two (read back as U+FFFD), which the .tex does not have
    shown = context[3:].lstrip("\ufffd") if context.startswith("...") else context
    if not shown:
        return 0
    at = tex_line.find(shown) if not context.startswith("...") else tex_line.rfind(shown)
    if at < 0:
        return None
    end = at + len(shown)
    m = re.search(r"\\[A-Za-z]+$|\\.$", tex_line[:end])
    return m.start() if m else max(0, end - 1)


def locate(sources_: list[Source], tex_text: str, line: int, column: int | None, ref: str | None):
    """The spec's Where of the instructor's text that the .tex's `line` (1-based; at 0-based `column`, if
    known) came from, or None. Only the texts of the problem `ref` (the region of the .tex TeX failed in)."""
    from .errors import Where

    lines = tex_text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    line_start = sum(len(x) + 1 for x in lines[:line - 1])
    target = line_start + (column if column is not None else 0)
    line_end = line_start + len(lines[line - 1])
    best = None
    for source in sources_:
        if ref is not None and source.ref != ref:
            continue
        for offset, segment in _segments(source.text.strip() if source.text.strip() else source.text):
            segment_offset = offset + (len(source.text) - len(source.text.lstrip()))
            at = tex_text.find(segment)
            while at >= 0:
                end = at + len(segment)
                covers = at <= target <= end if column is not None else at <= line_end and end >= line_start
                if covers and (best is None or len(segment) > best[0]):
                    inside = min(max(target - at, 0), len(segment) - 1) if column is not None else None
                    best = (len(segment), source, None if inside is None else segment_offset + inside)
                at = tex_text.find(segment, at + 1)
    if best is None:
        return None
    _, source, offset = best
    where = source.doc.where(source.path, source.label, source.field)
    if offset is not None and where.line is not None:
        pos = source.doc.text_position(source.path, offset, source.text)
        if pos is not None:
            where = Where(where.file, pos[0], pos[1], where.problem, where.field)
    return where
