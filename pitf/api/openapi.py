"""The hand-written OpenAPI paths of the routes not yet declared through pitf/api/spec.py (which serves the document).

An area converted to `@spec.validate` deletes its paths and schemas here; when the last one is converted,
this module goes. A test fails when a route of the API blueprint is missing from the served document.
"""

from __future__ import annotations

from typing import Any

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


PATHS: dict[str, dict] = {}

_PILLARS = ["prevention", "protection", "prosecution", "partnership"]  # the recommendations' paths


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "schema": schema, **({"description": description} if description else {})}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


_CREATED = {"headers": {"Location": {"schema": {"type": "string"}, "description": "The new object's URL"}}}


# ---- meetings (meetings, agenda, attendance; the minutes' are generated) -----------------------------------------
_TIME = {"type": "string", "format": "date-time"}
_MEETING_INPUT: dict[str, dict[str, Any]] = {
    "committee_id": {"type": "integer"},
    "title": {"type": "string", "maxLength": 200},
    "starts_at": {"type": "string", "description": "ISO 8601 with an offset; without one, the wall-clock time in "
                                                   "`timezone`", "examples": ["2027-03-15T10:00:00-04:00"]},
    "ends_at": {"type": "string", "description": "As starts_at; after it, at most 24 hours later"},
    "timezone": {"type": ["string", "null"], "description": "IANA zone name (PITF_TIMEZONE if left out)"},
    "location": {"type": ["string", "null"], "maxLength": 300},
    "virtual_url": {"type": ["string", "null"], "maxLength": 500, "description": "https:// or http://"},
    "is_open": {"type": "boolean", "default": True, "description": "A closed meeting is seen by its committee's "
                                                                   "members and the secretariat only"},
    "federal_register_notice_date": {"type": ["string", "null"], "format": "date"},
    "joint_with_committee_id": {"type": ["integer", "null"], "description": "A joint meeting with another body"},
}
_MEETING_PROPS = {
    **_MEETING_INPUT,
    "id": {"type": "integer"}, "committee_name": {"type": ["string", "null"]},
    "starts_at": {**_TIME, "description": "Stored in UTC"}, "ends_at": _TIME,
    "starts_at_local": {**_TIME, "description": "In the meeting's time zone"}, "ends_at_local": _TIME,
    "timezone": {"type": "string"}, "location": {"type": "string"}, "virtual_url": {"type": "string"},
    "status": {"type": "string", "enum": ["scheduled", "cancelled"]}, "cancel_reason": {"type": "string"},
    "state": {"type": "string", "enum": ["scheduled", "in_progress", "held", "cancelled"],
              "description": "Derived from the times: a scheduled meeting that is over is held"},
    "short_notice_reason": {"type": "string"}, "series_key": {"type": ["string", "null"]},
    "ics_sequence": {"type": "integer", "description": "The iCalendar SEQUENCE; grows on every change"},
    "created_at": _TIME, "updated_at": _TIME, "version": {"type": "integer"},
}
_MEETING_REQUIRED = ["id", "committee_id", "title", "starts_at", "ends_at", "timezone", "location", "virtual_url",
                     "is_open", "status", "cancel_reason", "federal_register_notice_date", "short_notice_reason",
                     "joint_with_committee_id", "series_key", "ics_sequence", "version"]
_MINUTES_STATUSES = ["draft", "circulated", "approved"]
SCHEMAS.update({
    "Meeting": {"type": "object", "required": _MEETING_REQUIRED, "properties": _MEETING_PROPS},
})
_MEETING_ID = id_param("meeting_id")
PATHS.update({
    "/meetings": {
        "get": {"summary": "Meetings the caller may see, latest first", "parameters": [
            *PAGE_PARAMS,
            _query("committee_id", {"type": "integer"}),
            _query("from", {"type": "string"}, "A date (US Eastern) or an ISO 8601 time: starting on or after"),
            _query("to", {"type": "string"}, "A date (US Eastern, inclusive) or an ISO 8601 time: starting before"),
            _query("status", {"type": "string", "enum": ["scheduled", "cancelled"]}),
            _query("upcoming", {"type": "boolean"}, "Not yet ended, soonest first"),
        ], "responses": {**ok(page_schema("Meeting")), **errors(401, 422)}},
    },
})
# ---- end of meetings ---------------------------------------------------------------------------

