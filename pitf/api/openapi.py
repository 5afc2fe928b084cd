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

# ---- action items ------------------------------------------------------------------------------
_ACTION_STATUSES = ["open", "in_progress", "blocked", "done", "cancelled"]
_PILLARS = ["prevention", "protection", "prosecution", "partnership"]
_PRIORITIES = ["high", "normal", "low"]
_ACTION_ITEM_INPUT = {
    "title": {"type": "string", "maxLength": 300},
    "description_md": {"type": ["string", "null"], "description": "Markdown; rendered and sanitized on save"},
    "committee_id": {"type": "integer"},
    "meeting_id": {"type": ["integer", "null"]},
    "recommendation_id": {"type": ["integer", "null"]},
    "lead_agency": {"type": "string", "description": "Agency acronym", "examples": ["DOJ"]},
    "supporting_agencies": {"type": ["array", "null"], "items": {"type": "string"}},
    "owner_id": {"type": ["integer", "null"], "description": "A person of the lead agency"},
    "due_date": {"type": "string", "format": "date"},
    "pillar": {"type": "string", "enum": _PILLARS},
    "priority": {"type": ["string", "null"], "enum": [*_PRIORITIES, None], "default": "normal"},
}
SCHEMAS.update({
    "ActionItem": {"type": "object", "required": [
        "id", "title", "description_md", "description_html", "committee_id", "meeting_id", "recommendation_id",
        "lead_agency", "supporting_agencies", "owner_id", "due_date", "status", "pillar", "priority",
        "percent_complete", "overdue", "external_ref", "cancel_reason", "created_at", "updated_at", "version",
    ], "properties": {
        **_ACTION_ITEM_INPUT,
        "id": {"type": "integer"},
        "description_md": {"type": "string"},
        "description_html": {"type": "string", "description": "Sanitized HTML of description_md"},
        "committee_name": {"type": "string"},
        "supporting_agencies": {"type": "array", "items": {"type": "string"}},
        "owner_name": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": _ACTION_STATUSES},
        "priority": {"type": "string", "enum": _PRIORITIES},
        "percent_complete": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "overdue": {"type": "boolean", "description": "Not done or cancelled, and past its due date"},
        "external_ref": {"type": ["string", "null"], "maxLength": 100},
        "cancel_reason": {"type": "string"},
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "last_update_at": {"type": ["string", "null"], "format": "date-time"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "version": {"type": "integer"},
    }},
    "ActionItemCreate": {
        "type": "object", "additionalProperties": False,
        "required": ["title", "committee_id", "lead_agency", "due_date", "pillar"],
        "properties": {**_ACTION_ITEM_INPUT, "external_ref": {
            "type": ["string", "null"], "maxLength": 100,
            "description": "The item's id in the agency's own tracker; unique"}},
    },
    "ActionItemPatch": {
        "type": "object", "additionalProperties": False, "required": ["version"],
        "description": "Only the fields to change, and the version read. The status changes through /updates.",
        "properties": {**_ACTION_ITEM_INPUT, "version": {"type": "integer"}},
    },
    "StatusUpdate": {"type": "object", "required": [
        "id", "status", "previous_status", "note_md", "note_html", "percent_complete", "author", "author_agency",
        "created_at",
    ], "properties": {
        "id": {"type": "integer"}, "action_item_id": {"type": "integer"},
        "status": {"type": "string", "enum": _ACTION_STATUSES},
        "previous_status": {"type": ["string", "null"], "description": "Set when this update changed the status"},
        "note_md": {"type": "string"}, "note_html": {"type": "string"},
        "percent_complete": {"type": ["integer", "null"]}, "author_id": {"type": ["integer", "null"]},
        "author": {"type": ["string", "null"], "description": "The author's name"},
        "author_agency": {"type": ["string", "null"], "description": "Agency acronym"},
        "created_at": {"type": "string", "format": "date-time"},
    }},
    "StatusUpdateCreate": {
        "type": "object", "additionalProperties": False, "required": ["version"],
        "description": "A new status (the lead agency or the secretariat; cancelling is the secretariat's), "
                       "a note (also a supporting agency), or both.",
        "properties": {"version": {"type": "integer"}, "status": {"type": ["string", "null"], "enum": [
            *_ACTION_STATUSES, None]}, "note_md": {"type": ["string", "null"]},
            "percent_complete": {"type": ["integer", "null"], "minimum": 0, "maximum": 100}},
    },
    "StatusUpdateCreated": {"type": "object", "required": ["update", "item"], "properties": {
        "update": ref("StatusUpdate"), "item": ref("ActionItem")}},
})


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema, **({"description": description} if description else {})}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


_CREATED = {"headers": {"Location": {"schema": {"type": "string"}, "description": "The new object's URL"}}}
PATHS.update({
    "/action-items": {
        "get": {"summary": "Action items, filtered", "parameters": [
            *PAGE_PARAMS,
            _query("agency", {"type": "string"}, "Agency acronym: items it leads or supports"),
            _query("agency_role", {"type": "string", "enum": ["lead", "supporting"]}, "Narrows agency"),
            _query("committee_id", {"type": "integer"}),
            _query("status", {"type": "string"}, "A status, several separated by commas, or closed / active"),
            _query("pillar", {"type": "string", "enum": _PILLARS}),
            _query("priority", {"type": "string", "enum": _PRIORITIES}),
            _query("overdue", {"type": "boolean"}),
            _query("due_after", {"type": "string", "format": "date"}, "Due on or after"),
            _query("due_before", {"type": "string", "format": "date"}, "Due on or before"),
            _query("owner_id", {"type": "integer"}),
            _query("meeting_id", {"type": "integer"}),
            _query("recommendation_id", {"type": "integer"}),
            _query("q", {"type": "string"}, "Words in the title or description"),
            _query("sort", {"type": "string", "enum": ["due_date", "-due_date", "title", "-title", "status",
                                                       "-status", "lead_agency", "-lead_agency", "updated",
                                                       "-updated"], "default": "due_date"}),
        ], "responses": {**ok(page_schema("ActionItem")), **errors(401, 422)}},
        "post": {"summary": "Create an action item (the secretariat)", "requestBody": _body("ActionItemCreate"),
                 "responses": {"201": {"description": "Created", **_CREATED, "content": {
                     "application/json": {"schema": ref("ActionItem")}}}, **errors(400, 401, 403, 422)}},
    },
    "/action-items/{item_id}": {
        "get": {"summary": "One action item", "parameters": [id_param("item_id")],
                "responses": {**ok(ref("ActionItem")), **errors(401, 404)}},
        "patch": {"summary": "Change an action item's fields (the secretariat)", "parameters": [id_param("item_id")],
                  "requestBody": _body("ActionItemPatch"),
                  "responses": {**ok(ref("ActionItem")), **errors(400, 401, 403, 404, 409, 422)}},
    },
    "/action-items/{item_id}/updates": {
        "get": {"summary": "The item's status history, oldest first", "parameters": [id_param("item_id"),
                                                                                     *PAGE_PARAMS],
                "responses": {**ok(page_schema("StatusUpdate")), **errors(401, 404, 422)}},
        "post": {"summary": "Post a status update or a note", "parameters": [id_param("item_id")],
                 "requestBody": _body("StatusUpdateCreate"),
                 "responses": {"201": {"description": "Appended", "content": {
                     "application/json": {"schema": ref("StatusUpdateCreated")}}},
                     **errors(400, 401, 403, 404, 409, 422)}},
    },
})




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
