"""Validating values against the schemas of the app's OpenAPI 3.1 document (JSON Schema
2020-12), with jsonschema-rs as schemathesis does."""

from typing import Any

import jsonschema_rs


def validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """Validates against ``schema``; its ``#/components/…`` references resolve in
    ``document``, whose components it carries (a keyword JSON Schema ignores)."""
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": document["components"]}, validate_formats=True
    )


def errors(document: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    """What is wrong with ``value`` by ``schema`` (nothing: valid)."""
    return [
        f"{'/'.join(map(str, error.instance_path))}: {error.message}"[:300]
        for error in validator(document, schema).iter_errors(value)
    ]
