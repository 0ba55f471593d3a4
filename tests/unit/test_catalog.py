"""Loading the routine catalog, and refusing each kind of bad data with a precise message."""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from routines.__main__ import REFERENCES
from routines.model import (
    CatalogError,
    Dose,
    DoseKind,
    Routine,
    Step,
    default_catalog,
    load_catalog,
)
from routines.plan import PainSide, build_session

Data = dict[str, Any]

CATALOG_IDS = {
    "seated_couch_sciatica",
    "gentle_sciatica_set",
    "seated_hamstring_progression",
    "after_run_back_relief",
    "runner_cooldown_sciatica",
}

TEMPO = [
    {"move": "lift", "seconds": 2},
    {"move": "hold", "seconds": 3},
    {"move": "lower", "seconds": 2},
]


def valid_routine(routine_id: str = "demo") -> Data:
    return {
        "id": routine_id,
        "title": "Demo routine",
        "summary": "A small routine for tests.",
        "source": "000_demo.txt",
        "equipment": ["floor", "wall"],
        "cadence_min": 3,
        "cadence_max": 4,
        "cadence_text": "Three or four times a week.",
        "cadence_source": "ours",
        "not_for_question": "Do your legs always feel tight?",
        "steps": [
            {
                "id": "hug",
                "name": "Knee hug",
                "cue": "Hug both knees.",
                "position": "back",
                "sides": "center",
                "nerve_tension": False,
                "dose": {"hold": 20, "times": 2, "rest": 10, "source": "ACSM"},
            },
            {
                "id": "bridge",
                "name": "Bridge",
                "cue": "Lift your hips.",
                "position": "back",
                "sides": "center",
                "nerve_tension": False,
                "dose": {"tempo": TEMPO, "times": 5, "source": "NHS inform"},
            },
            {
                "id": "cross",
                "name": "Cross-over",
                "cue": "Let the knee drop across.",
                "position": "back",
                "sides": "alternating",
                "nerve_tension": False,
                "off_floor": "wall_cross",
                "dose": {"count": 20, "times": 3, "source": "seed"},
            },
            {
                "id": "wall_cross",
                "name": "Wall cross-over",
                "cue": "Draw the knee across at the wall.",
                "position": "standing",
                "sides": "alternating",
                "nerve_tension": False,
                "dose": {"count": 20, "times": 3, "source": "seed"},
            },
            {
                "id": "catcow",
                "name": "Cat-cow",
                "cue": "Arch and round with the breath.",
                "position": "kneeling",
                "sides": "center",
                "nerve_tension": False,
                "dose": {"cycle": 10, "times": 8, "source": "ours"},
            },
            {
                "id": "reach",
                "name": "Reach",
                "cue": "Reach for your toes.",
                "caution": "Stop if it tingles.",
                "position": "sitting",
                "sides": "both",
                "nerve_tension": True,
                "dose": {"hold": 20, "source": "seed"},
            },
        ],
        "levels": [
            {"number": 1, "steps": ["hug", "bridge", "cross"]},
            {
                "number": 2,
                "steps": ["hug", "bridge", "cross"],
                "doses": {"hug": {"hold": 30, "times": 2, "rest": 10, "source": "ACSM"}},
            },
            {"number": 3, "steps": ["catcow", "hug", "bridge", "cross", "reach"]},
        ],
        "left_out": [
            {"id": "plough", "name": "Plough", "reason": "It loads the neck.", "source": "yoga"}
        ],
    }


def to_toml(data: Data) -> str:
    """Just enough TOML for these tests: scalars, arrays, inline tables, arrays of tables."""
    lines: list[str] = []
    tables: list[tuple[str, list[Data]]] = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, items in tables:
        for item in items:
            lines.append(f"\n[[{key}]]")
            lines.extend(
                f"{name} = {_toml_value(value)}"
                for name, value in item.items()
                if value is not None
            )
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # JSON's escapes (\", \\, \n, \u0007) are all valid in a TOML basic string.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(
            f"{key} = {_toml_value(item)}" for key, item in value.items() if item is not None
        )
        return "{" + pairs + "}"
    raise TypeError(value)


