"""Long displayed lines broken inside the margins: a line whose math would run past the text width is set as
rows of an `aligned` block, broken first at the `=` of its chain of forms, then, where one form is still too
wide, at its top-level `+` and `-`. The read-back joins the rows again (readback.joined) before reading, so
the broken line is read and checked as the one line it is.

The width is estimated from the LaTeX itself (a character's width at 11 pt; fractions as their wider part;
sub- and superscripts smaller; \\left/\\right, spacing and styling commands as nothing), on the safe side.
"""
from __future__ import annotations

import functools
import re

WIDTHS = {"article": 468.0, "exam": 410.0}  # pt: the text width (6.5 in); the exam layout: a part's solution frame
LIMIT = [WIDTHS["article"]]  # the width lines are broken to in this run (use_layout)


# A4 is narrower than letter: 210 mm = 597.51 pt against 8.5 in = 614.30 pt, the same 1 in margins (geometry)
NARROWER = {"letter": 0.0, "a4": 614.295 - 597.508}


def use_layout(layout: str, paper: str = "letter") -> None:
    LIMIT[0] = WIDTHS.get(layout, WIDTHS["article"]) - NARROWER.get(paper, 0.0)
# The widths in pt of the pieces of 11 pt display math, fitted by least squares to the widths TeX measured for
# 703 displayed lines of the examples (lower-case letters, capitals, digits, binary operators and relations,
# parentheses, commas, other commands, big operators, a fraction's bar, a letter of upright text, a thin space,
# a stretched delimiter); estimates are within 15% of TeX's for all but a few lines, so SAFETY covers them.
WEIGHT = {"lower": 6.7, "upper": 10.4, "digit": 5.1, "op": 12.8, "paren": 1.0, "comma": 4.3, "cmd": 6.0,
          "sum": 8.0, "frac": 9.5, "text": 4.9, "space": 2.1, "big": 5.4}
SAFETY = 1.15
SCRIPT = 0.7  # sub- and superscripts
OPERATORS = {"cdot", "times", "odot", "leq", "geq", "neq", "approx", "therefore", "to", "in", "mid"}
WORDS = {"log", "exp", "tanh", "diag", "det", "tr", "max", "min", "softmax", "ln", "cos", "sin"}
SILENT = {"displaystyle", "textstyle", "limits", "nolimits", "hat", "tilde", "bar", "vec", "overline", "dot"}


def _group(text: str, i: int) -> tuple[str, int]:
    """The braced group starting at text[i] == '{' (its inside) and the index after it; a lone token else."""
    if i >= len(text):
        return "", i
    if text[i] != "{":
        if text[i] == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", text[i:])
            return m.group(0), i + len(m.group(0))
        return text[i], i + 1
    depth, j = 0, i
    while j < len(text):
        if text[j] == "{" and (j == 0 or text[j - 1] != "\\"):
            depth += 1
        elif text[j] == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
        j += 1
    return text[i + 1:], len(text)


