"""--export moodle|qti|gradescope: the default spec's variants (and a roster) exported, then parsed back with
real parsers (xml.etree, zipfile, pypdf): the structure each LMS imports, and the same numbers, variant by
variant, as answers.json."""
from __future__ import annotations

import base64
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile

import pytest

from tests.conftest import run_cli, write_spec

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftoppm") is None,
                               reason="needs pdflatex and pdftoppm")
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CLOZE = re.compile(r"\{1:NUMERICAL:=([^:}]+):([^}]+)\}")

CHOICES = """\
title: Choices and claims
problems:
  - id: mlp
    statement: An MLP on $32 \\times 32$ colour images.
    parts:
      - kind: network_shapes
        input: {channels: 3, width: 32, height: 32}
        layers:
          - flatten: {}
          - fc: {name: hidden, units: {randint: [200, 600], default: 512}}
          - fc: {name: out, units: 10}
      - kind: true_false
        claim: This network has more than a million parameters.
        true_if: a.total_params > 10**6
        reason: It has <<a.total_params>>, almost all of them in the first layer.
  - kind: choice
    statement: Which activation has a derivative of at most $\\tfrac14$ everywhere?
    options: [ReLU, the logistic sigmoid, tanh]
    correct: 2
"""


def code_of(title: str) -> str:
    """The variant code in a question's name or title ("4 v2 [WZJ7F]"); "" for a single build."""
    found = re.search(r"\[(\w+)\]", title)
    return found[1] if found else ""


def numbers(record: dict) -> list:
    """An answer's numbers as answers.json has them, entry by entry (a vector's or matrix's flattened)."""
    def flat(v):
        return [x for item in v for x in flat(item)] if isinstance(v, list) else [v]
    return [] if record["value"] is None else flat(record["value"])


def expected_tolerance(record: dict, value) -> float:
    """The tolerance answers.json records for `value` (an entry of a vector: its own entry's)."""
    def flat(v):
        return [x for item in v for x in flat(item)] if isinstance(v, list) else [v]
    tolerances = dict(zip(numbers(record), flat(record["tolerance"])))
    return tolerances[value]