def write(folder: Path, data: Data, name: str | None = None) -> Path:
    path = folder / f"{name or data['id']}.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return path


def step(data: Data, step_id: str) -> Data:
    found: Data = next(item for item in data["steps"] if item["id"] == step_id)
    return found


# --- the shipped catalog ---------------------------------------------------------------------


def test_shipped_catalog_has_one_routine_per_seed() -> None:
    catalog = load_catalog()
    assert set(catalog.routines) == CATALOG_IDS
    assert len(catalog) == 5
    assert sorted(routine.source[:3] for routine in catalog) == ["000", "001", "002", "003", "004"]


def test_shipped_catalog_is_ordered_by_file_name() -> None:
    assert list(load_catalog().routines) == sorted(CATALOG_IDS)


def test_default_catalog_is_loaded_once() -> None:
    assert default_catalog() is default_catalog()
    assert set(default_catalog().routines) == CATALOG_IDS


def test_every_shipped_routine_has_a_cadence_and_levels_that_grow() -> None:
    for routine in load_catalog():
        assert routine.cadence_min is not None and routine.cadence_max is not None
        assert routine.top_level >= 2, routine.id
        first = build_session(routine, 1, PainSide.BOTH)
        top = build_session(routine, routine.top_level, PainSide.BOTH)
        assert first.minutes < top.minutes, routine.id


def test_every_shipped_dose_names_where_its_numbers_come_from() -> None:
    """Each source is the seed, ours, or guidance that docs/programme.md lists in full."""
    cited = ("seed", "ours", *(name for name, _ in REFERENCES))
    for routine in load_catalog():
        doses = [(s.id, s.dose) for s in routine.steps.values()]
        doses += [(i, d) for level in routine.levels for i, d in level.doses.items()]
        for step_id, dose in doses:
            assert any(name in dose.source for name in cited), (routine.id, step_id, dose.source)
        for item in routine.left_out:
            assert any(name in item.source for name in cited), (routine.id, item.id)


# --- loading good data -----------------------------------------------------------------------


def test_loads_a_valid_file(tmp_path: Path) -> None:
    write(tmp_path, valid_routine())
    routine = load_catalog(tmp_path).get("demo")
    assert list(routine.steps) == ["hug", "bridge", "cross", "wall_cross", "catcow", "reach"]
    assert routine.top_level == 3
    assert routine.steps["bridge"].dose.tempo is not None
    assert [phase.seconds for phase in routine.steps["bridge"].dose.tempo] == [2, 3, 2]
    assert routine.steps["cross"].off_floor == "wall_cross"
    assert routine.not_for_question == "Do your legs always feel tight?"
    assert [item.id for item in routine.left_out] == ["plough"]


def test_a_level_dose_holds_from_that_level_up(tmp_path: Path) -> None:
    write(tmp_path, valid_routine())
    routine = load_catalog(tmp_path).get("demo")
    assert [routine.dose(n, "hug").hold for n in (1, 2, 3)] == [20, 30, 30]
    assert [routine.dose(n, "bridge").times for n in (1, 2, 3)] == [5, 5, 5]


def test_positions_are_those_the_levels_use_in_first_use_order(tmp_path: Path) -> None:
    write(tmp_path, valid_routine())
    routine = load_catalog(tmp_path).get("demo")
    # The standing wall cross-over is only an alternative, so it is not among them.
    assert routine.positions == ("back", "kneeling", "sitting")


