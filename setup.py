"""Packaging (the metadata is in pyproject.toml): every package under answerkey/ -- each kind's folder is
one, found without a list here -- and the top-level templates/ folder shipped inside the package as
answerkey/templates (its layouts' folders, templates/exam/, with it), with each kind's template, example and test
data."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["answerkey", "answerkey.*"]) + ["answerkey.templates", "answerkey.templates.exam"],
    package_dir={"answerkey.templates": "templates", "answerkey.templates.exam": "templates/exam"},
    package_data={"": ["*.tex", "*.yaml", "*.lark", "*.json"]},
)