def answers_by_code(folder) -> dict:
    """Each variant's answers.json by its variant code: {code: {ref: {label: record}}}."""
    out = {}
    for path in folder.glob("*.answers.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        refs = {}
        for p in data["problems"]:
            for part in p.get("parts", [p]):
                ref = f"{p['number']}.{part['part']}" if "part" in part else str(p["number"])
                refs[ref] = part["answers"]
        out[data.get("variant_code", "")] = (refs, data)  # a single build has no code
    return out


def numeric_parts(refs: dict) -> dict:
    return {ref: a for ref, a in refs.items() if all(r["value"] is not None for r in a.values())}


def check_moodle(xml: bytes, name: str, answers: dict, images: bool) -> None:
    root = ET.fromstring(xml)
    assert root.tag == "quiz"
    questions = list(root)
    assert all(q.tag == "question" for q in questions)
    categories = [q.findtext("category/text") for q in questions if q.get("type") == "category"]
    some_refs = next(iter(answers.values()))[0]
    assert categories == [f"$course$/{name}/{ref}" for ref in some_refs]  # one category per part, in order
    current, seen = None, {}
    for q in questions:
        if q.get("type") == "category":
            current = q.findtext("category/text").rsplit("/", 1)[1]
            seen[current] = []
            continue
        code = code_of(q.findtext("name/text"))
        seen[current].append(code)
        records = answers[code][0][current]
        assert q.findtext("generalfeedback/text").strip(), "the worked solution is the feedback"
        text = q.findtext("questiontext/text")
        assert "\\(" in text or "<p>" in text
        expected = [(v, expected_tolerance(r, v)) for r in records.values() for v in numbers(r)]
        if q.get("type") == "numerical":
            assert len(expected) == 1
            answer = q.find("answer")
            assert answer.get("fraction") == "100"
            assert float(answer.findtext("text")) == expected[0][0]
            assert float(answer.findtext("tolerance")) == pytest.approx(expected[0][1])
        elif q.get("type") == "cloze":
            got = [(float(v), float(t)) for v, t in CLOZE.findall(text)]
            assert [v for v, _ in got] == [v for v, _ in expected]
            assert [t for _, t in got] == pytest.approx([t for _, t in expected])
        elif q.get("type") == "essay":  # symbolic answers: the worked solution for the grader too
            assert current not in numeric_parts(answers[code][0])
            assert q.findtext("graderinfo/text").strip()
        else:
            assert q.get("type") in ("multichoice", "truefalse")
        files = q.findall("questiontext/file")
        for f in files:
            assert f"@@PLUGINFILE@@/{f.get('name')}" in text
            png = base64.b64decode(f.text, validate=True)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") > 50
        if images and q.find("name/text").text.split()[1] == "4":  # backprop: its graph
            assert files
    assert all(sorted(codes) == sorted(answers) for codes in seen.values())  # every variant, once per part


def check_qti(data: bytes, answers: dict) -> None:
    z = zipfile.ZipFile(io.BytesIO(data))
    manifest = ET.fromstring(z.read("imsmanifest.xml"))
    ns = manifest.tag[:manifest.tag.index("}") + 1]
    hrefs = [f.get("href") for r in manifest.iter(f"{ns}resource") for f in r.iter(f"{ns}file")]
    assert all(h in z.namelist() for h in hrefs)
    quiz = [r for r in manifest.iter(f"{ns}resource") if r.get("type") == "imsqti_xmlv1p2"]
    assert len(quiz) == 1
    assessment = ET.fromstring(z.read(quiz[0].find(f"{ns}file").get("href")))
    groups = assessment.find(f"{QTI}assessment/{QTI}section").findall(f"{QTI}section")
    assert groups
    checked = 0
    for group in groups:
        assert group.findtext(f"{QTI}selection_ordering/{QTI}selection/{QTI}selection_number") == "1"
        items = group.findall(f"{QTI}item")
        assert len(items) == len(answers)  # one item per variant
        for item in items:
            kind = [f.findtext(f"{QTI}fieldentry") for f in item.iter(f"{QTI}qtimetadatafield")
                    if f.findtext(f"{QTI}fieldlabel") == "question_type"][0]
            assert item.find(f"{QTI}itemfeedback") is not None
            title = item.get("title")
            ref, code = title.split()[0], code_of(title)
            records = answers[code][0][ref]
            if kind == "numerical_question":
                words = title.split()
                label = words[1] if len(words) > 1 and not words[1].startswith("v") else None
                expected = [v for lab, r in records.items() for i, v in enumerate(numbers(r))
                            if label is None or label in (lab, f"{lab}[{i + 1}]")]
                assert len(expected) == 1
                value = expected[0]
                assert float(item.findtext(f".//{QTI}varequal")) == value
                low, high = float(item.findtext(f".//{QTI}vargte")), float(item.findtext(f".//{QTI}varlte"))
                record = next(r for r in records.values() if value in numbers(r))
                assert (low, high) == pytest.approx((value - expected_tolerance(record, value),
                                                     value + expected_tolerance(record, value)))
                checked += 1
            elif kind == "fill_in_multiple_blanks_question":  # whole numbers, each exact: the blanks' answers
                given = [int(r.findtext(f"{QTI}material/{QTI}mattext"))
                         for r in item.iter(f"{QTI}response_label")]
                assert given == [v for r in records.values() for v in numbers(r)]
                assert all(isinstance(v, int) for v in given)
                checked += 1
            else:
                assert kind in ("essay_question", "multiple_choice_question", "true_false_question")
    assert checked


@pytest.mark.tex
@needs_tex
def test_default_spec_variants_export_to_all_three(tmp_path):
    from pypdf import PdfReader

    proc = run_cli("problems/dl-hw2.yaml", "--variants", "3", "--export", "moodle,qti", "--export", "gradescope",
                   "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "dl-hw2-variants"
    answers = answers_by_code(folder)
    assert len(answers) == 3
    check_moodle((folder / "dl-hw2.moodle.xml").read_bytes(), "dl-hw2", answers, images=True)
    check_qti((folder / "dl-hw2.qti.zip").read_bytes(), answers)
    pdf = PdfReader(folder / "dl-hw2.gradescope.pdf")
    per = len(pdf.pages) // 3
    assert len(pdf.pages) == 3 * per and per == 1 + 6  # a cover, then each problem on its own page
    csv_codes = [line.split(",")[4] for line in (folder / "answers.csv").read_text().splitlines()[1:]]
    for n, code in enumerate(csv_codes):  # variant order: each student's pages carry their variant's code
        pages = [pdf.pages[n * per + i].extract_text() for i in range(per)]
        assert all(code in text for text in pages), code


@pytest.mark.tex
@needs_tex
def test_roster_gradescope_pages_in_roster_order(tmp_path):
    from pypdf import PdfReader

    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n2024002,Lee Jun\n2024001,Kim Minji\n", encoding="utf-8")
    spec = write_spec(tmp_path, CHOICES)
    proc = run_cli(spec, "--roster", roster, "--export", "gradescope", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    pdf = PdfReader(tmp_path / "out" / "spec-roster" / "spec.gradescope.pdf")
    per = len(pdf.pages) // 2
    assert len(pdf.pages) == 2 * per and per == 1 + 3
    for n, (sid, name) in enumerate([("2024002", "Lee Jun"), ("2024001", "Kim Minji")]):
        cover = pdf.pages[n * per].extract_text()
        assert sid in cover and name in cover
        assert all(sid in pdf.pages[n * per + i].extract_text() for i in range(per))


def test_variants_without_pdf_export_moodle_and_qti(tmp_path):
    proc = run_cli("problems/dl-hw2.yaml", "--variants", "3", "--export", "moodle", "--export", "qti",
                   "--no-pdf", "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "dl-hw2-variants"
    answers = answers_by_code(folder)
    check_moodle((folder / "dl-hw2.moodle.xml").read_bytes(), "dl-hw2", answers, images=False)
    check_qti((folder / "dl-hw2.qti.zip").read_bytes(), answers)
    assert "The figure is on the question sheet" in (folder / "dl-hw2.moodle.xml").read_text(encoding="utf-8")


def test_single_build_exports_into_out(tmp_path):
    proc = run_cli("problems/dl-hw2.yaml", "--export", "moodle,qti", "--no-pdf", "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    answers = answers_by_code(tmp_path)
    assert list(answers) == [""]
    check_moodle((tmp_path / "dl-hw2.moodle.xml").read_bytes(), "dl-hw2", answers, images=False)
    check_qti((tmp_path / "dl-hw2.qti.zip").read_bytes(), answers)
    assert f"{tmp_path}/dl-hw2.moodle.xml" in proc.stdout


def test_choice_and_true_false_export_as_multichoice_and_truefalse(tmp_path):
    spec = write_spec(tmp_path, CHOICES)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n1,A\n2,B\n", encoding="utf-8")
    proc = run_cli(spec, "--roster", roster, "--export", "moodle,qti", "--no-pdf", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "out" / "spec-roster"
    answers = answers_by_code(folder)
    check_moodle((folder / "spec.moodle.xml").read_bytes(), "spec", answers, images=False)
    root = ET.fromstring((folder / "spec.moodle.xml").read_bytes())
    tf = [q for q in root if q.get("type") == "truefalse"]
    mc = [q for q in root if q.get("type") == "multichoice"]
    assert len(tf) == 2 and len(mc) == 2
    for q in tf:
        verdict = answers[re.search(r"\[(\w+)\]", q.findtext("name/text"))[1]][0]["1.b"]["answer"]["sympy"]
        assert {a.findtext("text"): a.get("fraction") for a in q.findall("answer")} == \
            {"true": "100" if verdict == "true" else "0", "false": "0" if verdict == "true" else "100"}
    for q in mc:
        assert q.findtext("single") == "true"
        assert [a.get("fraction") for a in q.findall("answer")] == ["0", "100", "0"]
        assert "sigmoid" in q.findall("answer")[1].findtext("text")
    z = zipfile.ZipFile(folder / "spec.qti.zip")
    assessment = ET.fromstring(z.read(next(n for n in z.namelist() if n.endswith(".xml") and "/" in n
                                           and not n.endswith("assessment_meta.xml"))))
    kinds = [f.findtext(f"{QTI}fieldentry") for f in assessment.iter(f"{QTI}qtimetadatafield")
             if f.findtext(f"{QTI}fieldlabel") == "question_type"]
    assert kinds.count("true_false_question") == 2 and kinds.count("multiple_choice_question") == 2
    for item in assessment.iter(f"{QTI}item"):
        if "multiple_choice_question" in ET.tostring(item, encoding="unicode"):
            labels = [r.get("ident") for r in item.iter(f"{QTI}response_label")]
            assert item.findtext(f".//{QTI}respcondition/{QTI}conditionvar/{QTI}varequal") == labels[1]


def test_qti_whole_numbers_answered_exactly_are_one_fill_in_blanks_item():
    """Several numbers of one part, each exact (tolerance 0): one item, so they come from one variant."""
    from answerkey.export import qti

    entries = [{"variant": v, "code": f"C{v}", "questions": [
        {"ref": "4", "points": 2.0, "type": "cloze", "statement": "<p>q</p>", "after": "", "image": None,
         "feedback": "<p>f</p>", "options": [],
         "entries": [{"label": "a", "value": -3 * v, "tolerance": 0}, {"label": "b", "value": 6, "tolerance": 0}]}]}
        for v in (1, 2)]
    root = ET.fromstring(qti.assessment("hw", "HW", entries, "quiz"))
    items = list(root.iter(f"{QTI}item"))
    assert len(items) == 2
    for item, v in zip(items, (1, 2)):
        assert "fill_in_multiple_blanks_question" in ET.tostring(item, encoding="unicode")
        texts = [m.text for m in item.iter(f"{QTI}mattext") if m.get("texttype") == "text/plain"]
        assert texts == ["b1", str(-3 * v), "b2", "6"]


def test_bad_export_is_exit_1(tmp_path):
    proc = run_cli("problems/dl-hw2.yaml", "--export", "blackboard", "--check")
    assert proc.returncode == 1 and "--export 'blackboard': expected one of moodle, qti, gradescope" in proc.stderr
    proc = run_cli("problems/dl-hw2.yaml", "--export", "gradescope", "--no-pdf", "-o", tmp_path)
    assert proc.returncode == 1 and "--no-pdf" in proc.stderr and not list(tmp_path.iterdir())


LONG = "title: G\nproblems:\n  - kind: conv_output_shape\n" \
    "    input: {width: {randint: [1, 999999], default: 8}, height: 8}\n    filters: 2\n    kernel: 1\n" \
    "    statement: \"Widths: " + ", ".join(["$<<input.width>>$"] * 324) + ".\"\n" \
    "  - kind: conv_output_shape\n    input: {width: 8, height: 8}\n    filters: 2\n    kernel: 3\n" \
    "    statement: Second problem.\n"


@pytest.mark.tex
@needs_tex
def test_gradescope_problems_on_the_same_pages_when_one_statement_runs_longer(tmp_path):
    """A statement that fills its page: with a six-digit width it runs onto a second page, with a five-digit
    one it does not. Every sheet then gives the problem two pages (the shorter one a blank page first), so
    that its answer box and the next problem are on the same page of every student's sheet."""
    from pypdf import PdfReader

    spec = tmp_path / "long.yaml"
    spec.write_text(LONG, encoding="utf-8")
    proc = run_cli(spec, "--variants", "2", "--seed", "7", "--export", "gradescope", "-o", tmp_path, "-j", "1")
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "long-variants"
    widths = [json.loads((folder / f"long-seed{s}.answers.json").read_text())["problems"][0]["answers"]
              ["width"]["value"] for s in (7, 8)]
    assert sorted(len(str(w)) for w in widths) == [5, 6], widths  # the draws this test needs (seeds 7, 8)
    pdf = PdfReader(folder / "long.gradescope.pdf")
    per = len(pdf.pages) // 2
    assert len(pdf.pages) == 2 * per == 2 * 4  # a cover, problem 1 on two pages, problem 2
    for n in range(2):
        texts = [pdf.pages[n * per + i].extract_text() for i in range(per)]
        assert "Answer 1" in texts[2] and "Answer 1" not in texts[1], texts  # the box on the problem's last page
        assert "Second problem." in texts[3], texts


ESCAPES = """\
title: Escapes
problems:
  - kind: conv_output_shape
    statement: 'The set \\{3, 5\\} \\& the cost \\$5, a < b > c, "quoted", 한국어: \\textbf{\\{x\\} \\& y}.'
    input: {width: {randint: [8, 32], default: 8}, height: 8}
    filters: 2
    kernel: 3
  - kind: choice
    statement: Which one?
    options: ['\\{a\\}', 'b \\& c']
    correct: 2
"""


def test_statements_with_escaped_braces_and_ampersands_export_to_well_formed_xml(tmp_path):
    """\\& and \\{ \\} in a statement or an option: the Moodle XML and the QTI items parse (no stray control
    characters) and say &, { and } where the sheet prints them."""
    spec = write_spec(tmp_path, ESCAPES)
    proc = run_cli(spec, "--variants", "2", "--export", "moodle,qti", "--no-pdf", "-o", tmp_path, "-j", "1")
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "spec-variants"
    root = ET.fromstring((folder / "spec.moodle.xml").read_bytes())
    texts = [q.findtext("questiontext/text") for q in root if q.get("type") == "conv_output_shape" or
             q.get("type") == "cloze"]
    assert len(texts) == 2
    for text in texts:
        assert 'The set {3, 5} &amp; the cost $5, a &lt; b &gt; c, "quoted", 한국어: <b>{x} &amp; y</b>.' in text, text
    options = [a.findtext("text") for q in root if q.get("type") == "multichoice" for a in q.findall("answer")]
    assert options[:2] == ["{a}", "b &amp; c"], options
    check_qti((folder / "spec.qti.zip").read_bytes(), answers_by_code(folder))
    z = zipfile.ZipFile(folder / "spec.qti.zip")
    for name in z.namelist():
        if name.endswith(".xml"):
            assert "\x00" not in z.read(name).decode("utf-8")


POOL = """\
title: Pool
problems:
  - kind: tensor_op
    op: avg_pool
    statement: Average pooling.
    input:
      - [1, 3, 2, 1, 5, 2]
      - [4, 6, 5, 0, 1, 3]
      - [3, 1, 1, 2, 0, 7]
      - [0, 2, 4, 3, 1, 1]
    kernel: 2
    stride: {randint: [1, 2], default: 2}
"""


def test_qti_a_drawn_shape_asks_every_entry_of_every_variant_under_its_own_label(tmp_path):
    """A drawn stride gives the variants outputs of different shapes (2x3, 3x5): on Canvas each number is a
    group of its own, one per label; every variant's every entry is asked once, in its label's group, with
    the value and margin answers.json has."""
    spec = write_spec(tmp_path, POOL)
    proc = run_cli(spec, "--variants", "4", "--export", "qti", "--no-pdf", "-o", tmp_path, "-j", "1")
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "spec-variants"
    answers = answers_by_code(folder)
    shapes = {code: (len(r["1"]["output"]["value"]), len(r["1"]["output"]["value"][0])) for code, (r, _) in
              answers.items()}
    assert len(set(shapes.values())) == 2, shapes  # the draws this test needs
    z = zipfile.ZipFile(folder / "spec.qti.zip")
    manifest = ET.fromstring(z.read("imsmanifest.xml"))
    ns = manifest.tag[:manifest.tag.index("}") + 1]
    quiz = [r for r in manifest.iter(f"{ns}resource") if r.get("type") == "imsqti_xmlv1p2"][0]
    assessment = ET.fromstring(z.read(quiz.find(f"{ns}file").get("href")))
    asked = []
    for group in assessment.find(f"{QTI}assessment/{QTI}section").findall(f"{QTI}section"):
        label = group.get("title").split()[-1]
        for item in group.findall(f"{QTI}item"):
            title = item.get("title")
            assert title.split()[1] == label, (group.get("title"), title)
            row, col = map(int, re.fullmatch(r"output\[(\d+),(\d+)\]", label).groups())
            code = code_of(title)
            record = answers[code][0]["1"]["output"]
            value = record["value"][row - 1][col - 1]
            assert float(item.findtext(f".//{QTI}varequal")) == value
            margin = record["tolerance"][row - 1][col - 1]
            if margin:
                low, high = float(item.findtext(f".//{QTI}vargte")), float(item.findtext(f".//{QTI}varlte"))
                assert (low, high) == pytest.approx((value - margin, value + margin))
            asked.append((code, row, col))
    expected = [(code, r + 1, c + 1) for code, (rows, cols) in shapes.items() for r in range(rows)
                for c in range(cols)]
    assert sorted(asked) == sorted(expected)
