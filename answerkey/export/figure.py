"""A question sheet's figure as a PNG for the LMS exports: the figure alone on a page (the template
export-figure.tex, the sheet's own preamble), compiled by texcompile, cropped to its ink by pdftoppm."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .. import render, texcompile
from ..errors import TexError

DPI = 150
MARGIN = 8  # pixels of white kept around the ink


def png(spec, figure: dict, preloaded=None) -> bytes:
    if shutil.which("pdftoppm") is None:  # before TeX's work, not after it
        raise TexError("pdftoppm is missing: it draws the figures of --export moodle and qti as PNG "
                       "(install poppler-utils)")
    pdf = texcompile.compile_pdf(render.render_figure(spec, figure), "figure", preloaded=preloaded)
    with tempfile.TemporaryDirectory(prefix="answerkey-figure-") as tmp:
        source = Path(tmp) / "figure.pdf"
        source.write_bytes(pdf)
        run = ["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile"]
        subprocess.run(run + ["-gray", str(source), str(Path(tmp) / "page")], check=True, capture_output=True)
        x, y, w, h = _ink((Path(tmp) / "page.pgm").read_bytes())
        subprocess.run(run + ["-png", "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), str(source),
                              str(Path(tmp) / "crop")], check=True, capture_output=True)
        return (Path(tmp) / "crop.png").read_bytes()


INK = bytes(1 if v < 250 else 0 for v in range(256))  # a gray level -> 1 where there is ink


def _ink(pgm: bytes) -> tuple[int, int, int, int]:
    """The box (x, y, width, height) around the non-white pixels of a binary PGM (P5), with a margin."""
    fields, at = [], 0
    while len(fields) < 4:  # P5 width height maxval, separated by whitespace (no comments from pdftoppm)
        while pgm[at:at + 1].isspace():
            at += 1
        start = at
        while not pgm[at:at + 1].isspace():
            at += 1
        fields.append(pgm[start:at])
    width, height = int(fields[1]), int(fields[2])
    pixels = pgm[at + 1:at + 1 + width * height]
    rows, columns = [], 0
    for y in range(height):
        row = pixels[y * width:(y + 1) * width].translate(INK)
        if 1 in row:
            rows.append(y)
            columns |= int.from_bytes(row, "big")  # the columns with ink in any row
    if not rows:
        return 0, 0, width, height
    marks = columns.to_bytes(width, "big")
    left, right = marks.index(1), width - 1 - marks[::-1].index(1)
    x0, x1 = max(left - MARGIN, 0), min(right + MARGIN + 1, width)
    y0, y1 = max(rows[0] - MARGIN, 0), min(rows[-1] + MARGIN + 1, height)
    return x0, y0, x1 - x0, y1 - y0
