"""CSV import of action items: previewed row by row, applied all or nothing (the export is csv_export.py)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import Conflict, DomainError, Forbidden, ValidationFailed, require
from pitf.models import ActionItem, ActionItemSupport, Agency, Committee, User
from pitf.models.actions import ACTION_STATUS_LABELS, CLOSED_STATUSES, ActionItemCreate
from pitf.models.vocab import ActionStatus
from pitf.services import actions, audit
from pitf.services.csv_export import (  # noqa: F401  (long imported from here)
    COLUMN_HELP,
    COLUMNS,
    FORMULA_START,
    TITLE_MAX,
    excel_safe,
    excel_unescape,
    export_rows,
)
from pitf.services.notify import notify
from pitf.textutil import parse_id
from pitf.validation import field_name, message

REQUIRED_COLUMNS = ("title", "committee", "lead_agency", "due_date", "pillar")
MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
# ---- import: the plan ------------------------------------------------------------------------

@dataclass
class Problem:
    """What is wrong, and where: line as numbered in the file (header = 1); None for the whole file."""

    line: int | None
    message: str
    column: str | None = None


@dataclass
class ImportRow:
    line: int
    action: str  # create, update or unchanged
    external_ref: str
    ref_derived: bool
    title: str
    lead_agency: str
    committee: str
    due_date: date
    status: str
    item_id: int | None = None
    version: int | None = None
    data: dict = field(default_factory=dict)  # for create: every field; for update: the changed ones
    changes: list[str] = field(default_factory=list)  # the CSV columns that change
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    encoding: str = "UTF-8"

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        return f"Imported: {self.created} created, {self.updated} updated, {self.unchanged} unchanged."


def decode_upload(data: bytes) -> tuple[str | None, str, str | None]:
    """(text, encoding, problem): UTF-8 (with or without BOM) first, then Windows-1252 as older Excel saves."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "UTF-16", "The file is UTF-16 text. In Excel, save it as \u201cCSV UTF-8 (Comma delimited)\u201d."
    try:
        return data.decode("utf-8-sig"), "UTF-8", None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252", None
    except UnicodeDecodeError as exc:
        return None, "unknown", (f"The file is neither UTF-8 nor Windows-1252 text (byte {exc.start + 1} cannot be "
                                 "read). Save it as \u201cCSV UTF-8 (Comma delimited)\u201d.")


def derived_ref(title: str, lead_acronym: str, committee_name: str) -> str:
    """A stable reference for a row without one: the same row imported twice finds the same item."""
    key = f"{title.strip().lower()}|{lead_acronym.upper()}|{committee_name}"
    return "csv-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _normal_status(raw: str) -> str:
    key = raw.strip().lower().replace("-", "_").replace(" ", "_")
    labels = {label.lower().replace(" ", "_"): code for code, label in ACTION_STATUS_LABELS.items()}
    return labels.get(key, key)


@dataclass
class _Lookups:
    agencies: dict[str, Agency]
    committees_by_name: dict[str, Committee]
    committees_by_short: dict[str, list[Committee]]
    owners: dict[str, User]


def _lookups(session: Session, records: list[dict[str, str]]) -> _Lookups:
    agencies = {a.acronym.upper(): a for a in session.execute(select(Agency)).scalars()}
    by_name: dict[str, Committee] = {}
    by_short: dict[str, list[Committee]] = {}
    for c in session.execute(select(Committee)).scalars():
        by_name[c.name.strip().lower()] = c
        if c.short_name.strip():
            by_short.setdefault(c.short_name.strip().lower(), []).append(c)
    emails = sorted({r.get("owner_email", "").strip().lower() for r in records} - {""})
    owners = {}
    for start in range(0, len(emails), 1000):
        for u in session.execute(select(User).where(User.email.in_(emails[start:start + 1000]))).scalars():
            owners[u.email.lower()] = u
    return _Lookups(agencies, by_name, by_short, owners)