def test_dose_kinds_and_card_lengths() -> None:
    hold = Dose(hold=20, times=2, rest=10, source="seed")
    tempo = Dose.model_validate({"tempo": TEMPO, "times": 5, "source": "NHS"})
    cycles = Dose(cycle=10, times=8, source="ours")
    count = Dose(count=20, times=3, source="seed")
    assert [d.kind for d in (hold, tempo, cycles, count)] == [
        DoseKind.HOLD,
        DoseKind.TEMPO,
        DoseKind.CYCLES,
        DoseKind.COUNT,
    ]
    assert [d.on_one_card for d in (hold, tempo, cycles, count)] == [False, True, True, False]
    # One hold; five reps of 2 + 3 + 2 s; eight cycles of 10 s; a count of 20 at 2 s a count.
    assert [d.card_seconds(2) for d in (hold, tempo, cycles, count)] == [20, 35, 80, 40]


def test_dose_changed_names_the_fields_that_differ_and_ignores_the_source() -> None:
    base = Dose(hold=20, times=2, rest=10, source="seed")
    assert base.changed(Dose(hold=20, times=2, rest=10, source="ACSM")) == set()
    assert base.changed(Dose(hold=30, times=3, rest=10, source="seed")) == {"hold", "times"}
    two_sets = Dose(hold=20, times=2, rest=10, sets=2, set_rest=30, source="seed")
    assert two_sets.changed(base) == {"sets", "set_rest"}


def test_an_alternative_may_get_a_dose_in_a_level(tmp_path: Path) -> None:
    data = valid_routine()
    new = {"count": 20, "times": 4, "source": "seed"}
    data["levels"][1]["doses"].update({"cross": new, "wall_cross": new})
    write(tmp_path, data)
    routine = load_catalog(tmp_path).get("demo")
    assert routine.dose(2, "wall_cross").times == routine.dose(2, "cross").times == 4


def test_text_is_trimmed(tmp_path: Path) -> None:
    data = valid_routine()
    step(data, "hug")["cue"] = "  Hug both knees.\n"
    write(tmp_path, data)
    assert load_catalog(tmp_path).get("demo").steps["hug"].cue == "Hug both knees."


def test_catalog_orders_by_file_name_and_iterates(tmp_path: Path) -> None:
    write(tmp_path, valid_routine("zeta"))
    write(tmp_path, valid_routine("alpha"))
    catalog = load_catalog(tmp_path)
    assert [routine.id for routine in catalog] == ["alpha", "zeta"]
    assert len(catalog) == 2


def test_get_unknown_routine_raises_key_error(tmp_path: Path) -> None:
    write(tmp_path, valid_routine())
    with pytest.raises(KeyError):
        load_catalog(tmp_path).get("missing")


def test_level_out_of_range_raises_value_error(tmp_path: Path) -> None:
    write(tmp_path, valid_routine())
    routine = load_catalog(tmp_path).get("demo")
    for bad in (0, 4):
        with pytest.raises(ValueError, match="levels 1 to 3"):
            routine.level(bad)


# --- refusing bad data -----------------------------------------------------------------------

Mutation = Callable[[Data], None]


def _set_step(step_id: str, field: str, value: Any) -> Mutation:
    return lambda data: step(data, step_id).__setitem__(field, value)


def _set_dose(step_id: str, field: str, value: Any) -> Mutation:
    return lambda data: step(data, step_id)["dose"].__setitem__(field, value)


def _drop_dose_field(step_id: str, field: str) -> Mutation:
    return lambda data: step(data, step_id)["dose"].pop(field)


def _drop_step_field(step_id: str, field: str) -> Mutation:
    return lambda data: step(data, step_id).pop(field)


def _set_level(index: int, field: str, value: Any) -> Mutation:
    return lambda data: data["levels"][index].__setitem__(field, value)


def _set_level_dose(index: int, step_id: str, dose: Data) -> Mutation:
    def mutate(data: Data) -> None:
        data["levels"][index].setdefault("doses", {})[step_id] = dose

    return mutate


def _set(field: str, value: Any) -> Mutation:
    return lambda data: data.__setitem__(field, value)


def _duplicate_step(data: Data) -> None:
    step(data, "catcow")["id"] = "hug"


