"""What an export says of one variant, made in the variant's worker from its spec and solutions, as plain
data (workers may be other processes: parallel.run_all): per problem part, its question (statement as
HTML with MathJax math, its figure as a PNG), its answers as answers.json records them (outputs.
answer_record) with a tolerance for numbers, and the key's worked solution as feedback.

    {"variant", "seed", "code", "student_id", "student_name",
     "questions": [{"ref", "label", "points", "type", "statement", "after", "image", "entries", "options",
                    "feedback"}],
     "gradescope": the Gradescope sheet's PDF (bytes) or None}

`type`: numerical (one number), cloze (several numbers), essay (symbolic answers), multichoice (kind
choice), truefalse (kind true_false)."""
from __future__ import annotations

from .. import lang, outputs, render
from .latexhtml import html_of, inline_html, math_html

CHOICE_KINDS = {"choice": "multichoice", "true_false": "truefalse"}


def numbers(label: str, record: dict) -> list[dict]:
    """The numeric entries of an answer: a scalar is one, a vector or matrix one per entry (label[i],
    label[i,j], counted from 1 as in the key), each with its absolute tolerance as answers.json records it
    (the problem's tolerance:, whole numbers exact: outputs.tolerance, of the same shape as the value); []
    when the answer is not numeric."""
    value = record.get("value")
    if value is None:
        return []

    def entries(v, index, tol):
        if isinstance(v, list):
            out = []
            for i, item in enumerate(v):
                out += entries(item, index + (i + 1,), tol[i])
            return out
        name = label + (f"[{','.join(map(str, index))}]" if index else "")
        return [{"label": name, "value": v, "tolerance": float(tol)}]

    return entries(value, (), record["tolerance"])


def by_ref(entries: list[dict]) -> dict[str, list[tuple[dict, dict]]]:
    """Every variant's question of each problem part, {ref: [(entry, question)]}, the parts in the order
    they first appear and the variants in the entries' order."""
    out: dict[str, list[tuple[dict, dict]]] = {}
    for entry in entries:
        for q in entry["questions"]:
            out.setdefault(q["ref"], []).append((entry, q))
    return out


def question(spec, problem, solution, view: dict, image: tuple | None) -> dict:
    """The export's question for one problem part: plain data."""
    records = {label: outputs.answer_record(a, problem.tolerance) for label, a in solution.answers.items()}
    entries = [e for label, r in records.items() for e in numbers(label, r)]
    all_numeric = records and all(r.get("value") is not None for r in records.values())
    kind = CHOICE_KINDS.get(problem.kind.name) or \
        (("numerical" if len(entries) == 1 else "cloze") if all_numeric else "essay")
    statement = "".join(html_of(t) for t in (view.get("group_statement"), view.get("statement")) if t)
    after = html_of(view["claim"]) if view.get("claim") else ""
    options = []
    if kind in ("multichoice", "truefalse"):
        options = [{"html": inline_html(lang.say(str(o["text"]))), "right": bool(o["right"])}
                   for o in solution.data.get("options") or []]
    points = problem.points if problem.points is not None else \
        (problem.group.points / problem.group.count if problem.group and problem.group.points else 1)
    return {"ref": problem.ref, "label": problem.label, "points": float(points), "type": kind,
            "statement": statement, "after": after, "image": image,
            "entries": entries, "options": options, "feedback": worked_solution(problem, solution, records)}


def worked_solution(problem, solution, records: dict) -> str:
    """The key's worked solution as HTML: each part's lines (aligned, as the key prints them), each with its
    rule note, then the answers (and a choice's or claim's reason)."""
    out = []
    for p, part in enumerate(solution.parts):
        if part.label:
            out.append(f"<p><b>{problem.ref}.{part.label})</b></p>")
        if part.intro:
            out.append(f"<p>{inline_html(lang.say(part.intro))}</p>")
        for i, line in enumerate(part.lines):
            shown = render.line_view(line, f"{p}.{i}")
            if shown["note"]:
                out.append(f"<p>{inline_html(str(shown['note']))}</p>")
            rule = f' <span style="color:gray;font-size:small">({inline_html(str(shown["rule"]))})</span>' \
                if shown["rule"] else ""
            out.append(f"<p>{math_html(str(shown['math']), True)}{rule}</p>")
    for key in ("reason", "why"):
        if solution.data.get(key):
            out.append(html_of(str(solution.data[key])))
    for option in solution.data.get("options") or []:
        if option.get("why"):
            out.append(f"<p>{inline_html(str(option['label']))} {inline_html(str(option['why']))}</p>")
    word = lang.word("answer")
    out.append("<p>" + "<br>".join(f"{word}{'' if label == 'answer' else ' ' + label}: {math_html(r['latex'], False)}"
                                   for label, r in records.items()) + "</p>")
    return "".join(out)
