"""Gradescope (--export gradescope): NAME.gradescope.pdf, every student's question sheet (the template
gradescope.tex: a cover with the name and id, each part on its own page with an answer box of fixed size at
the foot of the page) in roster (or variant) order, each padded with blank pages to the same count, so that
Gradescope's "Exams & Quizzes" can split the file by page count and find each answer region at the same
place on every sheet."""
from __future__ import annotations

import io


def pages_per_student(entries: list[dict]) -> int:
    from pypdf import PdfReader

    return max((len(PdfReader(io.BytesIO(e["gradescope"])).pages) for e in entries), default=0)


def merged(name: str, title: str, entries: list[dict]) -> bytes:
    from pypdf import PdfReader, PdfWriter  # a dependency (pyproject.toml), imported when it is used

    count = pages_per_student(entries)
    writer = PdfWriter()
    for entry in entries:
        reader = PdfReader(io.BytesIO(entry["gradescope"]))
        for page in reader.pages:
            writer.add_page(page)
        box = reader.pages[0].mediabox
        for _ in range(count - len(reader.pages)):
            writer.add_blank_page(width=box.width, height=box.height)
    writer.add_metadata({"/Title": f"{title}: question sheets for Gradescope"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