def _resolve_row(line: int, rec: dict[str, str], look: _Lookups, problems: list[Problem]) -> dict | None:
    """Turn one record into field values; add a Problem for each bad cell."""
    errors: list[Problem] = []

    def bad(column: str, message: str) -> None:
        errors.append(Problem(line, message, column))

    out: dict = {}
    raw = rec.get("committee", "").strip()
    committee = look.committees_by_name.get(raw.lower())
    if committee is None and raw:
        matches = look.committees_by_short.get(raw.lower(), [])
        if len(matches) > 1:
            bad("committee", f"The short name {raw!r} belongs to several committees; use the full name.")
            matches = []
        committee = matches[0] if matches else None
    if not raw:
        bad("committee", "The committee is missing.")
    elif committee is None:
        if not any(e.column == "committee" for e in errors):
            bad("committee", f"Unknown committee {raw!r}; use a committee's name or short name from the directory.")
    elif not committee.is_active:
        bad("committee", f"The committee {committee.name!r} is inactive.")
    out["committee"] = committee

    raw = rec.get("lead_agency", "").strip().upper()
    lead = look.agencies.get(raw)
    if not raw:
        bad("lead_agency", "The lead agency is missing.")
    elif lead is None:
        bad("lead_agency", f"Unknown lead agency {raw!r}; use an acronym such as DOJ.")
    elif not lead.is_active:
        bad("lead_agency", f"The lead agency {lead.acronym} is retired.")
    out["lead"] = lead

    supporting = sorted({a.strip().upper() for a in rec.get("supporting_agencies", "").replace(";", ",").split(",")}
                        - {""})
    if unknown := [a for a in supporting if a not in look.agencies]:
        bad("supporting_agencies", f"Unknown supporting agency: {', '.join(unknown)}.")
    out["supporting"] = [a for a in supporting if a in look.agencies and (lead is None or a != lead.acronym)]

    email = rec.get("owner_email", "").strip().lower()
    owner = None
    if email:
        owner = look.owners.get(email)
        if owner is None:
            bad("owner_email", f"No one has the email {email!r}.")
        elif not owner.is_active:
            bad("owner_email", f"{email} is deactivated.")
        elif lead is not None and owner.agency_id != lead.id:
            bad("owner_email", f"{email} is not a person of the lead agency {lead.acronym}.")
    out["owner"] = owner

    raw = rec.get("status", "").strip()
    status = _normal_status(raw) if raw else "open"
    if status not in tuple(ActionStatus):  # ActionItemCreate has no status: an import sets a new item's own
        bad("status", f"Unknown status {raw!r}; use {', '.join(ActionStatus)}.")
    out["status"] = status
    out["status_given"] = bool(raw)
    raw = rec.get("id", "").strip()
    if raw and parse_id(raw) is None:  # ASCII digits, within the id column: "²" or 30 digits is no id
        bad("id", f"The id {raw[:20]!r} is not an id of this platform; leave it blank for new items.")
    out["id"] = parse_id(raw) if raw else None

    if (item_in := _validated(rec, out, bad)) is not None:
        out.update(title=item_in.title, description_md=item_in.description_md, due_date=item_in.due_date,
                   pillar=str(item_in.pillar), priority=str(item_in.priority),
                   external_ref=item_in.external_ref or "")
    problems.extend(sorted(errors, key=lambda e: COLUMNS.index(e.column) if e.column in COLUMNS else len(COLUMNS)))
    return None if errors else out


# The cells ActionItemCreate judges (lengths, dates, choices), by column; the others are looked up above.
CELL_FIELDS = {"external_ref": "external_ref", "title": "title", "description": "description_md",
               "due_date": "due_date", "pillar": "pillar", "priority": "priority"}
COLUMN_OF = {name: column for column, name in CELL_FIELDS.items()}
# The import report's words where a spreadsheet's cell differs from a form's field.
CELL_MESSAGES = {**ActionItemCreate.messages, "title.string_too_short": "The title is missing.",
                 "title.missing": "The title is missing.", "due_date.missing": "The due date is missing.",
                 "pillar.missing": "The pillar is missing."}


