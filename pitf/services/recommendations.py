"""Advisory Council recommendations: drafts, submission with gapless numbers, triage, responses, closure.

The allowed moves are the one table TRANSITIONS below, used by pages and API alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlmodel import Session

from pitf import permissions
from pitf.errors import InvalidTransition, NotFound, ValidationFailed, require
from pitf.markdown import MAX_SOURCE, render_markdown
from pitf.models import (
    ActionItem,
    Agency,
    AgencyResponse,
    Agenda,
    AgendaItem,
    Committee,
    Meeting,
    Recommendation,
    RecommendationCosponsor,
    RecommendationCounter,
    RecommendationEvent,
    RecommendationTarget,
    ResponseActionItem,
    User,
    utcnow,
)
from pitf.models.actions import CLOSED_STATUSES, PILLARS
from pitf.models.recommendations import POSITIONS
from pitf.paging import page_rows
from pitf.services import audit
from pitf.services.concurrency import check_version, flush_or_conflict
from pitf.services.filters import BadFilter, Filter, agency_acronym, choice, flag, read_filters, search_text, sort_order
from pitf.services.notify import notify
from pitf.textutil import BadDate, contains_pattern, parse_date, parse_id


@dataclass(frozen=True)
class Move:
    who: str  # "author" or "staff"
    note_required: bool = False
    label: str = ""


# (from, to) -> who may make the move. Every status change of a recommendation is one of these.
TRANSITIONS: dict[tuple[str, str], Move] = {
    ("draft", "submitted"): Move("author", label="Submit"),
    ("submitted", "under_review"): Move("staff", label="Start review"),
    ("submitted", "draft"): Move("staff", note_required=True, label="Return to the authors"),
    ("under_review", "draft"): Move("staff", note_required=True, label="Return to the authors"),
    ("under_review", "open"): Move("staff", label="Open for agency responses"),
    ("submitted", "withdrawn"): Move("author", label="Withdraw"),
    ("under_review", "withdrawn"): Move("author", label="Withdraw"),
    ("open", "closed_implemented"): Move("staff", note_required=True, label="Close as implemented"),
    ("open", "closed_not_implemented"): Move("staff", note_required=True, label="Close as not implemented"),
    ("closed_implemented", "open"): Move("staff", note_required=True, label="Reopen"),
    ("closed_not_implemented", "open"): Move("staff", note_required=True, label="Reopen"),
}
CLOSED = ("closed_implemented", "closed_not_implemented")
STATUS_LABELS = {"draft": "Draft", "submitted": "Submitted", "under_review": "Under review", "open": "Open",
                 "closed_implemented": "Closed: implemented", "closed_not_implemented": "Closed: not implemented",
                 "withdrawn": "Withdrawn"}
POSITION_LABELS = {"concur": "Concur", "partially_concur": "Partially concur", "non_concur": "Non-concur"}
DEFAULT_RESPONSE_DAYS = 60


def allowed_moves(actor, rec: Recommendation, is_author: bool) -> list[tuple[str, Move]]:
    """The moves *actor* may make from the recommendation's current status."""
    moves = []
    for (source, target), move in TRANSITIONS.items():
        if source != rec.status:
            continue
        if move.who == "author" and is_author and permissions.is_signed_in(actor):
            moves.append((target, move))
        elif move.who == "staff" and permissions.is_staff(actor):
            moves.append((target, move))
    return moves


# ---- reading ---------------------------------------------------------------------------------

def authorship(session: Session, actor, rec: Recommendation) -> bool:
    if not getattr(actor, "id", None):
        return False
    if rec.filed_by_id == actor.id:
        return True
    return session.execute(select(RecommendationCosponsor.user_id).where(
        RecommendationCosponsor.recommendation_id == rec.id, RecommendationCosponsor.user_id == actor.id)
    ).scalar() is not None


def get_recommendation(*, session: Session, actor, rec_id: int) -> tuple[Recommendation, bool]:
    """(recommendation, is_author); NotFound when missing or a draft of someone else."""
    rec = session.get(Recommendation, rec_id)
    if rec is None:
        raise NotFound("No such recommendation.")
    is_author = authorship(session, actor, rec)
    if not permissions.can_view_recommendation(actor, rec, is_author):  # the rule visibility.can_see applies
        raise NotFound("No such recommendation.")
    return rec, is_author


