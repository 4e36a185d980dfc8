"""QTI 1.2 in Canvas's flavour (--export qti): NAME.qti.zip, for Canvas's "Import existing content" (QTI .zip).

    imsmanifest.xml                      the package: the assessment, its Canvas settings, the figures
    QUIZ/QUIZ.xml                        the assessment: a question group (section, selection_number 1)
                                         per problem part, one item per variant, so each student draws one
    QUIZ/assessment_meta.xml             Canvas's quiz settings
    web_resources/Uploaded Media/*.png   the figures, referenced as $IMS-CC-FILEBASE$/Uploaded%20Media/...

Item types (Canvas's question_type): one number, numerical_question (exact answer with a margin: the
tolerance); several whole numbers answered exactly (tolerance 0), one fill_in_multiple_blanks_question
(one item, so the numbers all come from the student's variant); several numbers with a margin, one
numerical_question per number, each in its own group and each with the whole statement (Canvas's classic
quizzes have no item with several numeric blanks); symbolic answers, essay_question; choice,
multiple_choice_question (multiple_answers_question when several are right); true_false,
true_false_question. Every item carries the worked solution as its general feedback."""
from __future__ import annotations

import hashlib
import html
import io
import xml.etree.ElementTree as ET
import zipfile

from .items import by_ref
from .moodle import document, number

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MEDIA = "web_resources/Uploaded Media"


def ident(*parts) -> str:
    """A stable identifier (Canvas wants them unique in the package): g + 32 hex digits."""
    return "g" + hashlib.sha256("/".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]


def _meta(item, **fields) -> None:
    meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = str(entry)


def _mattext(parent, text: str, texttype: str = "text/html"):
    node = ET.SubElement(ET.SubElement(parent, "material"), "mattext", texttype=texttype)
    node.text = text
    return node


def _body(q: dict) -> str:
    img = f'<p><img src="$IMS-CC-FILEBASE$/Uploaded%20Media/{html.escape(q["image"][0])}" alt="figure"></p>' \
        if q["image"] else ""
    return q["statement"] + img + q["after"]


def _score(proc, condition_builder, value: str = "100", action: str = "Set", cont: str = "No"):
    cond = ET.SubElement(proc, "respcondition", attrib={"continue": cont})
    condition_builder(ET.SubElement(cond, "conditionvar"))
    ET.SubElement(cond, "setvar", varname="SCORE", action=action).text = value
    return cond


def _feedback(item, proc, q: dict) -> None:
    cond = ET.SubElement(proc, "respcondition", attrib={"continue": "Yes"})
    ET.SubElement(ET.SubElement(cond, "conditionvar"), "other")
    ET.SubElement(cond, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    fb = ET.SubElement(item, "itemfeedback", ident="general_fb")
    _mattext(ET.SubElement(fb, "flow_mat"), q["feedback"])


def _start(section, q: dict, entry: dict, qtype: str, key: str, title_suffix: str = ""):
    item = ET.SubElement(section, "item", ident=ident(key, entry["variant"]),
                         title=f"{q['ref']}{title_suffix} v{entry['variant']}" + (f" [{entry['code']}]" if entry["code"] else ""))
    _meta(item, question_type=qtype, points_possible=f"{q['points']:g}")
    presentation = ET.SubElement(item, "presentation")
    return item, presentation


def _outcomes(item):
    proc = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
                  vartype="Decimal")
    return proc