def _same_numbers_new_source(data: Data) -> None:
    data["levels"][1]["doses"]["hug"] = {"hold": 20, "times": 2, "rest": 10, "source": "NHS"}


BAD_DATA: list[tuple[str, Mutation, list[str]]] = [
    ("duplicate step id", _duplicate_step, ["'steps'", "duplicate step id 'hug'"]),
    ("step without id", _drop_step_field("hug", "id"), ["'steps'", "step number 1", "'id'"]),
    # Doses: one kind, numbers in range, rests where they belong.
    ("step without dose", _drop_step_field("reach", "dose"), ["step 'reach'", "'dose'"]),
    (
        "hold and count",
        _set_dose("reach", "count", 10),
        ["step 'reach'", "'dose'", "'hold'", "'count'", "exactly one"],
    ),
    (
        "tempo and cycle",
        _set_dose("bridge", "cycle", 10),
        ["step 'bridge'", "'dose'", "'tempo'", "'cycle'", "exactly one"],
    ),
    (
        "no kind at all",
        _drop_dose_field("reach", "hold"),
        ["step 'reach'", "'dose'", "exactly one"],
    ),
    ("hold too short", _set_dose("reach", "hold", 1), ["step 'reach'", "'dose.hold'"]),
    ("hold too long", _set_dose("reach", "hold", 181), ["step 'reach'", "'dose.hold'"]),
    ("hold as text", _set_dose("reach", "hold", "20"), ["step 'reach'", "'dose.hold'"]),
    ("count too small", _set_dose("cross", "count", 2), ["step 'cross'", "'dose.count'"]),
    ("count too large", _set_dose("cross", "count", 121), ["step 'cross'", "'dose.count'"]),
    ("cycle too short", _set_dose("catcow", "cycle", 1), ["step 'catcow'", "'dose.cycle'"]),
    ("no times", _set_dose("hug", "times", 0), ["step 'hug'", "'dose.times'"]),
    ("too many times", _set_dose("hug", "times", 31), ["step 'hug'", "'dose.times'"]),
    ("too many sets", _set_dose("hug", "sets", 5), ["step 'hug'", "'dose.sets'"]),
    ("rest too long", _set_dose("hug", "rest", 121), ["step 'hug'", "'dose.rest'"]),
    ("empty tempo", _set_dose("bridge", "tempo", []), ["step 'bridge'", "'dose.tempo'"]),
    (
        "tempo phase too long a name",
        _set_dose("bridge", "tempo", [{"move": "x" * 21, "seconds": 2}]),
        ["step 'bridge'", "'dose.tempo.0.move'"],
    ),
    (
        "tempo phase of no time",
        _set_dose("bridge", "tempo", [{"move": "lift", "seconds": 0}]),
        ["step 'bridge'", "'dose.tempo.0.seconds'"],
    ),
    (
        "rest between reps",
        _set_dose("bridge", "rest", 5),
        ["step 'bridge'", "'dose'", "'rest'", "rest between sets instead"],
    ),
    (
        "rest between cycles",
        _set_dose("catcow", "rest", 5),
        ["step 'catcow'", "'dose'", "'rest'"],
    ),
    (
        "sets without set_rest",
        _set_dose("bridge", "sets", 2),
        ["step 'bridge'", "'dose'", "'set_rest'", "need a rest"],
    ),
    (
        "set_rest with one set",
        _set_dose("bridge", "set_rest", 30),
        ["step 'bridge'", "'dose'", "'set_rest'", "one set"],
    ),
    ("dose without source", _drop_dose_field("hug", "source"), ["step 'hug'", "'dose.source'"]),
    ("unknown dose key", _set_dose("hug", "reps", 3), ["step 'hug'", "'dose.reps'"]),
    # Steps.
    ("unknown position", _set_step("hug", "position", "lying"), ["step 'hug'", "'position'"]),
    ("no position", _drop_step_field("hug", "position"), ["step 'hug'", "'position'"]),
    ("empty cue", _set_step("hug", "cue", "   "), ["step 'hug'", "'cue'", "empty"]),
    ("empty name", _set_step("hug", "name", ""), ["step 'hug'", "'name'"]),
    ("cue too long", _set_step("hug", "cue", "x" * 601), ["step 'hug'", "'cue'"]),
    ("name too long", _set_step("hug", "name", "x" * 81), ["step 'hug'", "'name'"]),
    ("bell in cue", _set_step("hug", "cue", "Hug\u0007"), ["step 'hug'", "'cue'", "U+0007"]),
    (
        "C1 control in caution",
        _set_step("reach", "caution", "Stop\x85now"),
        ["step 'reach'", "'caution'"],
    ),
    ("unknown side mode", _set_step("hug", "sides", "left"), ["step 'hug'", "'sides'"]),
    (
        "nerve flag as text",
        _set_step("hug", "nerve_tension", "no"),
        ["step 'hug'", "'nerve_tension'"],
    ),
    (
        "nerve step without caution",
        _drop_step_field("reach", "caution"),
        ["step 'reach'", "'caution'"],
    ),
    ("chain on a centre step", _set_step("hug", "chain", "flow"), ["step 'hug'", "'chain'"]),
    ("unknown step key", _set_step("hug", "colour", "red"), ["step 'hug'", "'colour'"]),
    # Off-the-floor alternatives.
    (
        "off_floor to no step",
        _set_step("cross", "off_floor", "ghost"),
        ["step 'cross'", "'off_floor'", "no such step 'ghost'"],
    ),
    (
        "off_floor to a floor step",
        _set_step("cross", "off_floor", "catcow"),
        ["step 'cross'", "'off_floor'", "'catcow' is done on the floor too"],
    ),
    (
        "off_floor step used in a level",
        _set_level(2, "steps", ["hug", "wall_cross", "reach"]),
        ["step 'cross'", "'off_floor'", "'wall_cross' is an alternative, not in a level"],
    ),
    # The routine.
    ("unknown routine key", _set("colour", "red"), ["'colour'"]),
    ("positions is derived, not given", _set("positions", ["back"]), ["'positions'"]),
    ("empty not-for question", _set("not_for_question", " "), ["'not_for_question'"]),
    ("cadence min above max", _set("cadence_min", 5), ["'cadence_min'"]),
    ("cadence max alone", _set("cadence_min", None), ["'cadence_max'"]),
    ("cadence above a week", _set("cadence_max", 8), ["'cadence_max'"]),
    ("unknown equipment", _set("equipment", ["ball"]), ["'equipment"]),
    ("routine id not an identifier", _set("id", "Demo Routine"), ["'id'"]),
    (
        "left-out entry without reason",
        lambda data: data["left_out"][0].pop("reason"),
        ["'left_out.0.reason'"],
    ),
    (
        "left-out entry without source",
        lambda data: data["left_out"][0].pop("source"),
        ["'left_out.0.source'"],
    ),
    # Levels.
    ("unknown level key", _set_level(0, "colour", "red"), ["level entry 1", "'colour'"]),
    (
        "level names unknown step",
        _set_level(1, "steps", ["hug", "ghost"]),
        ["level 2", "step 'ghost'", "'steps'"],
    ),
    (
        "level 1 with nerve step",
        _set_level(0, "steps", ["hug", "reach"]),
        ["level 1", "step 'reach'", "'nerve_tension'"],
    ),
    ("levels not 1..N", _set_level(1, "number", 3), ["level 3", "'number'"]),
    ("level without steps", _set_level(0, "steps", []), ["level entry 1", "'steps'"]),
    ("no levels", _set("levels", []), ["'levels'"]),
    (
        "dose for a step not in the level",
        _set_level_dose(0, "reach", {"hold": 25, "source": "seed"}),
        ["level 1", "step 'reach'", "'doses'", "not in this level"],
    ),
    (
        "dose change that changes nothing",
        _same_numbers_new_source,
        ["level 2", "step 'hug'", "'doses'", "changes nothing"],
    ),
    (
        "level 1 dose equal to the step's own",
        _set_level_dose(0, "bridge", {"tempo": TEMPO, "times": 5, "source": "NHS inform"}),
        ["level 1", "step 'bridge'", "'doses'", "changes nothing"],
    ),
    (
        "bad dose in a level",
        _set_level_dose(1, "bridge", {"tempo": TEMPO, "times": 5, "rest": 5, "source": "x y"}),
        ["level entry 2", "'doses.bridge'", "'rest'"],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "fragments"),
    [pytest.param(mutate, fragments, id=name) for name, mutate, fragments in BAD_DATA],
)
def test_bad_data_names_file_step_and_field(
    tmp_path: Path, mutate: Mutation, fragments: list[str]
) -> None:
    data = copy.deepcopy(valid_routine())
    mutate(data)
    write(tmp_path, data, name="demo")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    message = str(caught.value)
    assert message.startswith("demo.toml: ")
    for fragment in fragments:
        assert fragment in message