def targets_of(session: Session, rec_ids: list[int]) -> dict[int, list[tuple[RecommendationTarget, str]]]:
    result: dict[int, list] = {i: [] for i in rec_ids}
    if rec_ids:
        for t, acronym in session.execute(select(RecommendationTarget, Agency.acronym)
                                          .join(Agency, Agency.id == RecommendationTarget.agency_id)
                                          .where(RecommendationTarget.recommendation_id.in_(rec_ids))
                                          .order_by(Agency.acronym)).all():
            result[t.recommendation_id].append((t, acronym))
    return result


def cosponsors_of(session: Session, rec_ids: list[int]) -> dict[int, list[User]]:
    result: dict[int, list] = {i: [] for i in rec_ids}
    if rec_ids:
        for c, user in session.execute(select(RecommendationCosponsor, User)
                                       .join(User, User.id == RecommendationCosponsor.user_id)
                                       .where(RecommendationCosponsor.recommendation_id.in_(rec_ids))
                                       .order_by(User.name)).all():
            result[c.recommendation_id].append(user)
    return result


@dataclass
class ResponseView:
    response: AgencyResponse
    agency: str
    author: str
    action_items: list[ActionItem] = field(default_factory=list)


def responses_of(session: Session, rec_id: int, *, current_only: bool = True) -> list[ResponseView]:
    stmt = (select(AgencyResponse, Agency.acronym, User.name)
            .join(Agency, Agency.id == AgencyResponse.agency_id).join(User, User.id == AgencyResponse.author_id)
            .where(AgencyResponse.recommendation_id == rec_id))
    if current_only:
        stmt = stmt.where(AgencyResponse.is_current.is_(True))
    rows = session.execute(stmt.order_by(Agency.acronym, AgencyResponse.revision)).all()
    views = [ResponseView(r, a, n) for r, a, n in rows]
    ids = [v.response.id for v in views]
    if ids:
        links: dict[int, list[ActionItem]] = {i: [] for i in ids}
        for link, item in session.execute(select(ResponseActionItem, ActionItem)
                                          .join(ActionItem, ActionItem.id == ResponseActionItem.action_item_id)
                                          .where(ResponseActionItem.response_id.in_(ids))
                                          .order_by(ActionItem.due_date)).all():
            links[link.response_id].append(item)
        for v in views:
            v.action_items = links[v.response.id]
    return views


def history_of(session: Session, rec_id: int) -> list[tuple[RecommendationEvent, str | None]]:
    return [tuple(r) for r in session.execute(
        select(RecommendationEvent, User.name).join(User, User.id == RecommendationEvent.actor_id, isouter=True)
        .where(RecommendationEvent.recommendation_id == rec_id)
        .order_by(RecommendationEvent.created_at, RecommendationEvent.id)).all()]


# ---- drafting --------------------------------------------------------------------------------

def _resolve(session: Session, actor, data: dict, *, partial: bool, rec: Recommendation | None) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}

    def want(name):
        return not partial or name in data

    if want("title"):
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            errors["title"] = "Enter a title."
        elif len(title) > 300:
            errors["title"] = "Use at most 300 characters."
        else:
            values["title"] = title.strip()
    for name in ("body_md", "rationale_md"):
        if want(name):
            text = data.get(name) or ""
            if not isinstance(text, str) or len(text) > MAX_SOURCE:
                errors[name] = f"Text of at most {MAX_SOURCE:,} characters."
            else:
                values[name] = text
                values[name.replace("_md", "_html")] = render_markdown(text)
    if want("pillar"):
        if data.get("pillar") not in PILLARS:
            errors["pillar"] = f"Choose one of {', '.join(PILLARS)}."
        else:
            values["pillar"] = data["pillar"]
    if want("report_year"):
        year = data.get("report_year") or utcnow().year
        if isinstance(year, str) and year.strip().isascii() and year.strip().isdigit():
            year = int(year)
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            errors["report_year"] = "A year such as 2027."
        else:
            values["report_year"] = year
    if want("target_agencies"):
        raw = data.get("target_agencies") or []
        if isinstance(raw, str):
            raw = raw.replace(";", ",").split(",")
        if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
            errors["target_agencies"] = "A list of agency acronyms."
        else:
            wanted = sorted({a.strip().upper() for a in raw if a.strip()})
            found = dict(session.execute(select(Agency.acronym, Agency.id).where(
                Agency.acronym.in_(wanted), Agency.is_active.is_(True))).all())
            if unknown := [a for a in wanted if a not in found]:
                errors["target_agencies"] = f"Unknown agency: {', '.join(unknown)}."
            values["target_ids"] = [found[a] for a in wanted if a in found]
    if want("co_sponsor_ids"):
        raw = data.get("co_sponsor_ids") or []
        if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
            errors["co_sponsor_ids"] = "A list of user ids."
        else:
            # The filer is never their own co-sponsor; a co-sponsor editing keeps themselves in the list they send.
            ids = sorted(set(raw) - {rec.filed_by_id if rec else getattr(actor, "id", None)})
            people = {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()} if ids else {}
            bad = [i for i in ids if i not in people or people[i].role != "council" or not people[i].is_active]
            if bad:
                errors["co_sponsor_ids"] = "Co-sponsors must be active Advisory Council members."
            values["cosponsor_ids"] = [i for i in ids if i not in bad]
    if errors:
        raise ValidationFailed("The recommendation has problems.", fields=errors)
    return values


