"""The machine-readable description of the API (OpenAPI 3.1), served at /api/v1/openapi.json.

Each area adds its paths to PATHS and its schemas to SCHEMAS; a test fails when a route of the
API blueprint is missing here, so the document cannot drift from the code.
"""

from __future__ import annotations

from flask import jsonify

from pitf.api import api_bp

SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "examples": ["not_found"]},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            "current": {"type": "object", "description": "The current object, with a 409 conflict."},
        }}},
    },
    "Me": {"type": "object", "required": ["id", "email", "name", "role", "agency"], "properties": {
        "id": {"type": "integer"}, "email": {"type": "string", "format": "email"}, "name": {"type": "string"},
        "role": {"type": "string", "enum": ["admin", "secretariat", "liaison", "council", "viewer"]},
        "agency": {"type": ["string", "null"], "description": "Agency acronym"},
        "timezone": {"type": "string"},
    }},
    "Agency": {"type": "object", "required": ["id", "acronym", "name"], "properties": {
        "id": {"type": "integer"}, "acronym": {"type": "string", "examples": ["DOJ"]}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["department", "other"]}, "is_active": {"type": "boolean"},
    }},
    "Committee": {"type": "object", "required": ["id", "name", "kind", "parent_id", "members"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "short_name": {"type": "string"},
        "kind": {"type": "string",
                 "enum": ["task_force", "operating_group", "committee", "working_group", "advisory_council"]},
        "parent_id": {"type": ["integer", "null"]}, "follows_faca": {"type": "boolean"},
        "quorum_rule": {"type": "string", "enum": ["majority_agencies", "majority_members"]},
        "members": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string", "enum": ["agency", "person"]},
            "agency": {"type": "string"}, "user_id": {"type": "integer"}, "name": {"type": "string"},
            "role": {"type": "string", "enum": ["chair", "co_chair", "member", "observer", "dfo"]},
            "since": {"type": ["string", "null"], "format": "date"},
        }}},
    }},
}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def page_schema(item: str) -> dict:
    return {"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
        "items": {"type": "array", "items": ref(item)}, "page": {"type": "integer"},
        "per_page": {"type": "integer", "maximum": 200}, "total": {"type": "integer"}}}


def errors(*codes: int) -> dict:
    text = {400: "Malformed JSON", 401: "No or bad token", 403: "Not allowed", 404: "Missing or not visible",
            409: "Version conflict or refused transition", 422: "Invalid field values", 429: "Rate limited"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": ref("Error")}}}
            for c in codes}


def ok(schema: dict, description: str = "OK", status: int = 200) -> dict:
    return {str(status): {"description": description, "content": {"application/json": {"schema": schema}}}}


PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
]


def id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


PATHS: dict[str, dict] = {
    "/openapi.json": {"get": {"summary": "This document", "security": [],
                              "responses": {"200": {"description": "OpenAPI 3.1 document"}}}},
    "/me": {"get": {"summary": "The caller", "responses": {**ok(ref("Me")), **errors(401)}}},
    "/agencies": {"get": {
        "summary": "Member agencies",
        "parameters": [*PAGE_PARAMS, {"name": "include_retired", "in": "query", "schema": {"type": "boolean"}}],
        "responses": {**ok(page_schema("Agency")), **errors(401, 422)}}},
    "/committees": {"get": {"summary": "Committees, with their members", "parameters": PAGE_PARAMS,
                            "responses": {**ok(page_schema("Committee")), **errors(401, 422)}}},
    "/committees/{committee_id}": {"get": {
        "summary": "One committee", "parameters": [id_param("committee_id")],
        "responses": {**ok(ref("Committee")), **errors(401, 404)}}},
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "PITF Coordination Platform API", "version": "1.0.0",
                 "description": "The public JSON API, v1. See shared/API.md for the contract."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
                       "schemas": SCHEMAS},
        "paths": PATHS,
    }


@api_bp.get("/openapi.json")
def openapi():
    return jsonify(document())
