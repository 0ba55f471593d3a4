"""Checks each Bot API call against the published spec (bot-api.json, MIT).

Rules Telegram states only in prose are read from the spec's descriptions ("1-64 bytes",
"after entities parsing", "Exactly one of the fields other than ..."), so a newer spec
brings its own limits without code changes here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .html import HtmlError, parse_html, utf16_len
from .state import File

_LIMIT = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_PARSED = re.compile(r"after entit(?:y|ies) parsing")
_EXCLUSIVE = re.compile(r"(Exactly|At most) one of the fields other than (.+?) must be used")
_SPLIT_NAMES = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_STRING_FOR_OBJECT = "String can be used instead of this object"
_INTEGER = re.compile(r"-?\d+")
_PARSE_MODES = {"", "html", "markdownv2", "markdown"}
_ATTACH = re.compile(r"attach://([\w-]+)")
# Vendored with its licence, so the repository needs nothing beside it (telegram/README.md).
DEFAULT_PATH = Path(__file__).with_name("telegram") / "bot-api.json"

# Telegram's own wording for the limits a bot most often hits.
_WORDING = {
    ("text", "long"): "message is too long",
    ("text", "short"): "message text is empty",
    ("caption", "long"): "message caption is too long",
    ("callback_data", "long"): "BUTTON_DATA_INVALID",
    ("callback_data", "short"): "BUTTON_DATA_INVALID",
}


class _Invalid(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


class Spec:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self._methods = {name.lower(): method for name, method in data["methods"].items()}
        self._types: dict[str, Any] = data["types"]

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> Spec:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def has_method(self, name: str) -> bool:
        return name.lower() in self._methods

    def check(self, method: str, params: Mapping[str, Any]) -> str | None:
        """The Telegram-style description of the first violation, or None."""
        try:
            self._check_call(self._methods[method.lower()], params)
        except _Invalid as invalid:
            return f"Bad Request: {invalid}"
        return None

    def _check_call(self, method: Mapping[str, Any], params: Mapping[str, Any]) -> None:
        fields = {field["name"]: field for field in method.get("fields", [])}
        attached = {
            name
            for value in params.values()
            if isinstance(value, str)
            for name in _ATTACH.findall(value)
        }
        if unknown := sorted(params.keys() - fields.keys() - attached):
            raise _Invalid(unknown[0], f'unknown parameter "{unknown[0]}"')
        if missing := [n for n, f in fields.items() if f["required"] and n not in params]:
            raise _Invalid(missing[0], f'parameter "{missing[0]}" is required')
        if str(params.get("parse_mode", "")).lower() not in _PARSE_MODES:
            raise _Invalid("parse_mode", f'unsupported parse_mode "{params["parse_mode"]}"')
        for name, value in params.items():
            if name in fields:
                self._field(fields[name], value, name, params)

    def _field(
        self, field: Mapping[str, Any], value: Any, path: str, owner: Mapping[str, Any]
    ) -> None:
        value = self._value(value, field["types"], path)
        if isinstance(value, str):
            _check_text(field, value, path, owner.get("parse_mode"))

    def _value(self, value: Any, types: list[str], path: str) -> Any:
        errors = []
        for type_name in types:
            try:
                return self._typed(value, type_name, path)
            except _Invalid as invalid:
                errors.append(invalid)
        deepest = max(errors, key=lambda e: len(e.path))
        if deepest.path == path and len({str(e) for e in errors}) > 1:
            raise _Invalid(path, f"{path} must be {' or '.join(types)}")
        raise deepest

    def _typed(self, value: Any, type_name: str, path: str) -> Any:
        if type_name.startswith("Array of "):
            items = _json(value, path) if isinstance(value, str) else value
            if not isinstance(items, list):
                raise _Invalid(path, f"{path} must be {type_name}")
            item_type = type_name.removeprefix("Array of ")
            return [self._typed(item, item_type, f"{path}[{i}]") for i, item in enumerate(items)]
        if type_name in _SCALARS:
            return _SCALARS[type_name](value, path)
        spec = self._types[type_name]
        if "subtypes" in spec:
            return self._value(value, spec["subtypes"], path)
        if isinstance(value, str) and _STRING_FOR_OBJECT in " ".join(spec["description"]):
            return value
        obj = _json(value, path) if isinstance(value, str) else value
        self._object(obj, spec, path)
        return obj

    def _object(self, value: Any, spec: Mapping[str, Any], path: str) -> None:
        if not isinstance(value, dict):
            raise _Invalid(path, f"{path} must be a {spec['name']} object")
        fields = {field["name"]: field for field in spec.get("fields", [])}
        if missing := [n for n, f in fields.items() if f["required"] and n not in value]:
            raise _Invalid(path, f'{path}: {spec["name"]} needs field "{missing[0]}"')
        if unknown := sorted(value.keys() - fields.keys()):
            raise _Invalid(path, f'{path}: {spec["name"]} has no field "{unknown[0]}"')
        for key, item in value.items():
            self._field(fields[key], item, f"{path}.{key}", value)
        _check_exclusive(spec, value, path)


def _check_text(field: Mapping[str, Any], value: str, path: str, parse_mode: str | None) -> None:
    description = field["description"]
    if _PARSED.search(description) and str(parse_mode).lower() == "html":
        try:
            value = parse_html(value).text
        except HtmlError as error:
            raise _Invalid(path, f"can't parse entities: {error}") from None
    if limit := _LIMIT.search(description):
        low, high, unit = int(limit[1]), int(limit[2]), limit[3]
        size = len(value.encode()) if unit == "bytes" else utf16_len(value)
        if not low <= size <= high:
            wording = _WORDING.get((field["name"], "short" if size < low else "long"))
            detail = f"{path} has {size} {unit}; {low}-{high} allowed"
            raise _Invalid(path, f"{wording} ({detail})" if wording else detail)


def _check_exclusive(spec: Mapping[str, Any], value: Mapping[str, Any], path: str) -> None:
    rule = _EXCLUSIVE.search(" ".join(spec["description"]))
    if rule is None:
        return
    others = set(_SPLIT_NAMES.split(rule[2]))
    chosen = sorted(value.keys() - others)
    if len(chosen) > 1 or (rule[1] == "Exactly" and not chosen):
        allowed = "exactly one" if rule[1] == "Exactly" else "at most one"
        raise _Invalid(path, f"{path}: {spec['name']} needs {allowed} action field, got {chosen}")


def _json(value: str, path: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise _Invalid(path, f"{path} is not valid JSON") from None


def _integer(value: Any, path: str) -> int:
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Invalid(path, f"{path} must be Integer")


def _float(value: Any, path: str) -> float:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _Invalid(path, f"{path} must be Float")


def _boolean(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise _Invalid(path, f"{path} must be Boolean")


def _string(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    raise _Invalid(path, f"{path} must be String")


def _input_file(value: Any, path: str) -> Any:
    if isinstance(value, File) or (isinstance(value, str) and value.startswith("attach://")):
        return value
    raise _Invalid(path, f"{path} must be an uploaded file")


_SCALARS = {
    "Integer": _integer,
    "Float": _float,
    "Boolean": _boolean,
    "String": _string,
    "InputFile": _input_file,
}