def _set_links(session: Session, rec: Recommendation, values: dict) -> dict:
    changes = {}
    if "target_ids" in values:
        current = {t.agency_id: t for t in session.execute(select(RecommendationTarget).where(
            RecommendationTarget.recommendation_id == rec.id)).scalars()}
        wanted = set(values["target_ids"])
        for agency_id in wanted - set(current):
            session.add(RecommendationTarget(recommendation_id=rec.id, agency_id=agency_id))
        for agency_id in set(current) - wanted:
            session.delete(current[agency_id])
        if wanted != set(current):
            changes["target_agency_ids"] = [sorted(current), sorted(wanted)]
    if "cosponsor_ids" in values:
        current = {c.user_id: c for c in session.execute(select(RecommendationCosponsor).where(
            RecommendationCosponsor.recommendation_id == rec.id)).scalars()}
        wanted = set(values["cosponsor_ids"])
        for uid in wanted - set(current):
            session.add(RecommendationCosponsor(recommendation_id=rec.id, user_id=uid))
        for uid in set(current) - wanted:
            session.delete(current[uid])
        if wanted != set(current):
            changes["co_sponsor_ids"] = [sorted(current), sorted(wanted)]
    return changes


def create_draft(*, session: Session, actor, data: dict) -> Recommendation:
    require(permissions.can_draft_recommendation(actor), "Only Advisory Council members draft recommendations.")
    values = _resolve(session, actor, {**{"target_agencies": [], "co_sponsor_ids": []}, **data}, partial=False,
                      rec=None)
    links = {k: values.pop(k) for k in ("target_ids", "cosponsor_ids")}
    rec = Recommendation(**values, status="draft", filed_by_id=actor.id)
    session.add(rec)
    session.flush()
    changes = audit.creation_changes(rec, ["title", "pillar", "report_year", "status"])
    changes.update(_set_links(session, rec, links))
    session.add(RecommendationEvent(recommendation_id=rec.id, actor_id=actor.id, from_status=None, to_status="draft",
                                    note="Drafted."))
    audit.record(session, actor=actor, action="recommendation.created", obj=rec, changes=changes)
    session.flush()
    return rec


def update_draft(*, session: Session, actor, rec_id: int, version, data: dict) -> Recommendation:
    rec, is_author = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    require(permissions.can_edit_recommendation_draft(actor, rec, is_author),
            "Only the authors edit a recommendation, and only while it is a draft.")
    editable = {"title", "body_md", "rationale_md", "pillar", "report_year", "target_agencies", "co_sponsor_ids"}
    if unknown := sorted(set(data) - editable - {"version", "status", "note", "response_due", "priority"}):
        raise ValidationFailed("Unknown fields.", fields=dict.fromkeys(unknown, "This field cannot be changed."))
    check_version(rec, version)
    values = _resolve(session, actor, {k: v for k, v in data.items() if k in editable}, partial=True, rec=rec)
    links = {k: values.pop(k) for k in ("target_ids", "cosponsor_ids") if k in values}
    with session.no_autoflush:  # one UPDATE, one version: _set_links's queries must not flush the fields first
        changes = audit.apply_changes(rec, values)
        changes.update(_set_links(session, rec, links))
    if changes:
        rec.updated_at = utcnow()
        audit.record(session, actor=actor, action="recommendation.updated", obj=rec, changes=changes)
        flush_or_conflict(session, "recommendation")
    return rec


# ---- numbering -------------------------------------------------------------------------------

