"""Loading the routine catalog, and refusing each kind of bad data with a precise message."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from routines.model import (
    CatalogError,
    Routine,
    Step,
    default_catalog,
    load_catalog,
)

Data = dict[str, Any]

CATALOG_IDS = {
    "seated_couch_sciatica",
    "gentle_sciatica_set",
    "seated_hamstring_progression",
    "after_run_back_relief",
    "runner_cooldown_sciatica",
}


def valid_routine(routine_id: str = "demo") -> Data:
    return {
        "id": routine_id,
        "title": "Demo routine",
        "summary": "A small routine for tests.",
        "source": "000_demo.txt",
        "positions": ["lying"],
        "equipment": ["floor"],
        "cadence_min": 3,
        "cadence_max": 4,
        "cadence_text": "Three or four times a week.",
        "cadence_source": "ours",
        "steps": [
            {
                "id": "hug",
                "name": "Knee hug",
                "cue": "Hug both knees.",
                "hold_seconds": 30,
                "sides": "center",
                "nerve_tension": False,
            },
            {
                "id": "reach",
                "name": "Reach",
                "cue": "Reach for your toes.",
                "caution": "Stop if it tingles.",
                "hold_seconds": 20,
                "sides": "both",
                "nerve_tension": True,
            },
            {
                "id": "curl",
                "name": "Curl",
                "cue": "Curl up and count.",
                "count": 10,
                "sides": "center",
                "nerve_tension": False,
            },
        ],
        "levels": [
            {"number": 1, "steps": ["hug"], "hold_seconds": {"hug": 15}},
            {"number": 2, "steps": ["hug", "reach", "curl"]},
        ],
    }


def to_toml(data: Data) -> str:
    """Just enough TOML for these tests: scalars, arrays, inline tables, arrays of tables."""
    lines: list[str] = []
    tables: list[tuple[str, list[Data]]] = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, items in tables:
        for item in items:
            lines.append(f"\n[[{key}]]")
            lines.extend(f"{name} = {_toml_value(value)}" for name, value in item.items())
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
        pairs = ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items())
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


def test_every_shipped_routine_has_a_cadence_and_a_gentle_first_level() -> None:
    for routine in load_catalog():
        assert routine.cadence_min is not None and routine.cadence_max is not None
        assert routine.top_level >= 2, routine.id
        assert routine.minutes(1) < routine.minutes(routine.top_level), routine.id


# --- loading good data -----------------------------------------------------------------------


def test_loads_a_valid_file(tmp_path: Path) -> None:
    write(tmp_path, valid_routine())
    routine = load_catalog(tmp_path).get("demo")
    assert list(routine.steps) == ["hug", "reach", "curl"]
    assert routine.top_level == 2
    assert routine.level(1).hold_for(routine.steps["hug"]) == 15
    assert routine.level(2).hold_for(routine.steps["hug"]) == 30
    assert routine.steps["curl"].count == 10 and routine.steps["curl"].hold_seconds is None


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
    for bad in (0, 3):
        with pytest.raises(ValueError, match="levels 1 to 2"):
            routine.level(bad)


def test_minutes_count_sides_reps_and_gaps(tmp_path: Path) -> None:
    write(tmp_path, valid_routine())
    routine = load_catalog(tmp_path).get("demo")
    # hug 30 + reach 20 on each side + curl 10 counts: four performances, three 5 s gaps.
    assert routine.seconds(2) == 30 + 20 * 2 + 10 + 3 * 5
    assert routine.minutes(2) == 2
    assert routine.seconds(1) == 15


# --- refusing bad data -----------------------------------------------------------------------

Mutation = Callable[[Data], None]


def _set_step(step_id: str, field: str, value: Any) -> Mutation:
    return lambda data: step(data, step_id).__setitem__(field, value)


def _drop_step_field(step_id: str, field: str) -> Mutation:
    return lambda data: step(data, step_id).pop(field)


def _set_level(index: int, field: str, value: Any) -> Mutation:
    return lambda data: data["levels"][index].__setitem__(field, value)


def _set(field: str, value: Any) -> Mutation:
    return lambda data: data.__setitem__(field, value)


def _duplicate_step(data: Data) -> None:
    step(data, "curl")["id"] = "hug"


def _count_instead_of_hold(count: int) -> Mutation:
    def mutate(data: Data) -> None:
        del step(data, "hug")["hold_seconds"]
        step(data, "hug")["count"] = count
        data["levels"][0].pop("hold_seconds")

    return mutate


BAD_DATA: list[tuple[str, Mutation, list[str]]] = [
    ("duplicate step id", _duplicate_step, ["'steps'", "duplicate step id 'hug'"]),
    ("step without id", _drop_step_field("hug", "id"), ["'steps'", "step number 1", "'id'"]),
    ("hold too short", _set_step("reach", "hold_seconds", 4), ["step 'reach'", "'hold_seconds'"]),
    ("hold too long", _set_step("reach", "hold_seconds", 181), ["step 'reach'", "'hold_seconds'"]),
    ("hold as text", _set_step("reach", "hold_seconds", "20"), ["step 'reach'", "'hold_seconds'"]),
    (
        "hold and count",
        _set_step("reach", "count", 10),
        ["step 'reach'", "'hold_seconds'", "'count'"],
    ),
    (
        "neither hold nor count",
        _drop_step_field("reach", "hold_seconds"),
        ["step 'reach'", "'count'"],
    ),
    ("count too small", _count_instead_of_hold(2), ["step 'hug'", "'count'"]),
    ("count too large", _count_instead_of_hold(121), ["step 'hug'", "'count'"]),
    ("no reps", _set_step("reach", "reps", 0), ["step 'reach'", "'reps'"]),
    ("too many reps", _set_step("reach", "reps", 21), ["step 'reach'", "'reps'"]),
    ("empty cue", _set_step("hug", "cue", "   "), ["step 'hug'", "'cue'", "empty"]),
    ("empty name", _set_step("hug", "name", ""), ["step 'hug'", "'name'"]),
    ("cue too long", _set_step("hug", "cue", "x" * 601), ["step 'hug'", "'cue'"]),
    ("bell in cue", _set_step("hug", "cue", "Hug\u0007"), ["step 'hug'", "'cue'", "U+0007"]),
    (
        "C1 control in caution",
        _set_step("reach", "caution", "Stop\x85now"),
        ["step 'reach'", "'caution'"],
    ),
    ("tab in title", _set("title", "Demo\troutine"), ["'title'", "U+0009"]),
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
    ("unknown routine key", _set("colour", "red"), ["'colour'"]),
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
        "override for absent step",
        _set_level(0, "hold_seconds", {"curl": 10}),
        ["level 1", "step 'curl'", "'hold_seconds'"],
    ),
    (
        "override longer than seed",
        _set_level(0, "hold_seconds", {"hug": 31}),
        ["level 1", "step 'hug'", "'hold_seconds'"],
    ),
    (
        "override on counted step",
        _set_level(1, "hold_seconds", {"curl": 10}),
        ["level 2", "step 'curl'", "'hold_seconds'"],
    ),
    (
        "override at top level",
        _set_level(1, "hold_seconds", {"hug": 10}),
        ["level 2", "step 'hug'", "top level"],
    ),
    (
        "override too short",
        _set_level(0, "hold_seconds", {"hug": 2}),
        ["level entry 1", "'hold_seconds.hug'"],
    ),
    ("cadence min above max", _set("cadence_min", 5), ["'cadence_min'"]),
    ("cadence max alone", _set("cadence_min", None), ["'cadence_max'"]),
    ("cadence above a week", _set("cadence_max", 8), ["'cadence_max'"]),
    ("unknown position", _set("positions", ["hanging"]), ["'positions"]),
    ("unknown equipment", _set("equipment", ["ball"]), ["'equipment"]),
    ("routine id not an identifier", _set("id", "Demo Routine"), ["'id'"]),
]


@pytest.mark.parametrize(
    ("mutate", "fragments"),
    [pytest.param(mutate, fragments, id=name) for name, mutate, fragments in BAD_DATA],
)
def test_bad_data_names_file_step_and_field(
    tmp_path: Path, mutate: Mutation, fragments: list[str]
) -> None:
    data = valid_routine()
    mutate(data)
    # None means "leave the key out": TOML has no null.
    data = {key: value for key, value in data.items() if value is not None}
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
        Step(
            id="hug",
            name="Knee hug",
            cue="Hug \ud800",
            hold_seconds=30,
            sides="center",
            nerve_tension=False,
        )


def test_routine_built_in_code_gets_the_same_checks() -> None:
    data = valid_routine()
    data["levels"][0]["steps"] = ["reach"]
    with pytest.raises(ValidationError, match="level 1 must not hold a nerve-tension step"):
        Routine.model_validate(data)


def test_models_are_frozen() -> None:
    routine = Routine.model_validate(valid_routine())
    with pytest.raises(ValidationError):
        routine.steps["hug"].hold_seconds = 10  # type: ignore[misc]


def test_routine_accepts_step_objects_in_order() -> None:
    data = valid_routine()
    data["steps"] = [Step.model_validate(item) for item in data["steps"]]
    assert list(Routine.model_validate(data).steps) == ["hug", "reach", "curl"]


def test_steps_filed_under_another_id_are_refused() -> None:
    data = valid_routine()
    data["steps"] = {item["id"]: item for item in data["steps"]}
    data["steps"]["hug"]["id"] = "knees"
    with pytest.raises(ValidationError, match="step 'hug', field 'id': filed under 'knees'"):
        Routine.model_validate(data)
