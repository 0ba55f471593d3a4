"""docs/safety.md is the rules table of routines/safety.py, in words."""

from pathlib import Path

import pytest

from routines.__main__ import main
from routines.safety import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "safety.md"


def _rendered(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["safety"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_docs_safety_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    """Regenerate with: .venv/bin/python -m routines safety > docs/safety.md"""
    assert DOC.read_text(encoding="utf-8") == _rendered(capsys)


def test_every_row_is_in_the_doc_with_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    text = _rendered(capsys)
    for number, rule in enumerate(RULES, 1):
        section = text.split(f"### {number}. {rule.rule} (`{rule.reason.value}`)")[1]
        section = section.split("\n### ")[0]
        assert f"**Source:** {rule.source}." in section
        assert f"**When:** {rule.trigger}." in section
