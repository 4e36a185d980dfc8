"""Stage 5: compile the LaTeX with pdflatex, safely, and map a failure back to its problem.

TeX runs in a private temporary folder, without shell escape and with file access restricted to it
(openin_any=p, openout_any=p). The first error of the log is reported with the problem whose lines
produced it (the `% problem N` markers of the generated file).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import TexError

INSTALL_HINT = "run 'make tex' (or: sudo apt-get install latexmk texlive-latex-recommended " \
               "texlive-lang-korean texlive-pictures)"
TIMEOUT = 120


def tex_available() -> bool:
    return shutil.which("pdflatex") is not None


def _problem_at(tex_text: str, line_no: int) -> str | None:
    current = None
    for i, line in enumerate(tex_text.splitlines(), start=1):
        if i > line_no:
            break
        m = re.match(r"% problem (\d+)$", line)
        if m:
            current = m.group(1)
        elif re.match(r"% end problem \d+$", line):
            current = None
    return current


def first_error(log: str) -> tuple[int | None, str]:
    """The line and message of the first error in a TeX log."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(?:\./)?[^:\s]+\.tex:(\d+): (.*)$", line)
        if m:
            message = m.group(2)
            context = " ".join(x.strip() for x in lines[i + 1:i + 3] if x.strip().startswith("l."))
            return int(m.group(1)), (message + (f" [{context}]" if context else "")).strip()
        if line.startswith("! "):
            nxt = next((x for x in lines[i + 1:i + 8] if re.match(r"^l\.(\d+)", x)), None)
            number = int(re.match(r"^l\.(\d+)", nxt).group(1)) if nxt else None
            return number, line[2:].strip()
    return None, "TeX stopped without an error message (see the log)"


def compile_pdf(tex_text: str, name: str, problems: dict[str, str] | None = None, passes: int = 1) -> bytes:
    """Compile `tex_text` and return the PDF's bytes; raise TexError with the problem on failure.

    `problems` maps problem numbers to their labels ("problem 4 (backprop)")."""
    if not tex_available():
        raise TexError(f"TeX is missing: pdflatex is needed for the PDF; {INSTALL_HINT}; "
                       "or use --no-pdf")
    with tempfile.TemporaryDirectory(prefix="answerkey-tex-") as tmp:
        src = Path(tmp) / f"{name}.tex"
        src.write_text(tex_text, encoding="utf-8")
        # Reproducible PDFs: no creation date or random ID from the clock.
        env = dict(os.environ, openin_any="p", openout_any="p", shell_escape="f", TEXMFOUTPUT=tmp,
                   SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
        # One pdflatex pass is enough for a key (no cross-references to settle); latexmk would run two.
        cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-no-shell-escape",
               f"{name}.tex"]
        proc = None
        for _ in range(passes):
            try:
                proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                                      stdin=subprocess.DEVNULL, errors="replace")
            except subprocess.TimeoutExpired:
                raise TexError(f"TeX did not finish within {TIMEOUT} s") from None
            if proc.returncode != 0:
                break
        pdf = Path(tmp) / f"{name}.pdf"
        if proc.returncode != 0 or not pdf.exists():
            log_path = Path(tmp) / f"{name}.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else proc.stdout
            line, message = first_error(log)
            number = _problem_at(tex_text, line) if line else None
            where = (problems or {}).get(number, f"problem {number}") if number else "the document"
            raise TexError(f"TeX failed in {where}" + (f" (line {line} of {name}.tex)" if line else "")
                           + f": {message}")
        return pdf.read_bytes()
