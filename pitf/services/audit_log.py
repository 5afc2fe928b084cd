"""The audit log as people read it: entries filtered and paged, fields and values in words, objects linked."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import require
from pitf.models import (
    ActionItem,
    Agency,
    Agenda,
    ApiToken,
    Attachment,
    AuditEntry,
    Committee,
    Meeting,
    Membership,
    Minutes,
    OutboxEmail,
    Recommendation,
    User,
)
from pitf.models.actions import ACTION_STATUS_LABELS, PILLAR_LABELS
from pitf.models.org import COMMITTEE_KIND_LABELS, MEMBERSHIP_ROLE_LABELS, ROLE_LABELS
from pitf.paging import count_rows, in_order, page_keys, table_rows
from pitf.services import visibility
from pitf.services.filters import BadFilter, Filter, read_filters
from pitf.services.recommendations import POSITION_LABELS, STATUS_LABELS
from pitf.textutil import parse_id

NONE = "(none)"
SHORT_TEXT = 160  # characters of a value shown before "Show all"
FIRST_YEAR, LAST_YEAR = 1970, 2999  # dates of the filters (the ends of the calendar overflow time zone arithmetic)

KIND_LABELS = {
    "ActionItem": "Action item", "Agency": "Agency", "Agenda": "Agenda", "AnnualReport": "Annual report",
    "ApiToken": "API token", "Attachment": "Attachment", "Committee": "Committee", "JobRun": "Job run",
    "Meeting": "Meeting", "Membership": "Membership", "Minutes": "Minutes", "OutboxEmail": "Email",
    "Recommendation": "Recommendation", "Setting": "Settings", "User": "Person",
}
# What each action did, in words; any other is "Kind: verb" from its name.
ACTION_LABELS = {
    "user.signed_in": "Signed in", "user.signed_out": "Signed out", "user.password_changed": "Changed their password",
    "user.password_reset": "Password reset", "user.created": "Account created", "user.updated": "Account changed",
    "user.reactivated": "Account reactivated", "user.deactivated": "Account deactivated",
    "user.preferences": "Preferences changed", "user.notification_preferences": "Notification preferences changed",
    "token.created": "API token created", "token.revoked": "API token revoked",
    "user.identity_linked": "Single sign-on identity linked",
    "user.identity_unlinked": "Single sign-on identity unlinked",
    "user.sso_refused": "Single sign-on refused",
    "user.factor_added": "Second factor added", "user.factor_removed": "Second factor removed",
    "user.factor_refused": "Security key refused at registration", "user.factors_reset": "Second factors removed",
    "user.recovery_codes_generated": "New recovery codes", "user.second_factor_used": "Second factor used",
    "user.second_factor_refused": "Second factor refused", "user.reauthenticated": "Confirmed it was them",
    "action_item.status_update": "Action item: status update", "action_item.csv_import": "Action items imported (CSV)",
    "minutes.action_confirmed": "Minutes: ACTION line confirmed",
    "minutes.action_dismissed": "Minutes: ACTION line dismissed",
    "recommendation.report_order": "Annual report: order changed", "settings.reminders": "Reminder settings changed",
    "job.run_now": "Job run now", "outbox.retried": "Email retried", "demo.scale": "Demo data added",
}
FIELD_LABELS = {
    "lead_agency_id": "Lead agency", "supporting_agency_ids": "Supporting agencies", "agency_id": "Agency",
    "committee_id": "Committee", "parent_id": "Parent body", "joint_with_committee_id": "Joint with",
    "user_id": "Person", "owner_id": "Owner", "filed_by_id": "Filed by", "created_by_id": "Created by",
    "approved_by_id": "Approved by", "published_by_id": "Published by", "presenter_user_id": "Presenter",
    "presenter_agency_id": "Presenting agency", "recipient_id": "Recipient", "co_sponsor_ids": "Co-sponsors",
    "cosponsor_ids": "Co-sponsors", "target_agency_ids": "Agencies addressed", "target_ids": "Agencies addressed",
    "meeting_id": "Meeting", "recommendation_id": "Recommendation", "action_item_id": "Action item",
    "action_item_ids": "Action items", "description_md": "Description", "body_md": "Text", "rationale_md": "Rationale",
    "notes_md": "Notes", "note_md": "Note", "starts_at": "Starts", "ends_at": "Ends", "due_date": "Due",
    "is_open": "Open to the public", "is_active": "Active", "virtual_url": "Online link", "follows_faca": "Under FACA",
    "percent_complete": "Percent complete", "external_ref": "External reference", "email": "Email address",
    "calendar_secret": "Calendar feed address", "response_due": "Responses due", "short_notice_reason":
    "Reason for short notice", "federal_register_notice_date": "Federal Register notice", "job_id": "Job",
    "partly_closed": "Partly closed", "federal_register_citation": "Federal Register citation",
    "appointment_type": "Appointment type", "term_ends_on": "Term ends", "started_on": "Appointed on",
}
# Fields that hold ids of other objects: the field's name without _id / _ids, and the kind of object.
REFS = {
    "agency": "Agency", "lead_agency": "Agency", "presenter_agency": "Agency", "supporting_agency": "Agency",
    "target_agency": "Agency", "target": "Agency", "committee": "Committee", "parent": "Committee",
    "joint_with_committee": "Committee", "user": "User", "owner": "User", "filed_by": "User",
    "created_by": "User", "approved_by": "User", "published_by": "User", "presenter_user": "User",
    "recipient": "User", "uploaded_by": "User", "updated_by": "User", "co_sponsor": "User", "cosponsor": "User",
    "meeting": "Meeting", "recommendation": "Recommendation", "action_item": "ActionItem",
}
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")
_ACTION = re.compile(r"[a-z_]+(\.[a-z_]+)*")
_KIND = re.compile(r"[A-Za-z]+")


def humanize(code: str) -> str:
    return code.replace("_", " ").capitalize()


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).capitalize() or "Other")


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    area, _, verb = action.partition(".")
    area_label = {"action_item": "Action item", "membership": "Membership", "attachment": "Attachment"}.get(
        area, humanize(area))
    return f"{area_label}: {verb.replace('_', ' ')}" if verb else area_label


def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    return humanize(re.sub(r"_(ids?|md)$", "", name))


def ref_kind(name: str) -> str | None:
    for suffix in ("_ids", "_id"):
        if name.endswith(suffix):
            return REFS.get(name[: -len(suffix)])
    return None


# ---- filters ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilters:
    person: str = ""  # a user's id, or "system" for entries without a person
    action: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def query_args(self) -> dict[str, str]:
        """The filters as they stand in the address (for the pagination's links)."""
        args = {"person": self.person, "action": self.action, "kind": self.kind,
                "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else ""}
        return {k: v for k, v in args.items() if v}


def _day(raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        if not (raw.isascii() and _DATE.fullmatch(raw)):
            raise ValueError
        day = date.fromisoformat(raw)
    except ValueError as err:
        raise BadFilter(f"Enter a date that exists, as YYYY-MM-DD (for example 2026-11-30), not “{raw[:40]}”.") \
            from err
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadFilter(f"Enter a date from {FIRST_YEAR} to {LAST_YEAR}.")
    return day


def _matching(pattern: re.Pattern, message: str):
    """Text of at most 64 ASCII characters that *pattern* matches (an action's or a kind's name)."""
    def read(raw: str) -> str:
        text = raw.strip()
        if text and (len(text) > 64 or not text.isascii() or not pattern.fullmatch(text)):
            raise BadFilter(message)
        return text
    return read


def _person(raw: str) -> str:
    person = raw.strip()
    if person and person != "system" and parse_id(person) is None:
        raise BadFilter("Choose a person from the list.")
    return person


def _days_in_order(values: dict) -> dict[str, str]:
    if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
        return {"to": "The last day comes on or after the first day."}
    return {}


AUDIT_FILTERS = (
    Filter("person", _person),
    Filter("action", _matching(_ACTION, "Choose an action from the list.")),
    Filter("kind", _matching(_KIND, "Choose a kind of object from the list.")),
    Filter("from", _day, attr="date_from"),
    Filter("to", _day, attr="date_to"),
)


def parse_audit_filters(args) -> AuditFilters:
    """The audit page's filters from its address; ValidationFailed names each bad one in words."""
    return read_filters(args, AuditFilters, AUDIT_FILTERS, check=_days_in_order)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time()).replace(tzinfo=tz).astimezone(UTC)


def list_audit(*, session: Session, actor, filters: AuditFilters, tz: ZoneInfo, page: int = 1,
               per_page: int = 50) -> tuple[list[AuditEntry], int]:
    """Entries newest first that match *filters*; dates are whole days in *tz* (the viewer's zone)."""
    require(permissions.can_view_audit_log(actor), "Only administrators read the audit log.")
    where: list[ColumnElement[bool]] = []
    if filters.person == "system":
        where.append(AuditEntry.actor_id.is_(None))
    elif filters.person:
        where.append(AuditEntry.actor_id == int(filters.person))
    if filters.action:
        where.append(AuditEntry.action == filters.action)
    if filters.kind:
        where.append(AuditEntry.object_type == filters.kind)
    if filters.date_from:
        where.append(AuditEntry.created_at >= _local_midnight(filters.date_from, tz))
    if filters.date_to:
        where.append(AuditEntry.created_at < _local_midnight(filters.date_to + timedelta(days=1), tz))
    # The total: the table's row tally unfiltered, else a count over the indexes; the page's ids through the
    # primary key, the last pages read backwards from the end (pitf.paging.page_keys), then their rows.
    keys = select(AuditEntry.id).where(*where)
    total = count_rows(session, keys) if where else table_rows(session, "auditentry")
    ids = page_keys(session, keys, (AuditEntry.id.desc(),), page, per_page, total)
    entries = in_order(session.execute(select(AuditEntry).where(AuditEntry.id.in_(ids))).scalars(), ids,
                       key=lambda e: e.id) if ids else []
    return entries, total


def _distinct(session: Session, column) -> list:
    """The distinct non-null values of an indexed *column*, one index probe each (a loose index scan, as a
    recursive query: the next value is the least one above the last), not a pass over 200,000 entries."""
    found = select(func.min(column).label("value")).cte("found", recursive=True)
    found = found.union_all(select(select(func.min(column)).where(column > found.c.value).scalar_subquery())
                            .where(found.c.value.is_not(None)))
    return list(session.execute(select(found.c.value).where(found.c.value.is_not(None))).scalars())


def filter_choices(*, session: Session, actor) -> dict[str, list[tuple[str, str]]]:
    """The lists the filters choose from: the people, actions and kinds of object found in the log."""
    require(permissions.can_view_audit_log(actor), "Only administrators read the audit log.")
    people = session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(_distinct(session, AuditEntry.actor_id)))
        .order_by(User.name, User.id)).all()
    actions = _distinct(session, AuditEntry.action)
    kinds = _distinct(session, AuditEntry.object_type)
    return {
        "people": [("system", "The system (no person)")] + [(str(p.id), f"{p.name} ({p.email})") for p in people],
        "actions": sorted(((a, action_label(a)) for a in actions), key=lambda p: p[1].lower()),
        "kinds": sorted(((k, kind_label(k)) for k in kinds if k), key=lambda p: p[1].lower()),
    }