def width(text: str, scale: float = 1.0) -> float:
    """An estimate of the width in pt of `text` set as display math at 11 pt."""
    out, i = 0.0, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+)|\\(.)", text[i:])
            name = m.group(1) or m.group(2)
            i += len(m.group(0))
            if name in ("frac", "dfrac", "tfrac"):
                top, i = _group(text, i)
                bottom, i = _group(text, i)
                small = 0.75 if name == "tfrac" or (name == "frac" and scale < 1) else 1.0
                out += max(width(top, scale * small), width(bottom, scale * small)) + WEIGHT["frac"] * scale
            elif name in ("text", "textbf", "textit", "rulenote", "operatorname"):
                words, i = _group(text, i)
                out += len(words) * WEIGHT["text"] * scale
            elif name in ("mathrm", "mathit", "mathbf", "boldsymbol", "mathcal"):
                inner, i = _group(text, i)
                out += width(inner, scale)
            elif name == "begin":
                env, i = _group(text, i)
                stop = text.find("\\end{" + env + "}", i)
                stop = len(text) if stop < 0 else stop
                if "matrix" in env:  # the widest row
                    out += max(width(row.replace("&", " \\quad "), scale) for row in text[i:stop].split("\\\\")) \
                        + 2 * WEIGHT["big"] * scale
                    i = stop + len("\\end{" + env + "}")
            elif name == "end":
                _, i = _group(text, i)
            elif name in (",", ";", "!", " "):
                out += WEIGHT["space"] * scale
            elif name in ("quad", "qquad"):
                out += (11.0 if name == "quad" else 22.0) * scale
            elif name in ("left", "right"):
                while i < len(text) and text[i] == " ":
                    i += 1
                i += 2 if text.startswith("\\", i) else 1  # the delimiter itself
                out += WEIGHT["big"] * scale
            elif name in ("sum", "prod", "int"):
                out += WEIGHT["sum"] * scale
            elif name in OPERATORS:
                out += WEIGHT["op"] * scale
            elif name in WORDS:
                out += len(name) * WEIGHT["lower"] * scale
            elif name in ("dots", "ldots", "cdots"):
                out += 3 * WEIGHT["comma"] * scale + WEIGHT["space"] * scale
            elif name in SILENT:
                continue
            else:
                out += WEIGHT["cmd"] * scale
        elif c in "_^":
            inner, i = _group(text, i + 1)
            out += width(inner, scale * SCRIPT)
        elif c in "{} &":
            i += 1
        else:
            kind = "op" if c in "+-=<>" else "paren" if c in "()[]|" else "comma" if c in ",;." else \
                "digit" if c.isdigit() else "upper" if c.isupper() else "lower"
            out += WEIGHT[kind] * scale
            i += 1
    return out


OPEN, CLOSE = {"\\left", "\\begin", "{"}, {"\\right", "\\end", "}"}


def _tokens(text: str):
    """(index, token, depth) for each token of `text` (a command, or one character), its depth the nesting of
    braces, \\left...\\right and \\begin...\\end it stands at (an opener and its closer at the outer level)."""
    depth, i = 0, 0
    while i < len(text):
        token = re.match(r"\\[A-Za-z]+|\\.", text[i:]).group(0) if text[i] == "\\" else text[i]
        depth -= token in CLOSE
        yield i, token, depth
        depth += token in OPEN
        i += len(token)


def top_level_terms(text: str) -> list[str]:
    """`text` cut before each + or - at the top level (outside braces, \\left...\\right and environments: a
    matrix is one piece), keeping the signs: 'a + b - c' -> ['a', '+ b', '- c']; the first term keeps a leading
    sign."""
    pieces, start = [], 0
    for i, token, depth in _tokens(text):
        if token in "+-" and depth == 0 and text[start:i].strip() \
                and not text[:i].rstrip().endswith(("^", "_", "=", "(")):
            pieces.append(text[start:i].strip())
            start = i
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _matching_right(text: str, at: int) -> int:
    """The index of the \\right that closes the \\left at `at`, or -1."""
    for i, token, depth in _tokens(text[at:]):
        if token == "\\right" and depth == 0:
            return at + i
    return -1


def _top_level(text: str, at: int) -> bool:
    """Whether position `at` of `text` is outside every brace group, \\left...\\right pair and environment."""
    return next((depth == 0 for i, _, depth in _tokens(text) if i >= at), True)


def opened(term: str) -> tuple[str, str, str] | None:
    """A term too wide for one row, opened where it can be broken: \\frac{A}{m} as \\frac{1}{m} A, and its
    widest \\left( ... \\right) as \\biggl( ... \\biggr) (delimiters that may stand in different rows):
    (before, inside, after), or None."""
    if term.startswith(("\\frac{", "\\dfrac{")):
        top, i = _group(term, term.index("{"))
        bottom, j = _group(term, i)
        if j == len(term) and len(top_level_terms(top)) == 1:
            inner = opened(top)
            if inner is not None:
                return (f"\\frac{{1}}{{{bottom}}} " + inner[0], inner[1], inner[2])
    best = None
    for m in re.finditer(r"\\left\s*\(", term):
        if not _top_level(term, m.start()):
            continue
        stop = _matching_right(term, m.start())
        if stop < 0 or not term.startswith("\\right)", stop):
            continue
        inside = term[m.end():stop]
        if len(top_level_terms(inside)) > 1 and (best is None or len(inside) > len(best[1])):
            best = (term[:m.start()] + "\\biggl(", inside, "\\biggr)" + term[stop + len("\\right)"):])
    return best


