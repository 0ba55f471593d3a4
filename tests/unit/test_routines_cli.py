"""The review command: python -m routines list / show."""

import subprocess
import sys

import pytest

from routines.__main__ import main
from routines.model import default_catalog
from tests.support import REPO


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_five_routines_with_source_levels_and_minutes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "list")
    assert (code, err) == (0, "")
    lines = out.strip().splitlines()
    assert len(lines) == 5
    for line, routine in zip(lines, default_catalog(), strict=True):
        assert line.startswith(routine.id + " ")
        assert routine.title in line
        assert routine.source in line
        assert f"{routine.top_level} levels" in line
        assert f"L{routine.top_level} {routine.minutes(routine.top_level)} min" in line


def test_module_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "routines", "list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 5


def test_show_defaults_to_the_top_level_and_both_sides(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "seated_hamstring_progression")
    assert code == 0
    assert "Level 3 of 3, painful side: both, 16 steps" in out
    assert "1. Sit with your back supported | left side | hold 10 s" in out
    assert "16. Slump | right side | hold 30 s" in out
    assert "Caution: The strongest stretch of the set." in out
    assert "Nerve tension: we check in with you after this step." in out


def test_show_puts_the_chosen_painful_side_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "runner_cooldown_sciatica", "--level", "1", "--side", "left")
    assert code == 0
    assert "1. Lying thigh stretch | left side | count to 20, rep 1 of 3" in out
    assert "2. Lying thigh stretch | right side | count to 20, rep 1 of 3" in out
    assert "Full back curl" not in out


def test_show_prints_every_step_of_every_routine_with_its_cue(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for routine in default_catalog():
        code, out, _ = run(capsys, "show", routine.id)
        assert code == 0
        for step in routine.steps.values():
            assert f". {step.name} | " in out, step.id
            assert step.cue in out, step.id


def test_unknown_routine_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "no_such_routine")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "no_such_routine" in err


def test_level_out_of_range_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "after_run_back_relief", "--level", "3")
    assert code == 2
    assert out == ""
    assert "levels 1 to 2" in err


def test_bad_side_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["show", "after_run_back_relief", "--side", "middle"])
    assert caught.value.code == 2
    assert "middle" in capsys.readouterr().err
