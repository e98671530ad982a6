"""Schemathesis as a body generator, with a fixed config (never an auto-discovered one)."""

from __future__ import annotations

import copy
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

# NUL characters are valid JSON but most databases refuse them; a 400 for them would be a
# false alarm, so valid bodies never carry one.
_CONFIG = {"generation": {"allow-x00": False, "codec": "utf-8"}}


def close_objects(schema: Any) -> Any:
    """Forbid undocumented properties in generated bodies: we send documented fields only."""
    if isinstance(schema, dict):
        closed = {k: close_objects(v) for k, v in schema.items()}
        if closed.get("type") == "object" and "properties" in closed:
            closed.setdefault("additionalProperties", False)
        return closed
    if isinstance(schema, list):
        return [close_objects(v) for v in schema]
    return schema


def body_strategy(
    openapi: dict[str, Any],
    path: str,
    *,
    negative: bool = False,
    drop_properties: tuple[tuple[str, str], ...] = (),
) -> st.SearchStrategy[Any]:
    """Request bodies of `PUT path`, positive (closed objects) or negative (schemathesis's own)."""
    spec = copy.deepcopy(openapi)
    for component, prop in drop_properties:
        schema = spec["components"]["schemas"][component]
        schema["properties"].pop(prop, None)
    if not negative:
        spec["components"] = close_objects(spec["components"])
    loaded = schemathesis.openapi.from_dict(spec, config=SchemathesisConfig.from_dict(_CONFIG))
    operation = loaded[path]["PUT"]
    # The body's own strategy, not `operation.as_strategy()`: a whole Case (path, headers, query,
    # hooks) costs ~2.5 ms more per example than the body alone (bench/README.md), and we build
    # the path and headers ourselves. For negatives it matters more: a negative *Case* may break
    # the path or a header and leave the body valid (84 of 200 with seed 0), an example that tests
    # nothing we can name. (schemathesis 4.32, pinned.)
    config = operation.schema.config.generation_for(operation=operation, phase="fuzzing")
    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
    bodies: st.SearchStrategy[Any] = operation.body.items[0].get_strategy(operation, config, mode)
    if negative:
        return bodies.map(lambda drawn: drawn.value)  # negatives come wrapped, with metadata
    return bodies