def _validated(rec: dict[str, str], looked_up: dict, bad) -> ActionItemCreate | None:
    """The row through ActionItemCreate (the form's and the API's rules); each bad cell reported by its column."""
    data: dict = {}
    for column, name in CELL_FIELDS.items():
        raw = rec.get(column, "")
        if column == "description":
            data[name] = raw.replace("\r\n", "\n").replace("\r", "\n")
        elif raw.strip():  # a blank cell is an absent field (a default, or "missing")
            data[name] = raw.strip().lower() if column in ("pillar", "priority") else raw
    # The looked-up values, so the row is validated whole (what could not be looked up is already reported
    # by its column, and its absence here is not reported again).
    lead, committee, owner = looked_up["lead"], looked_up["committee"], looked_up["owner"]
    data.update(supporting_agencies=looked_up["supporting"], owner_id=owner.id if owner else None,
                **({"committee_id": committee.id} if committee else {}),
                **({"lead_agency": lead.acronym} if lead else {}))
    try:
        return ActionItemCreate.model_validate(data)
    except ValidationError as err:
        for error in err.errors(include_url=False):
            name = field_name(error["loc"])
            if name not in COLUMN_OF:
                continue
            text = message(error, CELL_MESSAGES, name)
            if error["type"] == "bad_date":
                text = f"Bad date {rec.get('due_date', '').strip()[:40]!r}: {text}"
            bad(COLUMN_OF[name], text)
        return None


