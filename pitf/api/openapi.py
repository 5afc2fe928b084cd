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
    "meeting_id": {"type": ["integer", "null"],
                   "description": "Null when read by someone who may not see the meeting (a closed one)"},
    "recommendation_id": {"type": ["integer", "null"],
                          "description": "Null when read by someone who may not see it (someone else's draft)"},
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
_AGENDA_ITEM_INPUT = {
    "title": {"type": "string", "maxLength": 300},
    "presenter": {"type": ["string", "null"], "maxLength": 200},
    "presenter_agency": {"type": ["string", "null"], "description": "Agency acronym"},
    "duration_minutes": {"type": "integer", "minimum": 1, "maximum": 480, "default": 15},
    "notes_md": {"type": ["string", "null"], "description": "Markdown; rendered and sanitized on save"},
    "action_item_id": {"type": ["integer", "null"]},
    "recommendation_id": {"type": ["integer", "null"],
                          "description": "Null when read by someone who may not see it (someone else's draft)"},
    "recommendation_number": {"type": ["string", "null"], "writeOnly": True,
                              "description": "Instead of recommendation_id: its number, e.g. 2026-01"},
}
_ATTENDANCE_INPUT = {
    "user_id": {"type": ["integer", "null"], "description": "A person with an account, or give name"},
    "name": {"type": ["string", "null"], "maxLength": 200},
    "agency": {"type": ["string", "null"], "description": "Agency acronym (default: the person's agency)"},
    "status": {"type": "string", "enum": ["present", "absent", "represented"], "default": "present"},
    "represented_by": {"type": ["string", "null"], "description": "The alternate; required when represented"},
    "attendee_kind": {"type": ["string", "null"], "enum": [
        "member", "staff", "agency_employee", "public_speaker", "guest", None]},
}
_MINUTES_STATUSES = ["draft", "circulated", "approved"]
SCHEMAS.update({
    "Meeting": {"type": "object", "required": _MEETING_REQUIRED, "properties": _MEETING_PROPS},
    "MeetingDetail": {"type": "object", "required": [*_MEETING_REQUIRED, "flags"], "properties": {
        **_MEETING_PROPS,
        "flags": {"type": "array", "items": {"type": "string"},
                  "description": "Federal clocks: late Federal Register notice, minutes not certified in time, "
                                 "no Council-SPOG meeting early enough before a PITF meeting"},
        "certify_by": {"type": ["string", "null"], "format": "date",
                       "description": "A FACA body: the date its minutes must be certified by"},
    }},
    "MeetingCreate": {"type": "object", "additionalProperties": False,
                      "required": ["committee_id", "title", "starts_at", "ends_at"], "properties": _MEETING_INPUT},
    "MeetingPatch": {
        "type": "object", "additionalProperties": False, "required": ["version"],
        "description": "Only the fields to change, and the version read. `status: cancelled` with `cancel_reason` "
                       "cancels the meeting (nothing is deleted).",
        "properties": {**{k: v for k, v in _MEETING_INPUT.items() if k != "committee_id"},
                       "version": {"type": "integer"}, "status": {"type": "string", "enum": ["cancelled"]},
                       "cancel_reason": {"type": "string", "maxLength": 2000}},
    },
    "AgendaItem": {"type": "object", "required": [
        "id", "position", "title", "presenter", "presenter_agency", "duration_minutes", "notes_md", "notes_html",
        "action_item_id", "recommendation_id", "starts_at",
    ], "properties": {
        **_AGENDA_ITEM_INPUT, "id": {"type": "integer"}, "position": {"type": "integer"},
        "presenter": {"type": "string"}, "notes_md": {"type": "string"},
        "notes_html": {"type": "string", "description": "Sanitized HTML of notes_md"},
        "action_item_title": {"type": ["string", "null"]}, "recommendation_label": {"type": ["string", "null"]},
        "starts_at": {**_TIME, "description": "Computed from the meeting's start and the durations before it"},
    }},
    "AgendaItemInput": {"type": "object", "required": ["title"], "properties": _AGENDA_ITEM_INPUT,
                        "description": "The read-only fields of AgendaItem may be sent back; they are ignored."},
    "Agenda": {"type": "object", "required": ["items", "published_at", "version", "ends_at", "overruns",
                                              "overrun_minutes"], "properties": {
        "meeting_id": {"type": "integer"}, "items": {"type": "array", "items": ref("AgendaItem")},
        "published_at": {"type": ["string", "null"], "format": "date-time"}, "version": {"type": "integer"},
        "starts_at": _TIME, "ends_at": {**_TIME, "description": "When the last item ends"},
        "meeting_ends_at": _TIME, "overruns": {"type": "boolean", "description": "Runs past the meeting's end"},
        "overrun_minutes": {"type": "integer", "minimum": 0},
    }},
    "AgendaPut": {"type": "object", "additionalProperties": False, "required": ["version", "items"],
                  "description": "Replaces the agenda's items, in order.", "properties": {
                      "version": {"type": "integer"},
                      "items": {"type": "array", "maxItems": 100, "items": ref("AgendaItemInput")}}},
    "MeetingCopy": {"type": "object", "additionalProperties": False, "properties": {
        "starts_at": {**_MEETING_INPUT["starts_at"], "description": "Left out: the date suggested for the next "
                      "meeting (the same weekday of the same week, a quarter later for a body that meets quarterly, "
                      "else a month later) at the same wall-clock time"},
        "ends_at": {**_MEETING_INPUT["ends_at"], "description": "Left out: as long as the meeting copied"},
        "title": {"type": ["string", "null"], "maxLength": 200, "description": "Left out: the copied title"}}},
    "AgendaPublish": {"type": "object", "additionalProperties": False, "properties": {
        "short_notice_reason": {"type": ["string", "null"], "maxLength": 2000,
                                "description": "Required for a FACA body noticed fewer than 15 days ahead"}}},
    "AttendanceEntry": {"type": "object", "required": ["id", "user_id", "name", "agency", "status",
                                                       "represented_by", "attendee_kind"], "properties": {
        **_ATTENDANCE_INPUT, "id": {"type": "integer"}, "name": {"type": "string"},
        "attendee_kind": {"type": "string"}}},
    "Attendance": {"type": "object", "required": ["entries", "quorum"], "properties": {
        "entries": {"type": "array", "items": ref("AttendanceEntry")},
        "quorum": {"type": "object", "required": ["required", "present", "met"], "properties": {
            "required": {"type": "integer"}, "present": {"type": "integer"}, "met": {"type": "boolean"},
            "rule": {"type": "string", "enum": ["majority_agencies", "majority_members"]}}},
    }},
    "AttendancePut": {"type": "object", "additionalProperties": False, "required": ["entries"], "properties": {
        "entries": {"type": "array", "maxItems": 500, "items": {
            "type": "object", "properties": _ATTENDANCE_INPUT}}}},
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
        "post": {"summary": "Schedule a meeting (the secretariat, or the committee's chair and co-chairs)",
                 "requestBody": _body("MeetingCreate"),
                 "responses": {"201": {"description": "Created", **_CREATED, "content": {
                     "application/json": {"schema": ref("MeetingDetail")}}}, **errors(400, 401, 403, 422)}},
    },
    "/meetings/{meeting_id}": {
        "get": {"summary": "One meeting, with its federal-clock flags", "parameters": [_MEETING_ID],
                "responses": {**ok(ref("MeetingDetail")), **errors(401, 404)}},
        "patch": {"summary": "Change or cancel a meeting (its planners)", "parameters": [_MEETING_ID],
                  "requestBody": _body("MeetingPatch"),
                  "responses": {**ok(ref("MeetingDetail")), **errors(400, 401, 403, 404, 409, 422)}},
    },
    "/meetings/{meeting_id}/copy": {
        "post": {"summary": "Plan the next meeting from this one: same body, place, length and agenda (unpublished)",
                 "parameters": [_MEETING_ID],
                 "requestBody": {"required": False, "content": {"application/json": {"schema": ref("MeetingCopy")}}},
                 "responses": {"201": {"description": "Created", **_CREATED, "content": {
                     "application/json": {"schema": ref("MeetingDetail")}}}, **errors(400, 401, 403, 404, 422)}},
    },
    "/meetings/{meeting_id}/agenda": {
        "get": {"summary": "The agenda, each item with its computed start", "parameters": [_MEETING_ID],
                "responses": {**ok(ref("Agenda")), **errors(401, 404)}},
        "put": {"summary": "Replace the agenda's items (the meeting's planners)", "parameters": [_MEETING_ID],
                "requestBody": _body("AgendaPut"),
                "responses": {**ok(ref("Agenda")), **errors(400, 401, 403, 404, 409, 422)}},
    },
    "/meetings/{meeting_id}/agenda/publish": {
        "post": {"summary": "Publish the agenda: the committee's members are notified", "parameters": [_MEETING_ID],
                 "requestBody": {"required": False, "content": {"application/json": {
                     "schema": ref("AgendaPublish")}}},
                 "responses": {**ok(ref("Agenda")), **errors(400, 401, 403, 404, 422)}},
    },
    "/meetings/{meeting_id}/attendance": {
        "get": {"summary": "Attendance and quorum", "parameters": [_MEETING_ID],
                "responses": {**ok(ref("Attendance")), **errors(401, 404)}},
        "put": {"summary": "Replace the attendance list (the meeting's planners)", "parameters": [_MEETING_ID],
                "requestBody": _body("AttendancePut"),
                "responses": {**ok(ref("Attendance")), **errors(400, 401, 403, 404, 422)}},
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
        "get": {"summary": "A meeting's documents (404 for a closed meeting to non-members)",
                "parameters": [id_param("meeting_id"), *PAGE_PARAMS],
                "responses": {**ok(page_schema("Attachment")), **errors(401, 404, 422)}},
        "post": {"summary": "Attach a document to a meeting (its planners)", "parameters": [id_param("meeting_id")],
                 "requestBody": _UPLOAD,
                 "responses": {**_UPLOADED, **errors(401, 403, 404, 422), **_TOO_LARGE}},
    },
    "/recommendations/{rec_id}/attachments": {
        "get": {"summary": "A recommendation's documents (for now: the secretariat and the filer)",
                "parameters": [id_param("rec_id"), *PAGE_PARAMS],
                "responses": {**ok(page_schema("Attachment")), **errors(401, 403, 404, 422)}},
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


# ---- notifications ------------------------------------------------------------------------------
SCHEMAS.update({
    "Notification": {"type": "object", "required": ["id", "kind", "title", "url", "created_at", "read_at"],
                     "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "examples": ["action_item_assigned", "action_overdue", "escalation"]},
        "title": {"type": "string"}, "body": {"type": "string"},
        "url": {"type": "string", "description": "The path of the object it is about, on this site"},
        "created_at": {"type": "string", "format": "date-time"},
        "read_at": {"type": ["string", "null"], "format": "date-time"},
    }},
})
PATHS.update({
    "/notifications": {
        "get": {"summary": "The caller's own notifications, newest first", "parameters": [
            *PAGE_PARAMS, _query("unread", {"type": "boolean", "default": False}, "Only the unread ones")],
            "responses": {**ok(page_schema("Notification")), **errors(401, 422)}},
    },
    "/notifications/{notification_id}/read": {
        "post": {"summary": "Mark one of the caller's notifications read (someone else's: 404)",
                 "parameters": [id_param("notification_id")],
                 "responses": {**ok(ref("Notification")), **errors(401, 404)}},
    },
})
# ---- end of notifications -----------------------------------------------------------------------

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