# ---- entries in words ---------------------------------------------------------------------------

@dataclass
class Shown:
    """A value in words; *full* is set when *text* is shortened."""

    text: str
    full: str = ""


@dataclass
class ChangeView:
    label: str
    before: Shown
    after: Shown


@dataclass
class EntryView:
    entry: AuditEntry
    who: str
    who_link: tuple | None
    action: str
    kind: str
    object_label: str
    object_link: tuple | None  # (endpoint, arguments) for url_for, when the object exists and may be opened
    changes: list[ChangeView] = field(default_factory=list)


def _shown(text: str) -> Shown:
    if len(text) <= SHORT_TEXT:
        return Shown(text)
    cut = text[:SHORT_TEXT].rsplit(" ", 1)[0] or text[:SHORT_TEXT]
    return Shown(cut.rstrip() + "…", full=text)


class _Names:
    """Everything one page of entries refers to, loaded with one query per kind of object."""

    def __init__(self, session: Session, actor, entries: list[AuditEntry]):
        self.actor = actor
        wanted: dict[str, set[int]] = defaultdict(set)
        for e in entries:
            if e.actor_id:
                wanted["User"].add(e.actor_id)
            if e.object_id and e.object_type:
                wanted[e.object_type].add(e.object_id)
            for name, pair in (e.changes or {}).items():
                if (kind := ref_kind(name)) and isinstance(pair, list):
                    for value in pair:
                        for v in value if isinstance(value, list) else [value]:
                            if isinstance(v, int) and not isinstance(v, bool):
                                wanted[kind].add(v)

        def load(model, kind):
            ids = {i for i in wanted.get(kind, ()) if isinstance(i, int) and 0 < i < 2**31}
            return {r.id: r for r in session.execute(select(model).where(model.id.in_(ids))).scalars()} if ids else {}

        self.rows: dict[str, dict[int, Any]] = {}
        for kind, model in (("Agenda", Agenda), ("Minutes", Minutes), ("Membership", Membership),
                            ("Attachment", Attachment), ("ApiToken", ApiToken), ("OutboxEmail", OutboxEmail)):
            self.rows[kind] = load(model, kind)
        # The parents of those: the meeting of an agenda, the committee of a membership, ...
        for row in [*self.rows["Agenda"].values(), *self.rows["Minutes"].values(), *self.rows["Attachment"].values()]:
            if row.meeting_id:
                wanted["Meeting"].add(row.meeting_id)
        for row in self.rows["Attachment"].values():
            if row.recommendation_id:
                wanted["Recommendation"].add(row.recommendation_id)
        for row in self.rows["Membership"].values():
            wanted["Committee"].add(row.committee_id)
        for row in self.rows["ApiToken"].values():
            wanted["User"].add(row.user_id)
        for kind, parent in (("ActionItem", ActionItem), ("Agency", Agency), ("Committee", Committee),
                             ("Meeting", Meeting), ("Recommendation", Recommendation), ("User", User)):
            self.rows[kind] = load(parent, kind)
        # Whether the viewer may see each: the platform's one rule (services/visibility.py).
        self.visible_meetings = visibility.visible_meeting_ids(session, actor, self.rows["Meeting"])
        self.visible_recommendations = visibility.visible_recommendation_ids(session, actor,
                                                                             self.rows["Recommendation"])

    def get(self, kind: str, obj_id) -> Any:
        return self.rows.get(kind, {}).get(obj_id)

    def may_see_meeting(self, m: Meeting) -> bool:
        return m.id in self.visible_meetings

    def may_see_recommendation(self, r: Recommendation) -> bool:
        return r.id in self.visible_recommendations

    def hidden(self, kind: str, obj_id) -> str | None:
        """What to say instead of an object the viewer may not see; None when they may."""
        row = self.get(kind, obj_id)
        if kind == "Meeting" and row is not None and not self.may_see_meeting(row):
            return "a closed meeting"
        if kind == "Recommendation" and row is not None and not self.may_see_recommendation(row):
            return "a draft recommendation"
        if kind in ("Agenda", "Minutes", "Attachment") and row is not None:
            if row.meeting_id and self.hidden("Meeting", row.meeting_id):
                return "an item of a closed meeting"
            if getattr(row, "recommendation_id", None) and self.hidden("Recommendation", row.recommendation_id):
                return "a file of a draft recommendation"
        return None

    def name(self, kind: str, obj_id) -> str:
        """An object's name in words, as a field's value shows it."""
        if (said := self.hidden(kind, obj_id)) is not None:
            return said
        row = self.get(kind, obj_id)
        if row is None:
            return f"{kind_label(kind)} {obj_id} (no longer exists)"
        if kind == "Agency":
            return row.acronym
        if kind in ("Committee", "User"):
            return row.name
        if kind == "Recommendation":
            return f"{row.number}: {row.title}" if row.number else row.title
        return row.title

    def describe_object(self, kind: str, obj_id) -> tuple[str, tuple | None]:
        """The label and (endpoint, arguments) link of an entry's object."""
        if kind == "Setting":
            return "Reminder settings", ("admin_ops.reminders", {})
        if kind == "JobRun":
            return f"Job run {obj_id or ''}".strip(), ("admin_ops.jobs", {})
        if kind == "AnnualReport" and obj_id:
            return f"Annual report {obj_id}", ("rec_reports.report", {"year": obj_id})
        if not obj_id:
            return kind_label(kind) if kind else "", None
        if (said := self.hidden(kind, obj_id)) is not None:
            return said[0].upper() + said[1:], None
        row = self.get(kind, obj_id)
        if row is None:
            return f"{kind_label(kind)} {obj_id} (no longer exists)", None
        links = {
            "ActionItem": lambda: ("actions.item", {"item_id": row.id}),
            "Meeting": lambda: ("meetings.meeting", {"meeting_id": row.id}),
            "Recommendation": lambda: ("recommendations.view", {"rec_id": row.id}),
            "User": lambda: ("admin.user_edit", {"user_id": row.id}),
            "Agency": lambda: ("org.agency", {"acronym": row.acronym}),
            "Committee": lambda: ("org.committee", {"committee_id": row.id}),
            "OutboxEmail": lambda: ("admin_ops.outbox_email", {"email_id": row.id}),
        }
        if kind in links:
            label = row.subject if kind == "OutboxEmail" else self.name(kind, obj_id)
            if kind == "Agency":
                label = f"{row.acronym}: {row.name}"
            return label, links[kind]()
        if kind in ("Agenda", "Minutes"):
            meeting = self.name("Meeting", row.meeting_id)
            endpoint = "meetings.agenda" if kind == "Agenda" else "minutes.view"
            return f"{kind_label(kind)} of {meeting}", (endpoint, {"meeting_id": row.meeting_id})
        if kind == "Membership":
            committee = self.get("Committee", row.committee_id)
            return (f"Membership on {committee.name if committee else 'a body that no longer exists'}",
                    ("admin.committee_members", {"committee_id": row.committee_id}))
        if kind == "Attachment":
            if row.deleted_at is not None:
                return f"{row.filename} (removed)", None
            if row.meeting_id:
                return row.filename, ("files.meeting_attachments", {"meeting_id": row.meeting_id})
            return row.filename, ("files.recommendation_attachments", {"rec_id": row.recommendation_id})
        if kind == "ApiToken":
            owner = self.get("User", row.user_id)
            return (f"API token {row.prefix}… of {owner.name if owner else 'a removed account'}",
                    ("admin.user_edit", {"user_id": row.user_id}) if owner else None)
        return f"{kind_label(kind)} {obj_id}", None