def _read_records(text: str, plan: ImportPlan) -> list[tuple[int, dict[str, str]]] | None:
    """The header checked and the data rows as {column: cell} with their first line; None when the file is unusable."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        plan.errors.append(Problem(None, "The file is empty."))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        plan.errors.append(Problem(1, f"The header line cannot be read as CSV ({exc})."))
        return None
    names = [h.strip().lower().replace(" ", "_") for h in header]
    header_errors = []
    if dup := sorted({n for n in names if n and names.count(n) > 1}):
        header_errors.append(f"Repeated column: {', '.join(dup)}.")
    if unknown := [h for h, n in zip(header, names, strict=True) if n and n not in COLUMNS]:
        header_errors.append(f"Unknown column: {', '.join(repr(u) for u in unknown)}. "
                             f"The columns are: {', '.join(COLUMNS)}.")
    if missing := [c for c in REQUIRED_COLUMNS if c not in names]:
        header_errors.append(f"Missing column: {', '.join(missing)}. The first line must name the columns: "
                             f"{', '.join(COLUMNS)}.")
    if header_errors:
        plan.errors.extend(Problem(1, m) for m in header_errors)
        return None
    records: list[tuple[int, dict[str, str]]] = []
    end = reader.line_num
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines and the empty rows spreadsheets leave at the end
            if len(records) >= MAX_ROWS:
                plan.errors.append(Problem(None, f"The file has more than {MAX_ROWS:,} rows. Split it into files of "
                                                 f"at most {MAX_ROWS:,} rows."))
                return None
            if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
                plan.errors.append(Problem(start, f"This line has {len(cells)} cells but the header names "
                                                  f"{len(names)} columns (a comma inside a cell needs quotes)."))
                continue
            rec = {n: excel_unescape(c) for n, c in zip(names, cells, strict=False) if n}
            records.append((start, rec))
    except csv.Error as exc:
        plan.errors.append(Problem(reader.line_num, f"This line cannot be read as CSV ({exc})."))
        return None
    if not records and not plan.errors:
        plan.errors.append(Problem(None, "The file has a header line but no rows."))
    return records


def parse_import(session: Session, text: str | bytes) -> ImportPlan:
    """Check every row of the file and say what importing it would do; nothing is written."""
    plan = ImportPlan()
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            plan.errors.append(Problem(None, f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."))
            return plan
        decoded, plan.encoding, problem = decode_upload(text)
        if problem or decoded is None:
            plan.errors.append(Problem(None, problem or "The file cannot be read."))
            return plan
        text = decoded
    records = _read_records(text, plan)
    if not records:
        return plan
    look = _lookups(session, [r for _, r in records])
    resolved: list[tuple[int, dict]] = []
    for line, rec in records:
        values = _resolve_row(line, rec, look, plan.errors)
        if values is not None:
            resolved.append((line, values))

    # Which existing item each row names: its external_ref, else the derived one, else the exported id,
    # else an item without reference with the same title, lead agency and committee.
    for _line, v in resolved:
        v["ref_derived"] = not v["external_ref"]
        v["ref"] = v["external_ref"] or derived_ref(v["title"], v["lead"].acronym, v["committee"].name)
    by_ref = _items_by(session, ActionItem.external_ref, sorted({v["ref"] for _, v in resolved}))
    by_id = _items_by(session, ActionItem.id, sorted({v["id"] for _, v in resolved if v["id"]}))
    titles = sorted({v["title"].lower() for _, v in resolved if v["ref_derived"]})
    unreferenced: dict[tuple, ActionItem] = {}
    for start in range(0, len(titles), 1000):
        chunk = titles[start:start + 1000]
        stmt = select(ActionItem).where(ActionItem.external_ref.is_(None), func.lower(ActionItem.title).in_(chunk))
        for stored in session.execute(stmt).scalars():
            unreferenced.setdefault((stored.title.lower(), stored.lead_agency_id, stored.committee_id), stored)
    matched: list[tuple[int, dict, ActionItem | None]] = []
    seen_refs: dict[str, int] = {}
    seen_items: dict[int | None, int] = {}
    for line, v in resolved:
        item = by_ref.get(v["ref"])
        if item is None and v["id"] in by_id:
            candidate = by_id[v["id"]]
            if v["ref_derived"]:
                item = candidate
            elif candidate.external_ref is None:
                plan.errors.append(Problem(line, f"Item {candidate.id} has no external_ref; to update it, leave "
                                                 "external_ref blank (or clear the id column to create a new item).",
                                           "external_ref"))
                continue
        if item is None and v["ref_derived"]:
            item = unreferenced.get((v["title"].lower(), v["lead"].id, v["committee"].id))
        if (first := seen_refs.get(v["ref"])) is not None:
            message = f"Same title, lead agency and committee as line {first}; give each row its own external_ref." \
                if v["ref_derived"] else f"Duplicate external_ref {v['ref']!r}: line {first} has it too."
            plan.errors.append(Problem(line, message, "external_ref"))
            continue
        if item is not None and item.id in seen_items:
            plan.errors.append(Problem(line, f"Line {seen_items[item.id]} already changes the same item "
                                             f"(id {item.id}).", "external_ref"))
            continue
        seen_refs[v["ref"]] = line
        if item is not None:
            seen_items[item.id] = line
        matched.append((line, v, item))

    supporting = _supporting_ids(session, [item.id for _, _, item in matched if item is not None and item.id])
    for line, v, item in matched:
        now = supporting.get(item.id, set()) if item is not None and item.id is not None else set()
        plan.rows.append(_plan_row(line, v, item, now, look))
    plan.errors.sort(key=lambda p: (p.line or 0))
    if plan.errors:
        plan.rows = []  # nothing is imported from a file with problems; the page lists the problems only
    return plan


def _items_by(session: Session, column, values: list) -> dict:
    found = {}
    for start in range(0, len(values), 1000):
        for item in session.execute(select(ActionItem).where(column.in_(values[start:start + 1000]))).scalars():
            found[getattr(item, column.key)] = item
    return found


def _supporting_ids(session: Session, item_ids: list[int]) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    for start in range(0, len(item_ids), 1000):
        rows = session.execute(select(ActionItemSupport.action_item_id, ActionItemSupport.agency_id)
                               .where(ActionItemSupport.action_item_id.in_(item_ids[start:start + 1000])))
        for item_id, agency_id in rows:
            result.setdefault(item_id, set()).add(agency_id)
    return result


def _plan_row(line: int, v: dict, item: ActionItem | None, supporting_now: set[int], look: _Lookups) -> ImportRow:
    lead, committee, owner = v["lead"], v["committee"], v["owner"]
    row = ImportRow(line=line, action="create", external_ref=v["ref"], ref_derived=v["ref_derived"],
                    title=v["title"], lead_agency=lead.acronym, committee=committee.name, due_date=v["due_date"],
                    status=v["status"])
    wanted = {"title": v["title"], "description_md": v["description_md"], "committee_id": committee.id,
              "lead_agency": lead.acronym, "supporting_agencies": v["supporting"],
              "owner_id": owner.id if owner else None, "due_date": v["due_date"], "pillar": v["pillar"],
              "priority": v["priority"]}
    if item is None:
        row.data = wanted
        return row
    row.item_id, row.version = item.id, item.version
    supporting_ids = {look.agencies[a].id for a in v["supporting"]}
    # Forms post CRLF line ends and spreadsheets LF: the same text either way.
    description_now = item.description_md.replace("\r\n", "\n").replace("\r", "\n")
    current = {"title": item.title, "description_md": description_now, "committee_id": item.committee_id,
               "lead_agency": lead.acronym if item.lead_agency_id == lead.id else None,
               "supporting_agencies": v["supporting"] if supporting_ids == supporting_now else None,
               "owner_id": item.owner_id, "due_date": item.due_date, "pillar": item.pillar,
               "priority": item.priority}
    column_of = {"description_md": "description", "committee_id": "committee", "owner_id": "owner_email"}
    for name, value in wanted.items():
        if current[name] != value:
            row.data[name] = value
            row.changes.append(column_of.get(name, name))
    row.action = "update" if row.data else "unchanged"
    if v["status_given"] and v["status"] != item.status:
        row.notes.append(f"Status stays {ACTION_STATUS_LABELS[item.status].lower()}: an import does not change the "
                         "status of an existing item; post a status update instead.")
    return row


# ---- import: applying ------------------------------------------------------------------------

def apply_import(session: Session, actor, plan: ImportPlan) -> ImportResult:
    """Create and update the items of a clean plan, every row or none (a failing row raises)."""
    require(permissions.can_import_action_items(actor), "Only the secretariat imports action items.")
    if plan.errors or not plan.rows:
        raise ValidationFailed("The file has problems; nothing was imported.",
                               fields={f"line {p.line or 0}": p.message for p in plan.errors})
    created: list = []
    with session.begin_nested():  # one savepoint: a failure half-way leaves nothing behind
        for row in plan.rows:
            try:
                if row.action == "create":
                    created.append(actions.create_action_item(
                        session=session, actor=actor, data=row.data, external_ref=row.external_ref,
                        status=row.status, notify_agency=False))
                elif row.action == "update" and row.item_id is not None:
                    actions.update_action_item(session=session, actor=actor, item_id=row.item_id,
                                               version=row.version, data=row.data)
            except (Forbidden, Conflict):
                raise
            except DomainError as err:
                details = "; ".join(f"{k}: {m}" for k, m in err.fields.items())
                raise ValidationFailed(f"Line {row.line}: {err.message} {details}".strip(),
                                       fields={f"line {row.line}": details or err.message}) from err
        result = ImportResult(plan.created, plan.updated, plan.unchanged)
        audit.record(session, actor=actor, action="action_item.csv_import", object_type="ActionItem",
                     changes={"created": [None, result.created], "updated": [None, result.updated],
                              "unchanged": [None, result.unchanged]})
        _notify_created(session, created)
        session.flush()
    return result


def _notify_created(session: Session, created: list[ActionItem]) -> None:
    """One notification per person of each lead agency, not one per imported item."""
    by_agency: dict[int, list[ActionItem]] = {}
    for item in created:
        if item.status not in CLOSED_STATUSES:
            by_agency.setdefault(item.lead_agency_id, []).append(item)
    if not by_agency:
        return
    acronyms = dict(session.execute(select(Agency.id, Agency.acronym).where(Agency.id.in_(list(by_agency))))
                    .tuples().all())
    liaisons: dict[int | None, list[User]] = {}
    for user in session.execute(select(User).where(User.agency_id.in_(list(by_agency)), User.role == "liaison",
                                                   User.is_active.is_(True))).scalars():
        liaisons.setdefault(user.agency_id, []).append(user)
    owner_ids = {i.owner_id for items in by_agency.values() for i in items if i.owner_id}
    owners = {u.id: u for u in session.execute(select(User).where(User.id.in_(owner_ids))).scalars()} \
        if owner_ids else {}
    for agency_id, items in by_agency.items():
        acronym = acronyms[agency_id]
        people = liaisons.get(agency_id, []) + [owners[i.owner_id] for i in items if i.owner_id in owners]
        count = f"{len(items)} action item{'s' if len(items) != 1 else ''}"
        notify(session, users=people, kind="action_item_assigned", title=f"{count} assigned to {acronym} by import",
               body="The secretariat imported commitments your agency leads. Open the list to see them.",
               url=f"/action-items/?agency={acronym}&agency_role=lead")
