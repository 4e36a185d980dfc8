r"""The language of the page: `language: en` (the default) or `language: ko`, one table per language.

A table is data, `answerkey/lang/CODE.yaml`, with three sections:

    rules:      rule name -> its wording (rules.py's wording layer; every rule of rules.english(), the
                placeholders kept exactly)
    words:      the fixed words of the templates (Verification, Name, ID, points, Answer, ...), by key;
                WORDS below is the English table and says which keys there are
    sentences:  the fixed sentences the tool writes (kinds' introductions and notes, the verification
                record): English text -> its translation. A {name} in the English text stands for any text
                (math, a number, a label), which the translation places where its own {name} stands.

English is the declared wording: the rules' own, WORDS, and each sentence as the tool writes it; there is
no en.yaml. The tool always computes in English (a Solution holds English sentences, answers.json and error
messages stay English); the page is put into the language when it is rendered (render.py), inside
`speaking(code)`: every rule is worded from the table's rules, and `say(text)` gives a sentence's
translation (or the English text, when the table lacks it; `missed()` lists those, for the tests).

Add a language: copy ko.yaml to CODE.yaml, translate its values (keep every {placeholder} and $math$), and
add CODE to LANGUAGES (and to schema.Top's `language` and the command line's --language choices).
"""
from __future__ import annotations

import contextlib
import functools
import re
import string
from pathlib import Path

import yaml

from .. import rules

LANGUAGES = ("en", "ko")
FOLDER = Path(__file__).resolve().parent

# The templates' fixed words, in English: the keys a table's `words:` may translate.
WORDS = {
    "verification": "Verification",
    "name": "Name",
    "id": "ID",
    "variant": "Variant",
    "answer": "Answer",
    "why": "Why",
    "solution": "Solution",
    "problem": "Problem",
    "variant_column": "variant",
    "seed": "seed",
    "code": "code",
    "student": "student",
    "points": "({points} points)",
    "point": "({points} point)",
    "answers_of_variants": "{title}: answers of {count} variants",
}

# Notes that state an assumption for the rest of their part start with one of these (readback.standing).
STANDING = ("Assume", "가정:")

_FORMAT = string.Formatter()
_WORDY = re.compile(r"[^\W\d_]")  # a letter (of any script)


@functools.lru_cache(maxsize=None)
def table(code: str) -> dict:
    """The table of a language: {"rules": {...}, "words": {...}, "sentences": {...}} (English: empty)."""
    if code not in LANGUAGES:
        raise ValueError(f"the language {code!r} is not one of {', '.join(LANGUAGES)}")
    if code == "en":
        return {"rules": {}, "words": {}, "sentences": {}}
    data = yaml.safe_load((FOLDER / f"{code}.yaml").read_text(encoding="utf-8")) or {}
    return {key: dict(data.get(key) or {}) for key in ("rules", "words", "sentences")}


def _names(text: str) -> list[str]:
    return [field for _, field, _, _ in _FORMAT.parse(text) if field is not None]


def problems(code: str) -> list[str]:
    """What is wrong with a language's table: its rules (rules.problems), words that are no key of WORDS or
    whose placeholders differ, sentences whose placeholders differ from their English text's."""
    t = table(code)
    found = list(rules.problems(t["rules"]))
    for key, text in t["words"].items():
        if key not in WORDS:
            found.append(f"words.{key}: there is no such word")
        elif set(_names(text)) != set(_names(WORDS[key])):
            found.append(f"words.{key}: the placeholders of {text!r} are not those of {WORDS[key]!r}")
    for english, text in t["sentences"].items():
        try:
            if set(_names(text)) != set(_names(english)):
                found.append(f"sentences: {english!r}: the placeholders of {text!r} differ")
        except ValueError as exc:
            found.append(f"sentences: {english!r}: {exc}")
    return found


@functools.lru_cache(maxsize=None)
def _patterns(code: str) -> tuple:
    """The sentences with placeholders as (regex, translation), the longest fixed text first."""
    out = []
    for english, text in table(code)["sentences"].items():
        pieces = list(_FORMAT.parse(english))
        if not any(field is not None for _, field, _, _ in pieces):
            continue
        regex = "".join(re.escape(before) + (f"(?P<{field}>.+?)" if field is not None else "")
                        for before, field, _, _ in pieces)
        fixed = sum(len(before) for before, _, _, _ in pieces)
        out.append((fixed, re.compile(regex + r"\Z", re.DOTALL), text))
    return tuple((regex, text) for _, regex, text in sorted(out, key=lambda item: -item[0]))


_active = "en"
_missed: set[str] = set()


def current() -> str:
    """The language in use ("en" outside `speaking`)."""
    return _active


@contextlib.contextmanager
def speaking(code: str | None):
    """Inside the block, rules are worded and `say` translates in the language `code` (None: English)."""
    global _active
    code = code or "en"
    t = table(code)
    previous, _active = _active, code
    try:  # English: the wordings in use stay (the declared ones, or a table put in place by rules.wordings)
        with rules.wordings(t["rules"]) if code != "en" else contextlib.nullcontext():
            yield
    finally:
        _active = previous


def say(text: str | None) -> str | None:
    """A fixed sentence of the tool in the language in use: its translation, or itself."""
    if not text or _active == "en" or not _WORDY.search(re.sub(r"\$[^$]*\$", "", text)):
        return text  # English, or no words outside its math: nothing to translate
    found = _translated(text)
    if found is not None:
        return found
    body, end = (text[:-1], ".") if text.endswith(".") else (text, "")
    if "; " in body:  # a sentence of clauses ("W: input size, ...; $x_i$: entry i of the input."), clause by clause
        clauses = body.split("; ")
        said = [_translated(c) for c in clauses]
        if any(c is not None for c in said):
            _missed.update(c for c, t in zip(clauses, said) if t is None)
            return "; ".join(t if t is not None else c for c, t in zip(clauses, said)) + end
    _missed.add(text)
    return text


def _translated(text: str) -> str | None:
    sentences = table(_active)["sentences"]
    if text in sentences:
        return sentences[text]
    for regex, translation in _patterns(_active):
        found = regex.match(text)
        if found:
            return translation.format_map(found.groupdict())
    return None


def missed() -> set[str]:
    """The sentences `say` found no translation for, since the last call (then forgotten)."""
    out = set(_missed)
    _missed.clear()
    return out


def words(code: str | None = None) -> dict:
    """The templates' fixed words in a language (default: the one in use), English where it lacks one."""
    return {**WORDS, **table(code or _active)["words"]}


def word(key: str, code: str | None = None, **values) -> str:
    """One fixed word, its placeholders filled."""
    return words(code)[key].format_map(values)


def of(thing) -> str:
    """The language a spec (or a problem, or a spec's document) is written in: its `language:`, else en."""
    doc = getattr(thing, "doc", thing)
    data = getattr(doc, "data", None)
    value = data.get("language") if isinstance(data, dict) else None
    return str(value) if value in LANGUAGES else "en"