def test_file_must_be_named_for_its_routine(tmp_path: Path) -> None:
    write(tmp_path, valid_routine("demo"), name="other")
    with pytest.raises(CatalogError, match=r"^other\.toml: field 'id'.*file name"):
        load_catalog(tmp_path)


def test_two_files_cannot_claim_one_id(tmp_path: Path) -> None:
    write(tmp_path, valid_routine("demo"))
    write(tmp_path, valid_routine("demo"), name="demo_copy")
    with pytest.raises(CatalogError, match=r"^demo_copy\.toml: field 'id'"):
        load_catalog(tmp_path)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "demo.toml").write_text('id = "demo\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"^demo\.toml: not readable TOML"):
        load_catalog(tmp_path)


def test_bytes_that_are_not_utf8_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "demo.toml").write_bytes(b'id = "d\xffmo"\n')
    with pytest.raises(CatalogError, match=r"^demo\.toml: not readable TOML"):
        load_catalog(tmp_path)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no routine files"):
        load_catalog(tmp_path)


def test_catalog_error_is_a_value_error() -> None:
    assert issubclass(CatalogError, ValueError)


def test_lone_surrogate_is_refused() -> None:
    # TOML cannot hold one, but a routine built in code can.
    with pytest.raises(ValidationError, match="cue"):
        Step.model_validate(
            {
                "id": "hug",
                "name": "Knee hug",
                "cue": "Hug \ud800",
                "position": "back",
                "sides": "center",
                "nerve_tension": False,
                "dose": {"hold": 30, "source": "seed"},
            }
        )


def test_routine_built_in_code_gets_the_same_checks() -> None:
    data = valid_routine()
    data["levels"][0]["steps"] = ["reach"]
    with pytest.raises(ValidationError, match="level 1 must not hold a nerve-tension step"):
        Routine.model_validate(data)


def test_models_are_frozen() -> None:
    routine = Routine.model_validate(valid_routine())
    with pytest.raises(ValidationError):
        routine.steps["hug"].position = "front"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        routine.steps["hug"].dose.hold = 10  # type: ignore[misc]


def test_routine_accepts_step_objects_in_order() -> None:
    data = valid_routine()
    data["steps"] = [Step.model_validate(item) for item in data["steps"]]
    assert list(Routine.model_validate(data).steps) == [
        "hug",
        "bridge",
        "cross",
        "wall_cross",
        "catcow",
        "reach",
    ]


def test_steps_filed_under_another_id_are_refused() -> None:
    data = valid_routine()
    data["steps"] = {item["id"]: item for item in data["steps"]}
    data["steps"]["hug"]["id"] = "knees"
    with pytest.raises(ValidationError, match="step 'hug', field 'id': filed under 'knees'"):
        Routine.model_validate(data)