def next_number(session: Session, year: int) -> int:
    """The next sequence of *year*, without gaps even under concurrent submissions: the counter row is
    locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write transactions already run one at a time)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(RecommendationCounter).values(report_year=year, last_sequence=0)
                    .on_conflict_do_nothing(index_elements=["report_year"]))
    counter = session.execute(select(RecommendationCounter).where(RecommendationCounter.report_year == year)
                              .with_for_update()).scalar_one()
    session.refresh(counter)
    counter.last_sequence += 1
    session.flush()
    return counter.last_sequence


# ---- transitions -----------------------------------------------------------------------------

def _event(session: Session, rec: Recommendation, actor, source: str | None, target: str, note: str) -> None:
    session.add(RecommendationEvent(recommendation_id=rec.id, actor_id=getattr(actor, "id", None),
                                    from_status=source, to_status=target, note=note[:4000]))


def _staff(session: Session) -> list[User]:
    return list(session.execute(select(User).where(User.role == "secretariat", User.is_active.is_(True))).scalars())


def _authors(session: Session, rec: Recommendation) -> list[User]:
    ids = [rec.filed_by_id, *session.execute(select(RecommendationCosponsor.user_id).where(
        RecommendationCosponsor.recommendation_id == rec.id)).scalars()]
    return list(session.execute(select(User).where(User.id.in_(ids))).scalars())


def transition(*, session: Session, actor, rec_id: int, version, to: str, note: str = "",
               response_due: dict[str, str | date] | None = None, priority: bool | None = None,
               today: date | None = None, response_days: int = DEFAULT_RESPONSE_DAYS) -> Recommendation:
    """Move the recommendation along the TRANSITIONS table; anything else is InvalidTransition."""
    rec, is_author = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    move = TRANSITIONS.get((rec.status, to))
    if move is None:
        raise InvalidTransition(f"A recommendation that is {STATUS_LABELS.get(rec.status, rec.status).lower()} "
                                f"cannot become {STATUS_LABELS.get(to, to).lower()}.")
    if move.who == "author":
        require(is_author, "Only the recommendation's authors may do that.")
    else:
        require(permissions.is_staff(actor), "Only the secretariat may do that.")
    check_version(rec, version)
    note = (note or "").strip()
    errors = {}
    if move.note_required and not note:
        errors["note"] = "Say why: the authors and agencies read it in the history."
    if len(note) > 4000:
        errors["note"] = "Use at most 4,000 characters."
    today = today or utcnow().date()
    targets = [t for t, _ in targets_of(session, [rec.id])[rec.id]]
    acronyms = {a.id: a.acronym for a in session.execute(select(Agency).where(
        Agency.id.in_([t.agency_id for t in targets] or [-1]))).scalars()}
    if to == "submitted" and not targets:
        errors["target_agencies"] = "Name at least one agency the recommendation is addressed to."
    if to == "submitted" and not rec.body_md.strip():
        errors["body_md"] = "Write the recommendation before submitting it."
    due_dates: dict[int, date] = {}
    if to == "open" and rec.status == "under_review":
        given = {k.upper(): v for k, v in (response_due or {}).items()}
        if unknown := sorted(set(given) - set(acronyms.values())):
            errors["response_due"] = f"Not a target agency: {', '.join(unknown)}."
        for agency_id, acronym in acronyms.items():
            raw = given.get(acronym)
            if raw in (None, ""):
                due_dates[agency_id] = today + timedelta(days=response_days)
                continue
            try:
                due = parse_date(raw if isinstance(raw, date) else str(raw))
            except BadDate as err:
                errors[f"response_due.{acronym}"] = str(err)
                continue
            if due < today:
                errors[f"response_due.{acronym}"] = "The response date cannot be in the past."
            due_dates[agency_id] = due
    if priority is not None and not isinstance(priority, bool):
        errors["priority"] = "true or false."
    if errors:
        raise ValidationFailed("The change has problems.", fields=errors)
    source = rec.status
    changes = {"status": [source, to]}
    if to == "submitted":
        rec.sequence = next_number(session, rec.report_year)
        rec.number = f"{rec.report_year}-{rec.sequence:02d}"
        rec.submitted_at = utcnow()
        changes["number"] = [None, rec.number]
    if to == "open" and source == "under_review":
        for t in targets:
            t.response_due = due_dates[t.agency_id]
        changes["response_due"] = [None, {acronyms[k]: v.isoformat() for k, v in due_dates.items()}]
    if priority is not None and priority != rec.priority:
        changes["priority"] = [rec.priority, priority]
        rec.priority = priority
    rec.status = to
    rec.closed_at = utcnow() if to in CLOSED else None
    rec.updated_at = utcnow()
    _event(session, rec, actor, source, to, note)
    audit.record(session, actor=actor, action=f"recommendation.{to}", obj=rec, changes=changes)
    flush_or_conflict(session, "recommendation")
    label = f"{rec.number or 'Draft'}: {rec.title}"
    if to == "submitted":
        notify(session, users=_staff(session), kind="recommendation_submitted", title=f"Submitted: {label}",
               body="A recommendation of the Advisory Council awaits review.", url=f"/recommendations/{rec.id}")
    elif to == "draft":
        notify(session, users=_authors(session, rec), kind="recommendation_returned", title=f"Returned: {label}",
               body=note, url=f"/recommendations/{rec.id}")
    elif to == "open" and source == "under_review":
        liaisons = session.execute(select(User).where(User.agency_id.in_(list(acronyms) or [-1]),
                                                      User.role == "liaison", User.is_active.is_(True))).scalars()
        notify(session, users=liaisons, kind="recommendation_assigned", title=f"Response requested: {label}",
               body="Your agency is asked to respond.", url=f"/recommendations/{rec.id}")
    return rec


def set_priority(*, session: Session, actor, rec_id: int, version, priority: bool) -> Recommendation:
    rec, _ = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    require(permissions.is_staff(actor), "Only the secretariat flags priorities.")
    check_version(rec, version)
    if not isinstance(priority, bool):
        raise ValidationFailed("Bad priority.", fields={"priority": "true or false."})
    if rec.priority != priority:
        audit.record(session, actor=actor, action="recommendation.priority", obj=rec,
                     changes={"priority": [rec.priority, priority]})
        rec.priority = priority
        rec.updated_at = utcnow()
        flush_or_conflict(session, "recommendation")
    return rec


# ---- responses -------------------------------------------------------------------------------

def _default_committee(session: Session) -> Committee:
    return session.execute(select(Committee).where(Committee.kind == "operating_group", Committee.is_active.is_(True))
                           .order_by(Committee.id)).scalars().first() or session.execute(
        select(Committee).order_by(Committee.id)).scalars().first()


def respond(*, session: Session, actor, rec_id: int, agency: str, position: str, response_md: str,
            action_item_ids: list | None = None, new_action_items: list | None = None) -> AgencyResponse:
    """File (or revise) an agency's response, with the commitments it makes. All or nothing."""
    from pitf.services.actions import create_action_item

    rec, _ = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    agency_row = session.execute(select(Agency).where(Agency.acronym == str(agency or "").upper())).scalar()
    if agency_row is None:
        raise ValidationFailed("Unknown agency.", fields={"agency": f"No agency has the acronym {agency!r}."})
    target = session.get(RecommendationTarget, (rec.id, agency_row.id))
    if not permissions.can_respond_for(actor, agency_row.id, target is not None, rec.status):
        if permissions.is_signed_in(actor) and getattr(actor, "agency_id", None) == agency_row.id \
                and target is None:
            raise ValidationFailed("Not addressed to your agency.",
                                   fields={"agency": f"This recommendation is not addressed to {agency_row.acronym}."})
        if rec.status != "open" and getattr(actor, "agency_id", None) == agency_row.id:
            raise InvalidTransition("Responses are filed while a recommendation is open.")
        require(False, "A liaison responds only for their own agency.")
    errors: dict[str, str] = {}
    if position not in POSITIONS:
        errors["position"] = f"Choose one of {', '.join(POSITIONS)}."
    if not isinstance(response_md, str) or not response_md.strip():
        errors["response_md"] = "Explain the agency's position."
    elif len(response_md) > MAX_SOURCE:
        errors["response_md"] = f"Use at most {MAX_SOURCE:,} characters."
    ids = action_item_ids or []
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        errors["action_item_ids"] = "A list of action item ids."
        ids = []
    linked = {i.id: i for i in session.execute(select(ActionItem).where(ActionItem.id.in_(ids or [-1]))).scalars()}
    if missing := [i for i in ids if i not in linked]:
        errors["action_item_ids"] = f"No such action item: {', '.join(map(str, missing))}."
    elif foreign := [i for i in ids if linked[i].lead_agency_id != agency_row.id]:
        errors["action_item_ids"] = (f"Action item {', '.join(map(str, foreign))} is not led by "
                                     f"{agency_row.acronym}: link only your agency's commitments.")
    new_items = new_action_items or []
    if not isinstance(new_items, list) or len(new_items) > 20:
        errors["new_action_items"] = "A list of at most 20 new action items."
        new_items = []
    committee = _default_committee(session)
    if errors:
        raise ValidationFailed("The response has problems.", fields=errors)
    # Create the new commitments first, inside a savepoint: a bad one undoes those made before it.
    created = []
    savepoint = session.begin_nested()
    for n, raw in enumerate(new_items):
        if not isinstance(raw, dict):
            savepoint.rollback()
            raise ValidationFailed("Bad item.", fields={f"new_action_items[{n}]": "Each new item is an object."})
        try:
            item = create_action_item(session=session, actor=actor, authorized=True, notify_agency=False, data={
                "title": raw.get("title"), "description_md": raw.get("description_md") or "",
                "due_date": raw.get("due_date"), "lead_agency": agency_row.acronym, "supporting_agencies": [],
                "committee_id": committee.id, "pillar": rec.pillar, "priority": "high" if rec.priority else "normal",
                "recommendation_id": rec.id})
        except ValidationFailed as err:
            savepoint.rollback()
            raise ValidationFailed("A new action item has problems.", fields={
                f"new_action_items[{n}].{k}": v for k, v in err.fields.items()}) from err
        created.append(item)
    savepoint.commit()
    previous = session.execute(select(AgencyResponse).where(
        AgencyResponse.recommendation_id == rec.id, AgencyResponse.agency_id == agency_row.id,
        AgencyResponse.is_current.is_(True))).scalar_one_or_none()
    if previous is not None:
        previous.is_current = False
        session.flush()
    response = AgencyResponse(recommendation_id=rec.id, agency_id=agency_row.id,
                              revision=(previous.revision + 1) if previous else 1, is_current=True,
                              position=position, response_md=response_md, response_html=render_markdown(response_md),
                              author_id=actor.id, due_date=target.response_due)
    session.add(response)
    session.flush()
    for item in [*[linked[i] for i in ids], *created]:
        session.add(ResponseActionItem(response_id=response.id, action_item_id=item.id))
        if item.recommendation_id is None:
            item.recommendation_id = rec.id
    _event(session, rec, actor, rec.status, rec.status,
           f"{agency_row.acronym} {'revised its response' if previous else 'responded'}: "
           f"{POSITION_LABELS[position]}.")
    audit.record(session, actor=actor, action="recommendation.response", obj=response, changes={
        "position": [previous.position if previous else None, position], "revision": [None, response.revision],
        "action_item_ids": [None, sorted([*ids, *[c.id for c in created]])]})
    session.flush()
    notify(session, users=[*_authors(session, rec), *_staff(session)], kind="recommendation_response",
           title=f"{agency_row.acronym} responded to {rec.number}: {POSITION_LABELS[position]}",
           body=rec.title, url=f"/recommendations/{rec.id}")
    return response