def pieces(form: str, room: float) -> list[str]:
    """A form cut where a row may end: its top-level terms, and a single term too wide for a row opened (see
    opened) and cut inside its parentheses."""
    terms = top_level_terms(form)
    out = []
    for term in terms:
        inner = opened(term) if width(term) > room else None
        if inner is None:
            out.append(term)
            continue
        before, inside, after = inner
        cut = pieces(inside, room)
        cut[0] = f"{before} {cut[0]}"
        cut[-1] = f"{cut[-1]} {after}"
        out.extend(cut)
    return out


def rows(first: str, forms: list[tuple[str, str]], limit: float) -> list[str] | None:
    """The rows of a line `first rel_1 form_1 rel_2 form_2 ...` that fits within `limit` pt, each row
    `&rel form` after the first (`first &rel form_1`); None when the line fits as it is."""
    out = _rows(first, tuple((str(rel), str(form)) for rel, form in forms), limit)
    return None if out is None else list(out)


@functools.lru_cache(maxsize=4096)
def _rows(first: str, forms: tuple, limit: float) -> tuple | None:
    """rows(), a function of its text alone: made once for a line that many variants print alike."""
    limit = limit / SAFETY
    whole = first + " " + " ".join(f"{rel} {form}" for rel, form in forms)
    if width(whole) <= limit:
        return None
    # every row is aligned at the & after `first`, so every row starts width(first) in; a wide left side
    # stands in a row of its own, at the left, and the relations start at the left under it
    offset = width(first)
    out = []
    if offset > 0.4 * limit:
        offset = 0.0
        if width(first) <= limit:
            out.append("&" + first)
        else:  # a left side wider than the page: broken as a form is
            prefix, current, room = "&", "", limit
            for term in pieces(first, room):
                if current and width(current + " " + term) > room:
                    out.append(prefix + current)
                    prefix, current, room = "&\\quad ", term, limit - 2 * WEIGHT["op"]
                else:
                    current = f"{current} {term}".strip()
            out.append(prefix + current)
    for k, (rel, form) in enumerate(forms):
        room = limit - offset - WEIGHT["op"]
        prefix = (first + " &" if k == 0 and not out else "&") + f"{rel} "
        if width(form) <= room:
            out.append(prefix + form)
            continue
        current = ""
        for term in pieces(form, room):
            if current and width(current + " " + term) > room:
                out.append(prefix + current)
                prefix, current = "&\\quad ", term
                room = limit - offset - 2 * WEIGHT["op"]
            else:
                current = f"{current} {term}".strip()
        out.append(prefix + current)
    return tuple(out)


def joined(math: str) -> str:
    """A displayed line's math with the rows of an `aligned` block joined again (what rows() split): the one
    line the reader reads."""
    if "\\begin{aligned}" not in math:
        return math
    out, depth, i = [], 0, 0  # depth: inside the aligned block (1) or an environment within it (> 1)
    while i < len(math):
        if math.startswith("\\begin{", i):
            env, j = _group(math, i + len("\\begin"))
            depth += 1
            if env == "aligned" and depth == 1:
                out.append(" ")
                i = j
                continue
        elif math.startswith("\\end{", i):
            env, j = _group(math, i + len("\\end"))
            depth -= 1
            if env == "aligned" and depth == 0:
                out.append(" ")
                i = j
                continue
        elif depth == 1 and math.startswith("&\\quad", i):
            out.append(" ")
            i += len("&\\quad")
            continue
        elif depth == 1 and math[i] == "&":
            out.append(" ")
            i += 1
            continue
        elif depth == 1 and math.startswith("\\\\", i):  # a row's end (maybe with a [space])
            m = re.match(r"\\\\(\[[^\]]*\])?", math[i:])
            out.append(" ")
            i += len(m.group(0))
            continue
        out.append(math[i])
        i += 1
    return re.sub(r"\s+", " ", "".join(out)).strip()