def numerical(section, q: dict, e: dict, entry: dict, key: str, prompt: str = "") -> None:
    item, presentation = _start(section, q, entry, "numerical_question", key,
                                f" {e['label']}" if prompt else "")
    _mattext(presentation, _body(q) + prompt)
    resp = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(ET.SubElement(resp, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    proc = _outcomes(item)
    value, margin = e["value"], e["tolerance"]

    def exact_or_margin(var):
        either = ET.SubElement(var, "or")
        ET.SubElement(either, "varequal", respident="response1").text = number(value)
        both = ET.SubElement(either, "and")
        ET.SubElement(both, "vargte", respident="response1").text = _bound(value - margin)
        ET.SubElement(both, "varlte", respident="response1").text = _bound(value + margin)
    _score(proc, exact_or_margin)
    _feedback(item, proc, q)


def _bound(x: float) -> str:
    """A bound of the margin, without the float's noise (3041.28, not 3041.2799999999997)."""
    return number(float(f"{x:.12g}"))


def blanks(section, q: dict, entry: dict, key: str) -> None:
    """Several whole numbers, each exact: one fill_in_multiple_blanks_question, a [blank] per number."""
    item, presentation = _start(section, q, entry, "fill_in_multiple_blanks_question", key)
    names = [f"b{i + 1}" for i in range(len(q["entries"]))]
    prompt = "<p>" + "<br>".join(f"<b>{html.escape(e['label'])}</b>: [{n}]" for e, n in zip(q["entries"], names)) + "</p>"
    _mattext(presentation, _body(q) + prompt)
    proc = _outcomes(item)
    share = f"{100 / len(names):.2f}"
    for e, name in zip(q["entries"], names):
        resp = ET.SubElement(presentation, "response_lid", ident=f"response_{name}")
        _mattext(resp, name, "text/plain")
        label = ET.SubElement(ET.SubElement(resp, "render_choice"), "response_label", ident=ident(key, entry["variant"], name))
        _mattext(label, number(e["value"]), "text/plain")
        _score(proc, lambda var, name=name, label=label: _equal(var, f"response_{name}", label.get("ident")),
               share, "Add", "Yes")
    _feedback(item, proc, q)


def _equal(var, respident: str, text: str):
    ET.SubElement(var, "varequal", respident=respident).text = text


def essay(section, q: dict, entry: dict, key: str) -> None:
    item, presentation = _start(section, q, entry, "essay_question", key)
    _mattext(presentation, _body(q))
    resp = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(ET.SubElement(resp, "render_fib"), "response_label", ident="answer1", rshuffle="No")
    proc = _outcomes(item)
    _feedback(item, proc, q)


def choice(section, q: dict, entry: dict, key: str) -> None:
    right = [o for o in q["options"] if o["right"]]
    qtype = "true_false_question" if q["type"] == "truefalse" else \
        "multiple_answers_question" if len(right) > 1 else "multiple_choice_question"
    item, presentation = _start(section, q, entry, qtype, key)
    _mattext(presentation, _body(q))
    resp = ET.SubElement(presentation, "response_lid", ident="response1",
                         rcardinality="Multiple" if len(right) > 1 else "Single")
    render = ET.SubElement(resp, "render_choice")
    ids = []
    for i, o in enumerate(q["options"]):
        ids.append(ident(key, entry["variant"], "option", i))
        _mattext(ET.SubElement(render, "response_label", ident=ids[-1]), o["html"])
    proc = _outcomes(item)

    def right_ones(var):
        both = ET.SubElement(var, "and") if len(right) > 1 else var
        for i, o in enumerate(q["options"]):
            if o["right"]:
                _equal(both, "response1", ids[i])
            elif len(right) > 1:
                _equal(ET.SubElement(both, "not"), "response1", ids[i])
    _score(proc, right_ones)
    _feedback(item, proc, q)


def _group(parent, key: str, title: str, points: float):
    section = ET.SubElement(parent, "section", ident=ident(key), title=title)
    selection = ET.SubElement(ET.SubElement(section, "selection_ordering"), "selection")
    ET.SubElement(selection, "selection_number").text = "1"
    ET.SubElement(ET.SubElement(selection, "selection_extension"), "points_per_item").text = f"{points:g}"
    return section


def assessment(name: str, title: str, entries: list[dict], quiz_id: str) -> bytes:
    root = ET.Element("questestinterop", xmlns=QTI)
    test = ET.SubElement(root, "assessment", ident=quiz_id, title=title)
    meta = ET.SubElement(test, "qtimetadata")
    field = ET.SubElement(meta, "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = "cc_maxattempts"
    ET.SubElement(field, "fieldentry").text = "1"
    top = ET.SubElement(test, "section", ident="root_section")
    for ref, variants in by_ref(entries).items():
        first = variants[0][1]
        key = f"{name}/{ref}"
        if first["type"] == "cloze" and not all(isinstance(e["value"], int) and e["tolerance"] == 0
                                                for _, q in variants for e in q["entries"]):
            # a group per number (Canvas has no numeric blanks), by its label: a shape that a draw changes
            # (a pooling's stride) gives the variants different entries, each asked in its own label's group
            labels: list[str] = []
            for _, q in variants:
                labels += [e["label"] for e in q["entries"] if e["label"] not in labels]
            for label in labels:
                group = _group(top, f"{key}/{label}", f"{title}: {ref} {label}", first["points"] / len(labels))
                for entry, q in variants:
                    for mine in (e for e in q["entries"] if e["label"] == label):
                        numerical(group, q, mine, entry, f"{key}/{label}", f"<p><b>{html.escape(label)}</b>:</p>")
            continue
        group = _group(top, key, f"{title}: {ref}", first["points"])
        for entry, q in variants:
            if q["type"] == "numerical":
                numerical(group, q, q["entries"][0], entry, key)
            elif q["type"] == "cloze":
                blanks(group, q, entry, key)
            elif q["type"] == "essay":
                essay(group, q, entry, key)
            else:
                choice(group, q, entry, key)
    return document(root)


def _quiz_meta(title: str, quiz_id: str, points: float) -> bytes:
    ns = "http://canvas.instructure.com/xsd/cccv1p0"
    root = ET.Element("quiz", identifier=quiz_id, xmlns=ns)
    for tag, text in (("title", title), ("description", ""), ("shuffle_answers", "false"),
                      ("scoring_policy", "keep_highest"), ("quiz_type", "assignment"),
                      ("points_possible", f"{points:g}"), ("show_correct_answers", "true"),
                      ("allowed_attempts", "1"), ("available", "false")):
        ET.SubElement(root, tag).text = text
    return document(root)


def _manifest(title: str, quiz_id: str, images: list[str]) -> bytes:
    ns = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
    root = ET.Element("manifest", identifier=ident("manifest", quiz_id), xmlns=ns)
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    quiz = ET.SubElement(resources, "resource", identifier=quiz_id, type="imsqti_xmlv1p2")
    ET.SubElement(quiz, "file", href=f"{quiz_id}/{quiz_id}.xml")
    ET.SubElement(quiz, "dependency", identifierref=f"{quiz_id}_meta")
    meta = ET.SubElement(resources, "resource", identifier=f"{quiz_id}_meta",
                         type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                         href=f"{quiz_id}/assessment_meta.xml")
    ET.SubElement(meta, "file", href=f"{quiz_id}/assessment_meta.xml")
    for n, image in enumerate(images):
        res = ET.SubElement(resources, "resource", identifier=ident("image", quiz_id, n), type="webcontent",
                            href=f"{MEDIA}/{image}")
        ET.SubElement(res, "file", href=f"{MEDIA}/{image}")
    return document(root)


def package(name: str, title: str, entries: list[dict]) -> bytes:
    quiz_id = ident("quiz", name)
    images = {q["image"][0]: q["image"][1] for entry in entries for q in entry["questions"] if q["image"]}
    points = sum(q["points"] for q in (entries[0]["questions"] if entries else []))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        def add(path, data):  # a fixed date: the same run gives the same bytes
            z.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        add("imsmanifest.xml", _manifest(title, quiz_id, list(images)))
        add(f"{quiz_id}/{quiz_id}.xml", assessment(name, title, entries, quiz_id))
        add(f"{quiz_id}/assessment_meta.xml", _quiz_meta(title, quiz_id, points))
        for image, data in images.items():
            add(f"{MEDIA}/{image}", data)
    return buffer.getvalue()