# ---- lists -----------------------------------------------------------------------------------

@dataclass
class RecommendationFilters:
    year: int | None = None
    status: str | None = None
    pillar: str | None = None
    agency: str | None = None
    priority: bool | None = None
    responded: bool | None = None
    response_overdue: bool = False
    q: str = ""
    sort: str = "number"

    def query_args(self) -> dict:
        args = {"year": self.year, "status": self.status, "pillar": self.pillar, "agency": self.agency,
                "priority": None if self.priority is None else str(self.priority).lower(),
                "responded": None if self.responded is None else str(self.responded).lower(),
                "response_overdue": "true" if self.response_overdue else None, "q": self.q or None,
                "sort": None if self.sort == "number" else self.sort}
        return {k: v for k, v in args.items() if v not in (None, "")}


SORTS = ("number", "-number", "title", "status", "updated", "due")


def _year(raw: str) -> int:
    if len(raw) == 4 and raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    raise BadFilter("A year such as 2027.")


FILTERS = (
    Filter("year", _year),
    Filter("status", choice(STATUS_LABELS)),
    Filter("pillar", choice(PILLARS)),
    Filter("agency", agency_acronym),
    Filter("priority", flag()),
    Filter("responded", flag()),
    Filter("response_overdue", flag()),
    Filter("q", search_text),
    Filter("sort", sort_order(SORTS)),
)