def _vocabulary(name: str, kind: str) -> dict[str, str] | None:
    """The labels of a field's coded values, or None when the field holds free text."""
    if name == "status":
        return {"ActionItem": ACTION_STATUS_LABELS, "Recommendation": STATUS_LABELS}.get(kind, {})
    if name == "role":
        return MEMBERSHIP_ROLE_LABELS if kind == "Membership" else ROLE_LABELS
    if name == "kind":
        return COMMITTEE_KIND_LABELS if kind == "Committee" else {}
    return {"pillar": PILLAR_LABELS, "position": POSITION_LABELS, "priority": {}, "state": {},
            "member_type": {}, "outcome": {}}.get(name)


def _words(name: str, value: Any, kind: str, names: _Names, tz: ZoneInfo) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return NONE
    if value == "[redacted]":
        return "(not shown)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if (ref := ref_kind(name)) is not None:
        ids = value if isinstance(value, list) else [value]
        return ", ".join(names.name(ref, i) if isinstance(i, int) else str(i) for i in ids)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_words(str(k), v, kind, names, tz)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_words(name, v, kind, names, tz) for v in value)
    if isinstance(value, str):
        vocab = _vocabulary(name, kind)
        if vocab is not None and _CODE.fullmatch(value):
            return vocab.get(value, humanize(value))
        if _DATE.fullmatch(value):
            try:
                return date.fromisoformat(value).strftime("%B %-d, %Y")
            except ValueError:
                return value
        if _INSTANT.fullmatch(value):
            try:
                instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=UTC)
            return instant.astimezone(tz).strftime("%B %-d, %Y %-I:%M %p %Z")
    return str(value)


