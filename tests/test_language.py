"""language: ko (and en, the default): one table per language (answerkey/lang/ko.yaml) words the rule notes,
the templates' fixed words and the tool's sentences; the answers, the read-back and the English key stay as
they are. Real PDFs read with pypdf."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from answerkey import lang, readback, rules
from answerkey.errors import SpecError

ROOT = Path(__file__).resolve().parent.parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
NEEDS_TEX = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="TeX is installed by `make test`")
RULENOTE = re.compile(r"\\rulenote\{(.*?)\}\}\s*$", re.M)


def build(out: Path, *args) -> None:
    proc = subprocess.run([sys.executable, "generate.py", "problems/dl-hw2.yaml", "--out", str(out), "-q", *args],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """The default spec's key in English (.tex only) and in Korean (with its PDF)."""
    en, ko = tmp_path_factory.mktemp("en"), tmp_path_factory.mktemp("ko")
    build(en, "--no-pdf")
    build(ko, "--language", "ko", *(() if shutil.which("pdflatex") else ("--no-pdf",)))
    return en, ko


def test_the_korean_table_words_every_rule_with_the_same_placeholders():
    english = rules.english()
    table = lang.table("ko")
    assert lang.problems("ko") == [] and rules.problems(table["rules"]) == []
    assert set(table["rules"]) == set(english)  # every rule, no other
    for name, wording in table["rules"].items():
        assert set(rules.Rule(name, wording).placeholders) == set(rules.TABLE[name].placeholders), name
    # the words rules need most, as a Korean TA writes them
    assert table["rules"]["chain_rule"] == "연쇄 법칙" and table["rules"]["given"] == "주어진 식"
    assert table["rules"]["sum_rule"] == "합의 법칙"
    # most wordings are Korean (only the pure formulas stay as they are)
    same = [n for n in english if table["rules"][n] == english[n]]
    assert all("$" in english[n] or n in ("also", "then", "instructor_step", "output_size") for n in same), same
    assert set(table["words"]) <= set(lang.WORDS)


def test_a_wrong_table_is_refused(monkeypatch):
    broken = {"rules": {"chain_rule": "{x} 법칙", "no_such_rule": "x"}, "words": {"points": "({n}점)", "bogus": "x"},
              "sentences": {"step {t}": "스텝 {s}"}}
    monkeypatch.setattr(lang, "table", lambda code: broken)
    found = lang.problems("xx")
    assert any("chain_rule" in f for f in found) and any("no_such_rule" in f for f in found)
    assert any("words.points" in f for f in found) and any("words.bogus" in f for f in found)
    assert any("step {t}" in f for f in found)


def test_say_fills_a_sentence_with_the_text_its_placeholders_stand_for():
    assert lang.say("where $k = i$") == "where $k = i$"  # English: as written
    with lang.speaking("ko"):
        assert lang.current() == "ko"
        assert lang.say("where $k \\neq i$") == "$k \\neq i$일 때"
        assert lang.say("Forward pass, with the given inputs $x = 1$, $y = -3$.") == \
            "순전파 (주어진 입력: $x = 1$, $y = -3$)."
        # the more specific sentence wins over the shorter one it also matches
        assert lang.say("Assume $x > 0$ and $y > 0$.") == "가정: $x > 0$, $y > 0$."
        assert lang.say("Assume $x > 0$.") == "가정: $x > 0$."
        # a sentence of clauses the table has one by one (tensor_op's introduction)
        assert lang.say("W: input size, F: kernel size, P: padding, S: stride; $x_i$: entry i of the input; "
                        "$k_i$: the kernel's entries.") == \
            "W: 입력 크기, F: 커널 크기, P: 패딩, S: 스트라이드; $x_i$: 입력의 i번째 성분; $k_i$: 커널의 성분."
        assert lang.say("$225$") == "$225$"  # no words outside its math: nothing to translate
        lang.missed()
        assert lang.say("A sentence no table has.") == "A sentence no table has."
        assert lang.missed() == {"A sentence no table has."}
        assert rules.text(rules.CHAIN_RULE) == "연쇄 법칙"
        assert rules.text(rules.WITH_CHAIN_RULE.at(rule=rules.DERIVATIVE_OF_LOG)) == "log의 미분 (연쇄 법칙)"
        assert lang.word("points", points="4") == "(4점)"
    assert lang.current() == "en" and rules.text(rules.CHAIN_RULE) == "chain rule"
    # an English block inside another table of wordings keeps that table
    with rules.wordings({"chain_rule": "Kettenregel"}), lang.speaking("en"):
        assert rules.text(rules.CHAIN_RULE) == "Kettenregel"


def test_a_korean_standing_assumption_is_read_as_one():
    assert readback.standing("Assume $x > -1$.") and readback.standing("가정: $x > -1$.")
    assert not readback.standing("$k = i$일 때")