def parse_filters(args) -> RecommendationFilters:
    return read_filters(args, RecommendationFilters, FILTERS)


def _answered(agency_id=None):
    stmt = select(AgencyResponse.recommendation_id).where(AgencyResponse.is_current.is_(True))
    if agency_id is not None:
        stmt = stmt.where(AgencyResponse.agency_id == agency_id)
    return stmt


def list_recommendations(*, session: Session, actor, filters: RecommendationFilters, page: int = 1,
                         per_page: int = 50, today: date | None = None) -> tuple[list[Recommendation], int]:
    if not permissions.is_signed_in(actor):
        raise NotFound("No such list.")
    today = today or utcnow().date()
    own = select(RecommendationCosponsor.recommendation_id).where(RecommendationCosponsor.user_id == actor.id)
    stmt = select(Recommendation).where(or_(Recommendation.status != "draft", Recommendation.filed_by_id == actor.id,
                                            Recommendation.id.in_(own)))
    agency_id = None
    if filters.agency:
        agency_id = session.execute(select(Agency.id).where(Agency.acronym == filters.agency)).scalar()
        if agency_id is None:
            raise ValidationFailed("Unknown agency.", fields={"agency": f"No agency has the acronym {filters.agency}."})
        stmt = stmt.where(Recommendation.id.in_(select(RecommendationTarget.recommendation_id).where(
            RecommendationTarget.agency_id == agency_id)))
    if filters.year:
        stmt = stmt.where(Recommendation.report_year == filters.year)
    if filters.status:
        stmt = stmt.where(Recommendation.status == filters.status)
    if filters.pillar:
        stmt = stmt.where(Recommendation.pillar == filters.pillar)
    if filters.priority is not None:
        stmt = stmt.where(Recommendation.priority.is_(filters.priority))
    if filters.responded is not None:
        answered = _answered(agency_id)
        if filters.responded:
            stmt = stmt.where(Recommendation.id.in_(answered))
        else:
            stmt = stmt.where(Recommendation.status == "open", Recommendation.id.not_in(answered))
    if filters.response_overdue:
        overdue_targets = select(RecommendationTarget.recommendation_id).where(
            RecommendationTarget.response_due < today,
            ~select(AgencyResponse.id).where(
                AgencyResponse.recommendation_id == RecommendationTarget.recommendation_id,
                AgencyResponse.agency_id == RecommendationTarget.agency_id).exists())
        if agency_id is not None:
            overdue_targets = overdue_targets.where(RecommendationTarget.agency_id == agency_id)
        stmt = stmt.where(Recommendation.status == "open", Recommendation.id.in_(overdue_targets))
    if filters.q:
        like = contains_pattern(filters.q)
        stmt = stmt.where(or_(func.lower(Recommendation.title).like(like, escape="\\"),
                              func.lower(Recommendation.body_md).like(like, escape="\\"),
                              func.lower(func.coalesce(Recommendation.number, "")).like(like, escape="\\")))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    order = {
        "number": (Recommendation.report_year.desc(), Recommendation.sequence.asc(), Recommendation.id.desc()),
        "-number": (Recommendation.report_year.asc(), Recommendation.sequence.desc(), Recommendation.id),
        "title": (Recommendation.title, Recommendation.id),
        "status": (Recommendation.status, Recommendation.id),
        "updated": (Recommendation.updated_at.desc(), Recommendation.id),
        "due": (select(func.min(RecommendationTarget.response_due)).where(
            RecommendationTarget.recommendation_id == Recommendation.id).scalar_subquery().asc(), Recommendation.id),
    }[filters.sort]
    rows = list(session.execute(page_rows(stmt.order_by(*order), page, per_page)).scalars())
    return rows, total


