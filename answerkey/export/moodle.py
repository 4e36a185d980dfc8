"""Moodle XML (--export moodle): NAME.moodle.xml, a random question bank.

One category per problem part ($course$/NAME/1.b) holding that part's question of every variant, so that a
quiz's "random question from category" gives each student one variant of each part. A part answered by
one number is a `numerical` question with its tolerance; by several numbers, one `cloze` (multianswer)
question with a {1:NUMERICAL:=value:tolerance} blank per number (one question, so that the numbers a
student is asked for all come from the same variant, each graded with its own tolerance; one question per
number would be drawn independently); symbolic answers an `essay` with the answers for the grader; kind
choice `multichoice`, true_false `truefalse`. Every question has the key's worked solution as general
feedback; figures are embedded as base64 PNG files (@@PLUGINFILE@@)."""
from __future__ import annotations

import base64
import html
import xml.etree.ElementTree as ET

from .. import lang
from .items import by_ref


def number(value) -> str:
    """A number exactly as answers.json has it (an int as itself, a float by its shortest round trip)."""
    return str(value) if isinstance(value, int) else repr(float(value))


def document(root) -> bytes:
    """An XML file's bytes: indented, with its declaration (double-quoted) and a final newline."""
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def _text(parent, tag: str, text: str, html_format: bool = False, **attrs):
    node = ET.SubElement(parent, tag, {**({"format": "html"} if html_format else {}), **attrs})
    ET.SubElement(node, "text").text = text
    return node


def _name(name: str, q: dict, entry: dict) -> str:
    who = f" {entry['student_id']} {entry['student_name']}".rstrip() if entry["student_id"] else ""
    code = f" [{entry['code']}]" if entry["code"] else ""
    return f"{name} {q['ref']} v{entry['variant']}{code}{who}"


def _body(q: dict) -> str:
    img = f'<p><img src="@@PLUGINFILE@@/{html.escape(q["image"][0])}" alt="figure"></p>' if q["image"] else ""
    return q["statement"] + img + q["after"]


def _blanks(q: dict) -> str:
    """The cloze blanks: one NUMERICAL sub-question per number, labelled as the key labels it."""
    return "<p>" + "<br>".join(f"<b>{html.escape(e['label'])}</b>: {{1:NUMERICAL:={number(e['value'])}:"
                               f"{number(e['tolerance'])}}}" for e in q["entries"]) + "</p>"


def question(parent, name: str, q: dict, entry: dict) -> None:
    kind = q["type"]
    node = ET.SubElement(parent, "question", type=kind)
    _text(node, "name", _name(name, q, entry))
    body = _body(q) + (_blanks(q) if kind == "cloze" else "")
    text = _text(node, "questiontext", body, html_format=True)
    if q["image"]:
        file = ET.SubElement(text, "file", name=q["image"][0], path="/", encoding="base64")
        file.text = base64.b64encode(q["image"][1]).decode("ascii")
    _text(node, "generalfeedback", q["feedback"], html_format=True)
    ET.SubElement(node, "defaultgrade").text = f"{q['points']:g}"
    ET.SubElement(node, "penalty").text = "0"
    ET.SubElement(node, "hidden").text = "0"
    if kind == "numerical":
        e = q["entries"][0]
        answer = _text(node, "answer", number(e["value"]), fraction="100")
        ET.SubElement(answer, "tolerance").text = number(e["tolerance"])
        _text(answer, "feedback", "", html_format=True)
        ET.SubElement(node, "unitgradingtype").text = "0"
        ET.SubElement(node, "unitpenalty").text = "0"
        ET.SubElement(node, "showunits").text = "3"
        ET.SubElement(node, "unitsleft").text = "0"
    elif kind == "essay":
        ET.SubElement(node, "responseformat").text = "editor"
        ET.SubElement(node, "responserequired").text = "1"
        ET.SubElement(node, "responsefieldlines").text = "10"
        ET.SubElement(node, "attachments").text = "0"
        _text(node, "graderinfo", q["feedback"], html_format=True)
        _text(node, "responsetemplate", "", html_format=True)
    elif kind == "multichoice":
        right = [o for o in q["options"] if o["right"]]
        wrong = len(q["options"]) - len(right)
        ET.SubElement(node, "single").text = "true" if len(right) == 1 else "false"
        ET.SubElement(node, "shuffleanswers").text = "0"  # the options keep the sheet's order (and letters)
        ET.SubElement(node, "answernumbering").text = "abc"
        for o in q["options"]:
            fraction = 100 / len(right) if o["right"] else (0 if len(right) == 1 or not wrong else -100 / wrong)
            answer = _text(node, "answer", o["html"], html_format=True, fraction=f"{fraction:.5f}".rstrip("0").rstrip("."))
            _text(answer, "feedback", "", html_format=True)
    elif kind == "truefalse":
        truth = next(o["right"] for o in q["options"])  # the options are True, False in this order
        for word, right in (("true", truth), ("false", not truth)):
            answer = _text(node, "answer", word, fraction="100" if right else "0")
            _text(answer, "feedback", "", html_format=True)


def quiz(name: str, title: str, entries: list[dict]) -> bytes:
    root = ET.Element("quiz")
    for ref, variants in by_ref(entries).items():
        category = ET.SubElement(root, "question", type="category")
        _text(category, "category", f"$course$/{name}/{ref}")
        _text(category, "info", html.escape(f"{title}: {lang.WORDS['problem']} {ref}, one question per variant"),
              html_format=True)
        for entry, q in variants:
            question(root, name, q, entry)
    return document(root)
