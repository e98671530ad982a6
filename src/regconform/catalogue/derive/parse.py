"""Parse the structured field-list format of the course registration document.

The document as given is ONE line: the heading, `## ` section headings and `- ` field entries
are separated by single spaces, not newlines. So the parser splits on the markers themselves
(whitespace followed by `## ` or by `` - ` ``), which also accepts the same text with newlines.
Descriptions are free prose (apostrophes, slashes, semicolons, "If true, ..."), so a field entry
is recognised by its fixed prefix `` `name` (type[, required]) `` and an optional trailing
`Enum: "a", "b"`; everything between them is the description, kept verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regconform.errors import ConfigError

JSON_TYPES = ("string", "number", "boolean", "array", "object")

_SECTION_SPLIT = re.compile(r"(?:^|\s+)## ")
_FIELD_SPLIT = re.compile(r"\s+-\s+(?=`)")
_HEADING = re.compile(
    r"# (?P<summary>.+?) Endpoint: (?P<method>[A-Z]+) (?P<path>/\S*)"
    r" Version: (?P<version>\S+) Security: (?P<security>\S+)",
    re.DOTALL,
)
_PATH_HEADING = re.compile(r"Path parameters:")
_REQUEST_HEADING = re.compile(r"Request fields \((?P<media>[^()\s]+)\):")
_RESPONSE_HEADING = re.compile(r"Response (?P<status>\d{3}) fields(?: \((?P<media>[^()\s]+)\):)?")
_FIELD = re.compile(
    r"`(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)` \((?P<type>\w+)(?P<required>, required)?\)"
    r"(?:\s+(?P<rest>.*))?",
    re.DOTALL,
)
# A field entry that lost its backticks would silently become part of the previous description.
_STRAY_FIELD = re.compile(r"(?:^|\s)-\s+[\w.]+\s+\((?:string|number|boolean|array|object)\b")
# The enum list closes the entry: `Enum: "a", "b"` at the very end, after any description.
_ENUM = re.compile(r'(?:^|\s)Enum: (?P<values>"[^"]*"(?:, "[^"]*")*)$', re.DOTALL)


@dataclass(frozen=True)
class Field:
    """One `- \\`name\\` (type, required) description Enum: ...` entry."""

    name: str  # dotted for a field of the items of an array: `substitutions.date`
    type: str
    required: bool
    description: str
    enum: tuple[str, ...] = ()

    @property
    def parent(self) -> str | None:
        """The array this field belongs to the items of, or None at top level."""
        return self.name.rpartition(".")[0] or None

    @property
    def leaf(self) -> str:
        """The property name inside its parent (the part after the last dot)."""
        return self.name.rpartition(".")[2]


@dataclass(frozen=True)
class Section:
    """A `## ...` section: path parameters, the request, or one response status."""

    kind: str  # "path" | "request" | "response"
    status: int | None  # the response status; None for path and request
    media_type: str | None  # e.g. application/json; None when the heading names none
    fields: tuple[Field, ...]

    def children(self, parent: str | None) -> tuple[Field, ...]:
        """The fields directly under `parent` (None: the top level), in document order."""
        return tuple(field for field in self.fields if field.parent == parent)


@dataclass(frozen=True)
class Document:
    """The whole document: the heading's facts and the sections in document order."""

    summary: str
    method: str
    path: str
    version: str
    security: str
    sections: tuple[Section, ...]

    def section(self, kind: str, status: int | None = None) -> Section:
        """The one section of `kind` (and `status`); ConfigError when the document lacks it."""
        for section in self.sections:
            if section.kind == kind and section.status == status:
                return section
        label = kind if status is None else f"{kind} {status}"
        raise ConfigError(f"cannot parse document: it has no {label} section")


def _fail(message: str, fragment: str = "") -> ConfigError:
    # Errors quote a short, single-line fragment so the message stays one line.
    if fragment:
        flat = " ".join(fragment.split())
        shown = flat if len(flat) <= 60 else flat[:57] + "..."
        message = f"{message}: {shown!r}"
    return ConfigError(f"cannot parse document: {message}")


def parse_field(entry: str) -> Field:
    """One field entry without its leading `- `."""
    match = _FIELD.fullmatch(entry.strip())
    if match is None:
        raise _fail("unrecognised field entry", entry)
    if match["type"] not in JSON_TYPES:
        raise _fail(f"unknown type {match['type']!r} in field entry", entry)
    rest = (match["rest"] or "").strip()
    if _STRAY_FIELD.search(rest):
        raise _fail("a field entry without backticks inside", entry)
    enum: tuple[str, ...] = ()
    enum_match = _ENUM.search(rest)
    if enum_match is not None:
        enum = tuple(re.findall(r'"([^"]*)"', enum_match["values"]))
        rest = rest[: enum_match.start()].strip()
    elif "Enum:" in rest:
        raise _fail("malformed Enum list in field entry", entry)
    return Field(match["name"], match["type"], bool(match["required"]), rest, enum)


def _section_heading(heading: str) -> tuple[str, int | None, str | None]:
    if _PATH_HEADING.fullmatch(heading):
        return "path", None, None
    if match := _REQUEST_HEADING.fullmatch(heading):
        return "request", None, match["media"]
    if match := _RESPONSE_HEADING.fullmatch(heading):
        return "response", int(match["status"]), match["media"]
    raise _fail("unknown section heading", heading)


def _check_nesting(fields: tuple[Field, ...]) -> None:
    seen: dict[str, Field] = {}
    for field in fields:
        if field.name in seen:
            raise _fail("duplicate field", field.name)
        parent = seen.get(field.parent) if field.parent else None
        if field.parent and (parent is None or parent.type != "array"):
            # A dotted name only means "field of the items" when an array precedes it.
            raise _fail("dotted field without a preceding array", field.name)
        seen[field.name] = field


def parse_section(chunk: str) -> Section:
    """One `## ` section without its leading marker: heading, then field entries."""
    heading, *entries = _FIELD_SPLIT.split(chunk.strip())
    kind, status, media_type = _section_heading(heading.strip())
    fields = tuple(parse_field(entry) for entry in entries)
    _check_nesting(fields)
    return Section(kind, status, media_type, fields)


def _check_sections(sections: tuple[Section, ...]) -> None:
    keys = [(section.kind, section.status) for section in sections]
    for key in keys:
        if keys.count(key) > 1:
            raise _fail("duplicate section", " ".join(str(part) for part in key if part))


def parse_document(text: str) -> Document:
    """The whole document; ConfigError (one line) on anything it cannot read."""
    head, *chunks = _SECTION_SPLIT.split(text.strip())
    match = _HEADING.fullmatch(head.strip())
    if match is None:
        raise _fail("expected '# <summary> Endpoint: <METHOD> <path> Version: ... Security: ...'")
    sections = tuple(parse_section(chunk) for chunk in chunks)
    _check_sections(sections)
    return Document(
        summary=match["summary"].strip(),
        method=match["method"],
        path=match["path"],
        version=match["version"],
        security=match["security"],
        sections=sections,
    )