# ---- what the pages show beside a recommendation --------------------------------------------

def responded_agencies(session: Session, rec_ids: list[int]) -> dict[int, set[int]]:
    """The agencies with a current response, per recommendation (one query for a whole page)."""
    result: dict[int, set[int]] = {i: set() for i in rec_ids}
    if rec_ids:
        for rec_id, agency_id in session.execute(
                select(AgencyResponse.recommendation_id, AgencyResponse.agency_id).where(
                    AgencyResponse.recommendation_id.in_(rec_ids), AgencyResponse.is_current.is_(True))).all():
            result[rec_id].add(agency_id)
    return result


def council_members(session: Session) -> list[User]:
    """The active Advisory Council members: the people who may co-sponsor."""
    return list(session.execute(select(User).where(User.role == "council", User.is_active.is_(True))
                                .order_by(User.name, User.id)).scalars())


def linkable_action_items(session: Session, rec_id: int, agency_id: int) -> list[ActionItem]:
    """What a response of *agency_id* may link: the agency's open items, and those its current response links."""
    linked = select(ResponseActionItem.action_item_id).join(
        AgencyResponse, AgencyResponse.id == ResponseActionItem.response_id).where(
        AgencyResponse.recommendation_id == rec_id, AgencyResponse.agency_id == agency_id,
        AgencyResponse.is_current.is_(True))
    return list(session.execute(select(ActionItem).where(
        ActionItem.lead_agency_id == agency_id,
        or_(ActionItem.status.not_in(CLOSED_STATUSES), ActionItem.id.in_(linked)))
        .order_by(ActionItem.due_date, ActionItem.id)).scalars())


