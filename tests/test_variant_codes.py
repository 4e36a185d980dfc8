"""Every variant says which it is: its code on every page of its key and question sheet (read from the PDFs),
the same code in its answers.json and in answers.csv beside the student, different codes for different
variants, the same code for the same seed on every run."""
from __future__ import annotations

import csv
import json

from pypdf import PdfReader

import pytest

from answerkey.build import Options, run
from answerkey.variants import variant_code


@pytest.mark.parametrize("layout", ["article", "exam"])
def test_every_page_of_every_variant_carries_its_code(tmp_path, layout):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n2024001,Kim Minji\n2024002,Lee Jun\n", encoding="utf-8")
    result = run("problems/dl-hw2.yaml", Options(out=tmp_path, roster=str(roster), sheet="both", layout=layout))
    assert result.exit_code == 0
    folder = tmp_path / "dl-hw2-roster"
    rows = list(csv.DictReader((folder / "answers.csv").open(encoding="utf-8")))
    assert [r["student_id"] for r in rows] == ["2024001", "2024002"]
    assert [r["student_name"] for r in rows] == ["Kim Minji", "Lee Jun"]
    codes = [r["variant_code"] for r in rows]
    assert len(set(codes)) == 2 and all(len(c) == 5 for c in codes)
    for row in rows:
        data = json.loads((folder / f"dl-hw2-{row['student_id']}.answers.json").read_text(encoding="utf-8"))
        assert data["variant_code"] == row["variant_code"] == variant_code("dl-hw2", data["seed"])
        for sheet in ("", ".questions"):
            pages = PdfReader(folder / f"dl-hw2-{row['student_id']}{sheet}.pdf").pages
            assert len(pages) >= 1
            for page in pages:
                text = page.extract_text()
                assert f"Variant {row['variant_code']}" in text and row["student_id"] in text


def test_codes_are_stable_and_distinct():
    codes = {variant_code("hw", seed) for seed in range(1, 501)}
    assert len(codes) == 500  # no two of 500 variants share a code
    assert variant_code("hw", 7) == variant_code("hw", 7) != variant_code("other", 7)
    assert all(set(c) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for c in codes)