# ---- recommendations (the Advisory Council's recommendations and the agencies' responses) ---------
# The writes and the single recommendation are declared in pitf/api/recommendations.py; the two lists are here.
_REC_STATUSES = ["draft", "submitted", "under_review", "open", "closed_implemented", "closed_not_implemented",
                 "withdrawn"]
_POSITIONS = ["concur", "partially_concur", "non_concur"]
SCHEMAS.update({
    "Recommendation": {"type": "object", "required": [
        "id", "number", "title", "body_md", "body_html", "rationale_md", "rationale_html", "pillar", "status",
        "target_agencies", "co_sponsor_ids", "report_year", "priority", "filed_by", "submitted_at", "closed_at",
        "response_due", "version",
    ], "properties": {
        "id": {"type": "integer"},
        "number": {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2,}$",
                   "description": "YYYY-NN, given on submission; null for a draft", "examples": ["2027-04"]},
        "sequence": {"type": ["integer", "null"]},
        "title": {"type": "string", "maxLength": 300},
        "body_md": {"type": "string"}, "body_html": {"type": "string", "description": "Sanitized HTML"},
        "rationale_md": {"type": "string"}, "rationale_html": {"type": "string"},
        "pillar": {"type": "string", "enum": _PILLARS},
        "status": {"type": "string", "enum": _REC_STATUSES}, "status_label": {"type": "string"},
        "target_agencies": {"type": "array", "items": {"type": "string"}},
        "co_sponsor_ids": {"type": "array", "items": {"type": "integer"}},
        "report_year": {"type": "integer"},
        "priority": {"type": "boolean", "description": "Flagged by the secretariat"},
        "filed_by": {"type": "integer", "description": "The filer's user id"},
        "submitted_at": {"type": ["string", "null"], "format": "date-time"},
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "response_due": {"type": "object", "additionalProperties": {"type": "string", "format": "date"},
                         "description": "Response due date by agency acronym, set when opened"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "version": {"type": "integer"},
    }},
    "AgencyResponse": {"type": "object", "required": [
        "id", "agency", "position", "response_md", "response_html", "revision", "is_current", "author",
        "created_at", "due_date", "action_item_ids",
    ], "properties": {
        "id": {"type": "integer"}, "recommendation_id": {"type": "integer"},
        "agency": {"type": "string", "description": "Agency acronym"},
        "position": {"type": "string", "enum": _POSITIONS}, "position_label": {"type": "string"},
        "response_md": {"type": "string"}, "response_html": {"type": "string", "description": "Sanitized HTML"},
        "revision": {"type": "integer"}, "is_current": {"type": "boolean"},
        "author": {"type": "string", "description": "The author's name"}, "author_id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "due_date": {"type": ["string", "null"], "format": "date", "description": "The response was due"},
        "action_item_ids": {"type": "array", "items": {"type": "integer"}},
        "action_items": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "status": {"type": "string"},
            "due_date": {"type": "string", "format": "date"},
            "percent_complete": {"type": ["integer", "null"]}}}},
    }},
})
_REC_ID = id_param("rec_id")
PATHS.update({
    "/recommendations": {
        "get": {"summary": "Recommendations (drafts: the caller's own only)", "parameters": [
            *PAGE_PARAMS,
            _query("year", {"type": "integer"}, "Report year"),
            _query("status", {"type": "string", "enum": _REC_STATUSES}),
            _query("pillar", {"type": "string", "enum": _PILLARS}),
            _query("agency", {"type": "string"}, "Agency acronym: recommendations addressed to it"),
            _query("priority", {"type": "boolean"}),
            _query("responded", {"type": "boolean"}, "With agency: that agency's response; true: some response"),
            _query("response_overdue", {"type": "boolean"}, "Open, and a response is past due"),
            _query("q", {"type": "string"}, "Words in the number, title or text"),
            _query("sort", {"type": "string", "enum": ["number", "-number", "title", "status", "updated", "due"],
                            "default": "number"}),
        ], "responses": {**ok(page_schema("Recommendation")), **errors(401, 422)}},
    },
    "/recommendations/{rec_id}/responses": {
        "get": {"summary": "The agencies' responses, current ones unless all=true", "parameters": [
            _REC_ID, *PAGE_PARAMS, _query("all", {"type": "boolean", "default": False}, "Every revision")],
                "responses": {**ok(page_schema("AgencyResponse")), **errors(401, 404, 422)}},
    },
})
# ---- end of recommendations -------------------------------------------------------------------