def _council_ids():
    return select(Committee.id).where(Committee.kind == "advisory_council")


def presented_at(session: Session, actor, rec_id: int) -> list[tuple[Meeting, AgendaItem]]:
    """The meetings (that *actor* may see) whose agenda presents the recommendation, earliest first."""
    from pitf.services import meetings

    stmt = (select(Meeting, AgendaItem).join(Agenda, Agenda.id == AgendaItem.agenda_id)
            .join(Meeting, Meeting.id == Agenda.meeting_id).where(AgendaItem.recommendation_id == rec_id))
    stmt = meetings._visible(stmt, session, actor)
    return [tuple(r) for r in session.execute(stmt.order_by(Meeting.starts_at, AgendaItem.id)).all()]


def presentation_meetings(session: Session, actor, *, now=None) -> list[Meeting]:
    """The meetings a recommendation can be presented at: the Advisory Council's own and its joint meetings,
    scheduled, from a year ago on (newest first)."""
    if not permissions.can_link_meeting_to_recommendation(actor):
        return []
    since = (now or utcnow()) - timedelta(days=366)
    return list(session.execute(select(Meeting).where(
        or_(Meeting.committee_id.in_(_council_ids()), Meeting.joint_with_committee_id.in_(_council_ids())),
        Meeting.status == "scheduled", Meeting.starts_at >= since)
        .order_by(Meeting.starts_at.desc(), Meeting.id)).scalars())


def present_at_meeting(*, session: Session, actor, rec_id: int, meeting_id) -> tuple[Meeting, AgendaItem]:
    """Add "Presentation of recommendation ..." to the agenda of a Council (or joint) meeting, linked to it."""
    from pitf.services import agendas, meetings

    rec, _ = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    require(permissions.can_link_meeting_to_recommendation(actor),
            "Only the secretariat links a recommendation to a meeting.")
    if rec.number is None:
        raise ValidationFailed("Not submitted.", fields={"meeting_id": "Only a submitted recommendation is "
                                                                       "presented."})
    meeting_id = parse_id(meeting_id)
    if meeting_id is None:
        raise ValidationFailed("Choose a meeting.", fields={"meeting_id": "Choose a meeting."})
    meeting, _committee, _ = meetings.get_meeting_for_planning(session=session, actor=actor, meeting_id=meeting_id)
    council = {c.id: c for c in session.execute(select(Committee).where(Committee.id.in_(_council_ids()))).scalars()}
    presenter = council.get(meeting.committee_id) or council.get(meeting.joint_with_committee_id)
    if presenter is None:
        raise ValidationFailed("Not a Council meeting.", fields={
            "meeting_id": "Choose a meeting of the Advisory Council, or a joint meeting with it."})
    if meeting.status == "cancelled":
        raise ValidationFailed("Cancelled.", fields={"meeting_id": "That meeting is cancelled."})
    view = agendas.agenda_view(session, meeting)
    if any(r.item.recommendation_id == rec.id for r in view.rows):
        raise ValidationFailed("Already there.", fields={"meeting_id": "The recommendation is already on that "
                                                                       "meeting's agenda."})
    items = agendas.agenda_items_as_input(view)
    items.append({"title": f"Presentation of recommendation {rec.number}: {rec.title}"[:300],
                  "presenter": presenter.name[:200], "duration_minutes": 15, "notes_md": "",
                  "recommendation_id": rec.id})
    view = agendas.put_agenda(session=session, actor=actor, meeting_id=meeting.id, version=view.agenda.version,
                               items=items)
    item = next(r.item for r in view.rows if r.item.recommendation_id == rec.id)
    _event(session, rec, actor, rec.status, rec.status,
           f"On the agenda of {meeting.title} ({meetings.meeting_local_date(meeting).isoformat()}).")
    session.flush()
    return meeting, item