@NEEDS_TEX
def test_the_default_spec_in_korean_reads_korean_and_still_reads_back_every_line(keys):
    en, ko = keys
    en_tex = (en / "dl-hw2.tex").read_text(encoding="utf-8")
    ko_tex = (ko / "dl-hw2.tex").read_text(encoding="utf-8")
    table, english = lang.table("ko"), rules.english()
    translated = {w for n, w in english.items() if table["rules"][n] != w}
    en_notes, ko_notes = RULENOTE.findall(en_tex), RULENOTE.findall(ko_tex)
    assert len(en_notes) == len(ko_notes) > 40
    assert any(HANGUL.search(n) for n in ko_notes)
    assert not [n for n in ko_notes if n in translated or n in {w.replace("$", "") for w in translated}]
    changed = [(e, k) for e, k in zip(en_notes, ko_notes) if e != k]
    assert len(changed) >= len(en_notes) - 4  # all but the pure formulas, e.g. (W - F + 2P)/S + 1
    # the math of the page is the English key's, line by line
    math = re.compile(r"\\begin\{equation\*\}\n(.*?)(?: \\tag\*|\n\n\\end)", re.S)
    assert math.findall(en_tex) == math.findall(ko_tex)

    text = "\n".join(page.extract_text() for page in PdfReader(ko / "dl-hw2.pdf").pages)
    flat = re.sub(r"\s+", " ", text)
    for word in ("연쇄 법칙", "주어진 식", "합의 법칙", "그래디언트의 정의", "곱셈 게이트", "검증", "순전파",
                 "지면에서 다시 읽어 확인함"):
        assert word.replace(" ", "") in flat.replace(" ", ""), word
    for english_words in ("chain rule", "definition of the gradient", "multiply gate", "Verification",
                          "displayed lines read back", "upstream times local", "recognising the vector",
                          "Forward pass", "the case split", "where k"):
        assert english_words not in flat, english_words
    assert "2018320161" in flat  # the author line, Hangul and all

    en_answers = json.loads((en / "dl-hw2.answers.json").read_text(encoding="utf-8"))
    ko_answers = json.loads((ko / "dl-hw2.answers.json").read_text(encoding="utf-8"))
    for e, k in zip(en_answers["problems"], ko_answers["problems"]):
        assert k["readback"]["unread"] == [] and k["readback"]["checked"] > 0
        assert k["answers"] == e["answers"]  # the language changes the words, never an answer


def test_english_is_the_default_and_the_same_key(tmp_path, keys):
    en, _ = keys
    spec = tmp_path / "dl-hw2.yaml"
    spec.write_text("language: en\n" + (ROOT / "problems/dl-hw2.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "generate.py", str(spec), "--out", str(tmp_path), "-q", "--no-pdf"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "dl-hw2.tex").read_text(encoding="utf-8") == (en / "dl-hw2.tex").read_text(encoding="utf-8")
    assert "Verification" in (en / "dl-hw2.tex").read_text(encoding="utf-8")


def test_an_unknown_language_is_a_spec_error_with_its_position(tmp_path):
    from answerkey.build import Options, run

    spec = tmp_path / "hw.yaml"
    spec.write_text("title: T\nlanguage: fr\nproblems:\n  - kind: gradient\n    function: x**2\n    wrt: x\n",
                    encoding="utf-8")
    with pytest.raises(SpecError) as info:
        run(spec, Options(out=tmp_path, check_only=True, pdf=False, jobs=1))
    assert "hw.yaml:2" in str(info.value) and "language" in str(info.value)
    proc = subprocess.run([sys.executable, "generate.py", str(spec), "--language", "fr"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "--language" in proc.stderr


def test_korean_variants_and_their_master_key(tmp_path):
    """Variants are rendered in forked helpers: each sheet and the graders' table are Korean too."""
    build(tmp_path, "--language", "ko", "--variants", "2", "--no-pdf", "--sheet", "both")
    folder = tmp_path / "dl-hw2-variants"
    master = (folder / "answers.tex").read_text(encoding="utf-8")
    assert "2개 버전의 답" in master and "문제 1" in master and "Problem 1" not in master
    sheets = sorted(folder.glob("dl-hw2-*.tex"))
    keys = [s for s in sheets if not s.name.endswith(".questions.tex")]
    questions = [s for s in sheets if s.name.endswith(".questions.tex")]
    assert len(keys) == len(questions) == 2
    for key in keys:
        body = key.read_text(encoding="utf-8")
        assert "\\rulenote{연쇄 법칙}" in body and "{검증}" in body and "버전" in body
        assert "chain rule" not in body
    for sheet in questions:
        assert "이름:" in sheet.read_text(encoding="utf-8")