def describe_entries(*, session: Session, actor, entries: list[AuditEntry], tz: ZoneInfo) -> list[EntryView]:
    """Each entry in words: who, what, on which object (linked when it may be opened), each change."""
    require(permissions.can_view_audit_log(actor), "Only administrators read the audit log.")
    names = _Names(session, actor, entries)
    views = []
    for e in entries:
        person = names.get("User", e.actor_id) if e.actor_id else None
        who = person.name if person else (e.actor_label or "system")
        label, link = names.describe_object(e.object_type, e.object_id)
        secret = names.hidden(e.object_type, e.object_id) is not None if e.object_id else False
        changes = []
        for name, pair in (e.changes or {}).items():
            before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            if secret:  # what a draft or a closed meeting said stays with those who may see it
                changes.append(ChangeView(field_label(name), Shown("(not shown)"), Shown("(not shown)")))
                continue
            was, now = _words(name, before, e.object_type, names, tz), _words(name, after, e.object_type, names, tz)
            if was == now == NONE:  # a field created empty says nothing
                continue
            changes.append(ChangeView(field_label(name), _shown(was), _shown(now)))
        who_link = ("admin.user_edit", {"user_id": person.id}) if person else None
        kind = kind_label(e.object_type) if e.object_type else ""
        if label.startswith(kind):  # "Minutes of ...", "Annual report 2026": the label names the kind already
            kind = ""
        views.append(EntryView(entry=e, who=who, who_link=who_link, action=action_label(e.action), kind=kind,
                               object_label=label, object_link=link, changes=changes))
    return views
