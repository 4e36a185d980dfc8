"""Gradescope (--export gradescope): NAME.gradescope.pdf, every student's question sheet (the template
gradescope.tex: a cover with the name and id, each part on its own page with an answer box of fixed size at
the foot of the page) in roster (or variant) order, so that Gradescope's "Exams & Quizzes" can split the
file by page count and find each answer region at the same place on every sheet. A problem whose statement
runs onto a second page on one student's sheet (its drawn values longer) gets as many pages on every sheet:
the shorter ones padded with blank pages before the problem's last page, so that each problem begins, and
its answer box stands, on the same page of every sheet."""
from __future__ import annotations

import io

MARK = "answerkey-problem-"  # the named destination gradescope.tex puts where each problem begins


def segments(reader) -> list[tuple[int, int]]:
    """A sheet's pages as (first, end) ranges: the cover, then each problem (from the page its mark is on);
    one range for the whole sheet when it has no marks (a course's own gradescope.tex)."""
    starts = sorted({reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()
                     if str(name).startswith(MARK)} - {0})
    bounds = [0, *starts, len(reader.pages)]
    return list(zip(bounds, bounds[1:]))


def layout(readers: list) -> list[int]:
    """The pages each range takes on every sheet: the most any sheet needs (the sheets' ranges matched in
    order; sheets of different shapes are padded at their end only)."""
    shapes = [segments(r) for r in readers]
    if len({len(s) for s in shapes}) != 1:
        return [max((len(r.pages) for r in readers), default=0)]
    return [max(end - first for first, end in ranges) for ranges in zip(*shapes)]


def merged(name: str, title: str, entries: list[dict]) -> bytes:
    from pypdf import PdfReader, PdfWriter  # a dependency (pyproject.toml), imported when it is used

    readers = [PdfReader(io.BytesIO(entry["gradescope"])) for entry in entries]
    sizes = layout(readers)
    writer = PdfWriter()
    for reader in readers:
        box = reader.pages[0].mediabox
        ranges = segments(reader) if len(sizes) > 1 else [(0, len(reader.pages))]
        for k, ((first, end), size) in enumerate(zip(ranges, sizes)):
            pages = list(reader.pages[first:end])
            # the cover (and an unmarked sheet) padded after; a problem before its last page (its answer box)
            keep = pages if k == 0 else pages[:-1]
            for page in keep:
                writer.add_page(page)
            for _ in range(size - len(pages)):
                writer.add_blank_page(width=box.width, height=box.height)
            for page in pages[len(keep):]:
                writer.add_page(page)
    writer.add_metadata({"/Title": f"{title}: question sheets for Gradescope"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