# ---- documents and calendars (attachments, .ics, the personal feed) -----------------------------
_KINDS = ["received", "issued", "evidence", "other"]
SCHEMAS.update({
    "Attachment": {"type": "object", "required": [
        "id", "filename", "size", "content_type", "kind", "uploaded_by", "created_at",
    ], "properties": {
        "id": {"type": "integer"},
        "filename": {"type": "string", "maxLength": 255, "description": "The uploaded name, cleaned (no path)"},
        "size": {"type": "integer", "description": "Bytes"},
        "content_type": {"type": "string", "description": "Found from the content, not the name",
                         "examples": ["application/pdf"]},
        "kind": {"type": "string", "enum": _KINDS},
        "sha256": {"type": "string"},
        "meeting_id": {"type": ["integer", "null"]},
        "recommendation_id": {"type": ["integer", "null"]},
        "uploaded_by": {"type": ["string", "null"], "description": "The uploader's name"},
        "uploaded_by_id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "download_url": {"type": "string"},
    }},
    "AttachmentUpload": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "PDF, Word, Excel, PowerPoint, OpenDocument, plain text or CSV, PNG, JPEG, GIF or "
                                "WebP, checked by content; at most PITF_MAX_UPLOAD_MB (25 MB by default)"},
        "kind": {"type": "string", "enum": _KINDS, "default": "other"},
    }},
})
_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": ref("AttachmentUpload")}}}
_TOO_LARGE = {"413": {"description": "The file is over the size limit",
                      "content": {"application/json": {"schema": ref("Error")}}}}
_UPLOADED = {"201": {"description": "Stored", **_CREATED, "content": {
    "application/json": {"schema": ref("Attachment")}}}}
_ICS = {"200": {"description": "iCalendar (RFC 5545)", "content": {"text/calendar": {"schema": {"type": "string"}}}}}
PATHS.update({
    "/meetings/{meeting_id}/attachments": {
        "post": {"summary": "Attach a document to a meeting (its planners)", "parameters": [id_param("meeting_id")],
                 "requestBody": _UPLOAD,
                 "responses": {**_UPLOADED, **errors(401, 403, 404, 422), **_TOO_LARGE}},
    },
    "/recommendations/{rec_id}/attachments": {
        "post": {"summary": "Attach a document to a recommendation (for now: the secretariat)",
                 "parameters": [id_param("rec_id")], "requestBody": _UPLOAD,
                 "responses": {**_UPLOADED, **errors(401, 403, 404, 422), **_TOO_LARGE}},
    },
    "/attachments/{attachment_id}": {
        "get": {"summary": "Download a document (Content-Disposition: attachment)",
                "parameters": [id_param("attachment_id")],
                "responses": {"200": {"description": "The file, with its detected content type",
                                      "content": {"application/octet-stream": {
                                          "schema": {"type": "string", "format": "binary"}}}},
                              **errors(401, 404)}},
        "delete": {"summary": "Remove a document (kept for the record; its planners)",
                   "parameters": [id_param("attachment_id")],
                   "responses": {"204": {"description": "Removed"}, **errors(401, 403, 404)}},
    },
    "/meetings/{meeting_id}.ics": {
        "get": {"summary": "The meeting as an iCalendar event", "parameters": [id_param("meeting_id")],
                "responses": {**_ICS, **errors(401, 404)}},
    },
    "/calendar/{secret}.ics": {
        "get": {"summary": "A user's personal feed of their committees' meetings (no token: the address is the key)",
                "security": [],
                "parameters": [{"name": "secret", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {**_ICS, "404": {"description": "Unknown or reset feed address",
                                              "content": {"application/json": {"schema": ref("Error")}}}}},
    },
})
# ---- end of documents and calendars -------------------------------------------------------------

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
