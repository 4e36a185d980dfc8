"""LaTeX of statements, rule notes and worked solutions as HTML for an LMS: math kept as LaTeX between
\\( \\) and \\[ \\] (rendered there by MathJax: Moodle's MathJax filter, Canvas's math), the text's own
LaTeX (escapes, \\textbf, ~, --, \\\\) turned into HTML. Nothing is computed here: the printer made the math."""
from __future__ import annotations

import html
import re

# math, in the order tried at a position: $$..$$, \[..\], $..$, \(..\), a display environment
_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)|"
                   r"\\begin\{(align\*?|equation\*?|gather\*?|multline\*?)\}(.+?)\\end\{\5\}", re.S)

_SYMBOLS = {r"\%": "%", r"\&": "&", r"\$": "$", r"\#": "#", r"\_": "_", r"\{": "{", r"\}": "}",
            r"\textasciicircum{}": "^", r"\textasciitilde{}": "~", r"\textbackslash{}": "\\",
            r"\textperiodcentered{}": "·", r"\ldots{}": "…", r"\ldots": "…", r"\dots": "…",
            "---": "—", "--": "–", "``": "“", "''": "”"}
_STYLES = {"textbf": "b", "emph": "i", "textit": "i", "texttt": "code", "underline": "u", "textsf": "span",
           "textrm": "span", "text": "span", "mbox": "span"}
_DROP = re.compile(r"\\(noindent|medskip|bigskip|smallskip|par|centering|hfill|newpage|clearpage)\b ?")


def math_html(latex: str, display: bool) -> str:
    """Math for MathJax: \\( \\) inline, \\[ \\] displayed; HTML's own characters escaped."""
    body = html.escape(latex.strip(), quote=False)
    return f"\\[{body}\\]" if display else f"\\({body}\\)"


def _text(latex: str) -> str:
    out = latex.replace("\\newline%\n", " ").replace("\r", "")
    chars: list[str] = []
    for macro, char in _SYMBOLS.items():  # each kept as \x00N\x01 (digits: untouched by the escaping and by
        while macro in out:               # the brace clean-up), put back at the end
            out = out.replace(macro, f"\x00{len(chars)}\x01", 1)
            chars.append(char)
    out = html.escape(out, quote=False)
    out = re.sub(r"\\\\(\[[^\]]*\])?", "<br>", out)
    out = re.sub(r"\\newline\b ?", "<br>", out)
    out = _DROP.sub("", out)
    out = re.sub(r"\\(quad|qquad)\b ?", "\u2003", out)
    out = out.replace("~", "\u00a0")
    for _ in range(4):  # nested styles, innermost first
        out = re.sub(r"\\(" + "|".join(_STYLES) + r")\{([^{}]*)\}",
                     lambda m: f"<{_STYLES[m[1]]}>{m[2]}</{_STYLES[m[1]]}>", out)
    out = re.sub(r"(?<!\\)[{}]", "", out)  # grouping braces
    return re.sub("\x00([0-9]+)\x01", lambda m: html.escape(chars[int(m[1])], quote=False), out)


def inline_html(latex: str | None) -> str:
    """A piece of LaTeX text (a statement, a note, an option) as HTML without paragraphs."""
    if not latex:
        return ""
    out, at = [], 0
    for m in _MATH.finditer(latex):
        out.append(_text(latex[at:m.start()]))
        if m[5]:  # an environment: its rows aligned in a displayed block
            rows = m[6].strip()
            body = rows if m[5].startswith(("equation", "multline")) else f"\\begin{{aligned}}{rows}\\end{{aligned}}"
            out.append(math_html(body, True))
        else:
            inner = next(g for g in m.groups()[:4] if g is not None)
            out.append(math_html(inner, display=m[1] is not None or m[2] is not None))
        at = m.end()
    out.append(_text(latex[at:]))
    return "".join(out).strip()


def html_of(latex: str | None) -> str:
    """LaTeX text as HTML paragraphs (a blank line starts a new one)."""
    if not latex or not latex.strip():
        return ""
    return "".join(f"<p>{inline_html(p)}</p>" for p in re.split(r"\n\s*\n", latex.strip()) if p.strip())
