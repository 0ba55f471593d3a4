"""Telegram's HTML parse mode: the plain text and entities it yields, or the error it gives.

Stricter than Telegram in one way on purpose: a raw `>` is refused, so the bot always escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[^\s=>/\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([^\s=>/\"']+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]+)|#[xX]([0-9a-fA-F]+));")
_NAMED_LIKE = re.compile(r"&[a-zA-Z][a-zA-Z0-9]*;")
_SPECIAL = re.compile(r"[<>&]")
_TAG_LIKE = re.compile(r"</?[a-zA-Z]")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_KINDS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# tag -> (allowed attributes, required attributes)
_ATTRS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "span": (frozenset({"class"}), frozenset({"class"})),
    "a": (frozenset({"href"}), frozenset({"href"})),
    "code": (frozenset({"class"}), frozenset()),
    "blockquote": (frozenset({"expandable"}), frozenset()),
    "tg-emoji": (frozenset({"emoji-id"}), frozenset({"emoji-id"})),
}
_NO_ATTRS: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


class HtmlError(ValueError):
    """The text Telegram would put after "can't parse entities: "."""


@dataclass(frozen=True)
class Parsed:
    text: str
    entities: list[dict[str, Any]]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> Parsed:
    return _Parser(source).run()


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    start: int
    language: str | None = None


@dataclass
class _Parser:
    source: str
    pieces: list[str] = field(default_factory=list)
    length: int = 0
    stack: list[_Open] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def run(self) -> Parsed:
        i = 0
        while i < len(self.source):
            char = self.source[i]
            if char == "<":
                i = self._tag(i)
            elif char == "&":
                i = self._entity(i)
            elif char == ">":
                raise self._error(i, 'Character ">" must be escaped as "&gt;"')
            else:
                match = _SPECIAL.search(self.source, i)
                end = match.start() if match else len(self.source)
                self._emit(self.source[i:end])
                i = end
        if self.stack:
            name = self.stack[-1].name
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return Parsed("".join(self.pieces), self.entities)

    def _emit(self, text: str) -> None:
        self.pieces.append(text)
        self.length += utf16_len(text)

    def _error(self, index: int, message: str) -> HtmlError:
        return HtmlError(f"{message} at byte offset {len(self.source[:index].encode())}")

    def _entity(self, i: int) -> int:
        match = _ENTITY.match(self.source, i)
        if match is None:
            if _NAMED_LIKE.match(self.source, i):
                raise self._error(i, "Unsupported HTML entity")
            raise self._error(i, 'Character "&" must be escaped as "&amp;"')
        self._emit(self._decode(match, i))
        return match.end()

    def _decode(self, match: re.Match[str], i: int) -> str:
        named, decimal, hexadecimal = match.groups()
        if named:
            return _NAMED[named]
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self._error(i, "Invalid numeric HTML entity")
        return chr(code)

    def _tag(self, i: int) -> int:
        match = _TAG.match(self.source, i)
        if match is None and _TAG_LIKE.match(self.source, i):
            raise self._error(i, "Malformed tag (self-closing tags such as <br/> are unsupported)")
        if match is None:
            raise self._error(i, 'Character "<" must be escaped as "&lt;"')
        closing, name, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if raw_attrs.strip():
                raise self._error(i, f'End tag "{name}" can\'t have attributes')
            self._close(name, i)
        else:
            self._open(name, self._attributes(raw_attrs, i), i)
        return match.end()

    def _attributes(self, raw: str, i: int) -> dict[str, str]:
        attrs = {}
        for match in _ATTR.finditer(raw):
            value = next((v for v in match.groups()[1:] if v is not None), "")
            if "&" in _ENTITY.sub("", value):
                raise self._error(i, 'Character "&" in an attribute must be escaped as "&amp;"')
            attrs[match.group(1).lower()] = _ENTITY.sub(lambda m: self._decode(m, i), value)
        return attrs

    def _open(self, name: str, attrs: dict[str, str], i: int) -> None:
        if name not in _KINDS:
            raise self._error(i, f'Unsupported start tag "{name}"')
        allowed, required = _ATTRS.get(name, _NO_ATTRS)
        if unknown := sorted(attrs.keys() - allowed):
            raise self._error(i, f'Unsupported attribute "{unknown[0]}" in tag "{name}"')
        if missing := sorted(required - attrs.keys()):
            raise self._error(i, f'Tag "{name}" must have attribute "{missing[0]}"')
        if name == "span" and attrs["class"] != "tg-spoiler":
            raise self._error(i, 'Tag "span" must have class "tg-spoiler"')
        if name == "code" and not attrs.get("class", "language-x").startswith("language-"):
            raise self._error(i, 'Class of tag "code" must start with "language-"')
        self._check_nesting(name, i)
        self.stack.append(_Open(name, attrs, self.length))

    def _check_nesting(self, name: str, i: int) -> None:
        names = [_KINDS[open_.name] for open_ in self.stack]
        if names and names[-1] == "code":
            raise self._error(i, f'Tag "{name}" can\'t be inside "code"')
        if names and names[-1] == "pre" and name != "code":
            raise self._error(i, f'Tag "{name}" can\'t be inside "pre"; only "code" can')
        if _KINDS[name] in {"blockquote", "text_link"} and _KINDS[name] in names:
            raise self._error(i, f'Tag "{name}" can\'t be nested in another one')

    def _close(self, name: str, i: int) -> None:
        if not self.stack:
            raise self._error(i, f'Unexpected end tag "{name}"')
        top = self.stack.pop()
        if top.name != name:
            raise self._error(i, f'Unmatched end tag, expected "</{top.name}>", found "</{name}>"')
        inside_pre = bool(self.stack) and self.stack[-1].name == "pre"
        if name == "code" and inside_pre:
            self.stack[-1].language = top.attrs.get("class", "").removeprefix("language-") or None
        elif self.length > top.start:
            self.entities.append(self._entity_for(top))

    def _entity_for(self, top: _Open) -> dict[str, Any]:
        entity: dict[str, Any] = {
            "type": _KINDS[top.name],
            "offset": top.start,
            "length": self.length - top.start,
        }
        if top.name == "a":
            entity["url"] = top.attrs["href"]
        elif top.name == "pre" and top.language:
            entity["language"] = top.language
        elif top.name == "blockquote" and "expandable" in top.attrs:
            entity["type"] = "expandable_blockquote"
        elif top.name == "tg-emoji":
            entity["custom_emoji_id"] = top.attrs["emoji-id"]
        return entity
