"""The review command: python -m routines list / show / programme."""

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from routines.__main__ import main
from routines.model import FLOOR_POSITIONS, default_catalog
from routines.plan import PainSide, build_session, works_off_floor
from tests.support import REPO

CARD = re.compile(
    r"^(?P<number>\d+)\. (?P<name>.+?) \| (?P<side>no side|left side|right side) \| "
    r"(?P<position>\w+) \| (?P<dose>.+?) \| ready (?P<ready>[\d.]+) s \((?P<ready_for>\w+)\) \| "
    r"(?P<seconds>\d+) s$",
    re.MULTILINE,
)
TOTAL = re.compile(
    r"^Total: (?P<work>\d+) s of exercise, (?P<total>\d+) s in all with the pauses "
    r"\(.+, about (?P<minutes>\d+) min in all\)$",
    re.MULTILINE,
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def show_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, "show", *argv, "--json")
    assert (code, err) == (0, "")
    data: dict[str, Any] = json.loads(out)
    return data


def test_list_shows_five_routines_with_the_minutes_of_every_level(
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
        on_floor = line.split("; off the floor: ")[0]
        for n in range(1, routine.top_level + 1):
            # The bot's minutes: the plan of the person's level, pauses included.
            assert f"L{n} {build_session(routine, n, PainSide.BOTH).minutes} min" in on_floor


def test_list_gives_off_floor_minutes_where_a_routine_has_an_alternative(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "list")
    for line, routine in zip(out.strip().splitlines(), default_catalog(), strict=True):
        on_floor = any(p in FLOOR_POSITIONS for p in routine.positions)
        assert ("; off the floor: " in line) is on_floor, routine.id
        if on_floor and not works_off_floor(routine):
            assert line.endswith("; off the floor: not offered (mostly floor work)")
        elif on_floor:
            off = line.split("; off the floor: ")[1]
            minutes = build_session(routine, 1, PainSide.BOTH, floor=False).minutes
            assert off.startswith(f"L1 {minutes} min")


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


def test_show_defaults_to_the_top_level_both_sides_on_the_floor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    routine = default_catalog().get("seated_hamstring_progression")
    plan = build_session(routine, routine.top_level, PainSide.BOTH)
    code, out, _ = run(capsys, "show", routine.id)
    assert code == 0
    assert (
        f"Level {routine.top_level} of {routine.top_level}, painful side: both, on the floor, "
        f"{len(plan.steps)} cards" in out
    )
    cards = CARD.findall(out)
    assert len(cards) == len(plan.steps)
    assert "Caution: The strongest stretch of the set." in out
    assert "Nerve tension: we check in with you after this step." in out


def test_show_lists_each_card_with_position_dose_pause_and_seconds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    routine = default_catalog().get("runner_cooldown_sciatica")
    plan = build_session(routine, 1, PainSide.LEFT)
    _, out, _ = run(capsys, "show", routine.id, "--level", "1", "--side", "left")
    cards = [m.groupdict() for m in CARD.finditer(out)]
    assert [c["name"] for c in cards] == [s.name for s in plan.steps]
    assert [c["position"] for c in cards] == [s.position for s in plan.steps]
    assert [float(c["ready"]) for c in cards] == [s.ready for s in plan.steps]
    assert [c["ready_for"] for c in cards] == [str(s.ready_for) for s in plan.steps]
    assert [int(c["seconds"]) for c in cards] == [s.seconds for s in plan.steps]
    # The painful side first; the seed's count and its three alternating turns on the card.
    sided = [c for c in cards if c["side"] != "no side"]
    assert sided[0]["side"] == "left side"
    assert sided[0]["dose"].startswith("count to 20, 1 of 3")
    assert "Full back curl" not in "".join(c["name"] for c in cards)


def test_show_describes_reps_cycles_and_sets(capsys: pytest.CaptureFixture[str]) -> None:
    routine = default_catalog().get("after_run_back_relief")
    _, out, _ = run(capsys, "show", routine.id)
    doses = {m["name"]: m["dose"] for m in CARD.finditer(out)}
    top = routine.top_level
    cat_cow, tilt = routine.dose(top, "cat_cow"), routine.dose(top, "pelvic_tilt")
    assert doses["Cat-cow"] == f"{cat_cow.times} cycles of {cat_cow.cycle} s"
    assert doses["Pelvic tilt"].startswith(f"{tilt.times} reps: tilt, breathe out 3 s · hold")
    assert doses["Pelvic tilt"].endswith(f"set {tilt.sets} of {tilt.sets}")


def test_show_off_the_floor_swaps_in_the_alternative(capsys: pytest.CaptureFixture[str]) -> None:
    _, on_floor, _ = run(capsys, "show", "runner_cooldown_sciatica", "--floor")
    _, off_floor, _ = run(capsys, "show", "runner_cooldown_sciatica", "--no-floor")
    on_names = {m["name"] for m in CARD.finditer(on_floor)}
    off_names = {m["name"] for m in CARD.finditer(off_floor)}
    assert "Lying thigh stretch" in on_names and "Wall thigh stretch" not in on_names
    assert "Wall thigh stretch" in off_names and "Lying thigh stretch" not in off_names
    assert "off the floor" in off_floor.splitlines()[1]


def test_show_prints_the_left_out_exercises_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    for routine in default_catalog():
        _, out, _ = run(capsys, "show", routine.id, "--level", "1")
        for item in routine.left_out:
            assert f"- {item.name}: {item.reason}" in out, item.id
        assert ("Left out of this routine:" in out) is bool(routine.left_out)
    assert any(
        item.id == "full_back_curl"
        for item in default_catalog().get("runner_cooldown_sciatica").left_out
    )


def test_show_prints_every_step_of_every_routine_with_its_cue(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for routine in default_catalog():
        for floor in ("--floor", "--no-floor") if works_off_floor(routine) else ("--floor",):
            code, out, _ = run(capsys, "show", routine.id, floor)
            assert code == 0
            shown = {m["name"] for m in CARD.finditer(out)}
            for step_id in routine.level(routine.top_level).steps:
                step = routine.steps[step_id]
                if floor == "--no-floor" and step.off_floor:
                    step = routine.steps[step.off_floor]
                if floor == "--no-floor" and step.position in FLOOR_POSITIONS:
                    assert step.name not in shown, step.id
                    continue
                assert step.name in shown, step.id
                assert step.cue in out, step.id


@pytest.mark.parametrize(
    ("routine_id", "level", "side", "floor"),
    [
        (routine.id, level, side, floor)
        for routine in default_catalog()
        for level in (1, routine.top_level)
        for side in ("left", "both")
        for floor in (("--floor", "--no-floor") if works_off_floor(routine) else ("--floor",))
    ],
)
def test_json_matches_the_human_output(
    capsys: pytest.CaptureFixture[str], routine_id: str, level: int, side: str, floor: str
) -> None:
    argv = (routine_id, "--level", str(level), "--side", side, floor)
    _, human, _ = run(capsys, "show", *argv)
    data = show_json(capsys, *argv)
    cards = [m.groupdict() for m in CARD.finditer(human)]
    assert len(cards) == len(data["steps"]) > 0
    for card, step in zip(cards, data["steps"], strict=True):
        side_text = "no side" if step["side"] is None else f"{step['side']} side"
        assert (int(card["number"]), card["name"], card["side"], card["position"]) == (
            step["number"],
            step["name"],
            side_text,
            step["position"],
        )
        assert float(card["ready"]) == step["ready_seconds"]
        assert card["ready_for"] == step["ready_for"]
        assert int(card["seconds"]) == step["seconds"]
    total = TOTAL.search(human)
    assert total is not None
    assert int(total["work"]) == data["work_seconds"] == sum(s["seconds"] for s in data["steps"])
    assert int(total["total"]) == data["total_seconds"]
    assert int(total["minutes"]) == data["minutes"]
    assert data["level"] == level and data["side"] == side and data["floor"] is (floor == "--floor")


def test_json_carries_each_steps_dose_and_the_sessions_totals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    routine = default_catalog().get("gentle_sciatica_set")
    top = routine.top_level
    plan = build_session(routine, top, PainSide.LEFT)
    data = show_json(capsys, routine.id, "--side", "left")
    assert (data["work_seconds"], data["total_seconds"]) == (plan.work_seconds, plan.total_seconds)
    by_id = {step["id"]: step for step in data["steps"]}
    bridge, knee = by_id["glute_bridge"]["dose"], by_id["knee_to_chest"]["dose"]
    bridge_dose, knee_dose = routine.dose(top, "glute_bridge"), routine.dose(top, "knee_to_chest")
    assert bridge["kind"] == "tempo" and bridge["reps"] == bridge_dose.times
    assert bridge["tempo"] == [p.model_dump() for p in bridge_dose.tempo or ()]
    assert (bridge["sets"], bridge["set_rest"]) == (bridge_dose.sets, bridge_dose.set_rest)
    assert knee["kind"] == "hold" and knee["hold"] == knee_dose.hold
    assert (knee["times"], knee["rest"], knee["reps"]) == (knee_dose.times, knee_dose.rest, None)
    assert knee["source"] == knee_dose.source
    for step in data["steps"]:
        assert set(step) >= {"id", "name", "side", "position", "dose", "seconds", "ready_seconds"}


def test_json_gives_cycles_for_cat_cow(capsys: pytest.CaptureFixture[str]) -> None:
    data = show_json(capsys, "after_run_back_relief", "--level", "1")
    cat_cow = next(step for step in data["steps"] if step["id"] == "cat_cow")
    dose = default_catalog().get("after_run_back_relief").dose(1, "cat_cow")
    assert (cat_cow["dose"]["cycles"], cat_cow["dose"]["cycle_seconds"]) == (dose.times, dose.cycle)
    assert cat_cow["seconds"] == dose.times * (dose.cycle or 0)


def test_programme_prints_markdown_for_every_routine(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "programme")
    assert (code, err) == (0, "")
    assert out.startswith("# ")
    for routine in default_catalog():
        assert f"## {routine.title} (`{routine.id}`)" in out


def test_unknown_routine_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "no_such_routine")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "no_such_routine" in err


def test_level_out_of_range_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    routine = default_catalog().get("after_run_back_relief")
    code, out, err = run(capsys, "show", routine.id, "--level", str(routine.top_level + 1))
    assert code == 2
    assert out == ""
    assert f"levels 1 to {routine.top_level}" in err


def test_bad_side_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["show", "after_run_back_relief", "--side", "middle"])
    assert caught.value.code == 2
    assert "middle" in capsys.readouterr().err


def test_a_floor_routine_is_not_shown_off_the_floor(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "after_run_back_relief", "--no-floor")
    assert code == 2 and not out
    assert "not offered off the floor" in err


def test_figures_writes_one_routines_pictures_and_a_sheet(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    from routines.figures import figures

    routine = "seated_hamstring_progression"
    sheet = tmp_path / "sheet.png"
    assert (
        main(
            ["figures", "--out", str(tmp_path / "out"), "--sheet", str(sheet), "--routine", routine]
        )
        == 0
    )
    written = sorted(p.name for p in (tmp_path / "out").glob("*.png"))
    expected = sorted(
        [f.name for f in figures(default_catalog(), routine)] + [f"{routine}--preview.png"]
    )
    assert written == expected
    with Image.open(sheet) as image:
        assert image.width >= 1000 and image.height >= 200
    assert f"{len(expected)} pictures" in capsys.readouterr().out


def test_figures_needs_somewhere_to_write(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["figures"]) == 2
    assert "--out" in capsys.readouterr().err
