"""Advisory Council recommendations: reading one with its targets, co-sponsors and history, drafting, and the
filtered list. The status workflow is in rec_workflow, the agencies' responses in rec_responses, the meetings
where one is presented in rec_presentations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, cast

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import NotFound, ValidationFailed, require
from pitf.markdown import render_markdown
from pitf.models import (
    Agency,
    AgencyResponse,
    Committee,
    Recommendation,
    RecommendationCosponsor,
    RecommendationEvent,
    RecommendationTarget,
    User,
    utcnow,
)
from pitf.models.recommendations import (
    FIRST_YEAR,
    LAST_YEAR,
    NOTE_LENGTH,
    RecommendationCreate,
    RecommendationUpdate,
)
from pitf.models.vocab import CommitteeKind, Pillar
from pitf.paging import count_rows, in_order, page_keys
from pitf.services import audit
from pitf.services.concurrency import check_version, flush_or_conflict
from pitf.services.filters import (
    BadFilter,
    Filter,
    agency_acronym,
    choice,
    flag,
    read_filters,
    search_words,
    sort_order,
)
from pitf.services.search import matching_ids

PILLARS = tuple(Pillar)
# The fields stored as given (validated by RecommendationCreate/Update), with no database check.
PLAIN_FIELDS = ("title", "body_md", "rationale_md", "pillar", "report_year")

STATUS_LABELS = {"draft": "Draft", "submitted": "Submitted", "under_review": "Under review", "open": "Open",
                 "closed_implemented": "Closed: implemented", "closed_not_implemented": "Closed: not implemented",
                 "withdrawn": "Withdrawn"}
POSITION_LABELS = {"concur": "Concur", "partially_concur": "Partially concur", "non_concur": "Non-concur"}


# ---- reading ---------------------------------------------------------------------------------

class RecommendationAccess(NamedTuple):
    """A recommendation the actor may see, and whether the actor is one of its authors."""

    rec: Recommendation
    is_author: bool


@dataclass(frozen=True)
class AddressedAgency:
    """An agency a recommendation is addressed to: the target row (its response due date) and the acronym."""

    target: RecommendationTarget
    acronym: str

    @property
    def agency_id(self) -> int:
        return self.target.agency_id

    @property
    def response_due(self) -> date | None:
        return self.target.response_due


@dataclass(frozen=True)
class HistoryEntry:
    """A step in a recommendation's history and the name of who took it (None: the system)."""

    event: RecommendationEvent
    actor_name: str | None


def authorship(session: Session, actor, rec: Recommendation) -> bool:
    if not getattr(actor, "id", None):
        return False
    if rec.filed_by_id == actor.id:
        return True
    return session.execute(select(RecommendationCosponsor.user_id).where(
        RecommendationCosponsor.recommendation_id == rec.id, RecommendationCosponsor.user_id == actor.id)
    ).scalar() is not None


def get_recommendation(*, session: Session, actor, rec_id: int) -> RecommendationAccess:
    """The recommendation and whether *actor* is an author; NotFound when missing or a draft of someone else."""
    rec = session.get(Recommendation, rec_id)
    if rec is None:
        raise NotFound("No such recommendation.")
    is_author = authorship(session, actor, rec)
    if not permissions.can_view_recommendation(actor, rec, is_author):  # the rule visibility.can_see applies
        raise NotFound("No such recommendation.")
    return RecommendationAccess(rec, is_author)


def targets_of(session: Session, rec_ids: list[int]) -> dict[int, list[AddressedAgency]]:
    """The agencies each recommendation is addressed to, by acronym (one query for a whole page)."""
    result: dict[int, list[AddressedAgency]] = {i: [] for i in rec_ids}
    if rec_ids:
        for t, acronym in session.execute(select(RecommendationTarget, Agency.acronym)
                                          .join(Agency, Agency.id == RecommendationTarget.agency_id)
                                          .where(RecommendationTarget.recommendation_id.in_(rec_ids))
                                          .order_by(Agency.acronym)).all():
            result[t.recommendation_id].append(AddressedAgency(t, acronym))
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


def history_of(session: Session, rec_id: int) -> list[HistoryEntry]:
    return [HistoryEntry(event, name) for event, name in session.execute(
        select(RecommendationEvent, User.name).join(User, User.id == RecommendationEvent.actor_id, isouter=True)
        .where(RecommendationEvent.recommendation_id == rec_id)
        .order_by(RecommendationEvent.created_at, RecommendationEvent.id)).all()]


def record_event(session: Session, rec: Recommendation, actor, source: str | None, target: str, note: str) -> None:
    """Add a step to the recommendation's history (a move, or a response or meeting that keeps the status)."""
    assert rec.id is not None  # a stored recommendation
    session.add(RecommendationEvent(recommendation_id=rec.id, actor_id=getattr(actor, "id", None),
                                    from_status=source, to_status=target, note=note[:NOTE_LENGTH]))


def secretariat(session: Session) -> list[User]:
    """The active secretariat: who is told of submissions and responses."""
    return list(session.execute(select(User).where(User.role == "secretariat", User.is_active.is_(True))).scalars())


def authors_of(session: Session, rec: Recommendation) -> list[User]:
    """The filer and the co-sponsors."""
    ids = [rec.filed_by_id, *session.execute(select(RecommendationCosponsor.user_id).where(
        RecommendationCosponsor.recommendation_id == rec.id)).scalars()]
    return list(session.execute(select(User).where(User.id.in_(ids))).scalars())


# ---- drafting --------------------------------------------------------------------------------

def _resolve(session: Session, actor, fields: dict[str, Any], *, rec: Recommendation | None) -> dict[str, Any]:
    """Check the validated *fields* (those given) against the database and turn acronyms and ids into the
    columns and links to write; ValidationFailed lists every problem."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: fields[name] for name in PLAIN_FIELDS if name in fields}
    for name in ("body_md", "rationale_md"):
        if name in values:
            values[name.replace("_md", "_html")] = render_markdown(values[name])
    if "target_agencies" in fields:
        wanted = fields["target_agencies"]  # acronyms, upper-cased, sorted, once each (RecommendationCreate)
        found = cast("dict[str, int]", dict(session.execute(select(Agency.acronym, Agency.id).where(
            Agency.acronym.in_(wanted), Agency.is_active.is_(True))).tuples().all()))
        if unknown := [a for a in wanted if a not in found]:
            errors["target_agencies"] = f"Unknown agency: {', '.join(unknown)}."
        values["target_ids"] = [found[a] for a in wanted if a in found]
    if "co_sponsor_ids" in fields:
        # The filer is never their own co-sponsor; a co-sponsor editing keeps themselves in the list they send.
        ids = sorted(set(fields["co_sponsor_ids"]) - {rec.filed_by_id if rec else getattr(actor, "id", None)})
        people = {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()} if ids else {}
        bad = [i for i in ids if i not in people or people[i].role != "council" or not people[i].is_active]
        if bad:
            errors["co_sponsor_ids"] = "Co-sponsors must be active Advisory Council members."
        values["cosponsor_ids"] = [i for i in ids if i not in bad]
    if "drafting_committee_id" in fields:
        committee_id = fields["drafting_committee_id"]
        if committee_id is not None:
            if problem := _not_a_council_committee(session, committee_id):
                errors["drafting_committee_id"] = problem
        values["drafting_committee_id"] = committee_id
    if errors:
        raise ValidationFailed("The recommendation has problems.", fields=errors)
    return values


def council_committees(session: Session) -> list[Committee]:
    """The Advisory Council's active committees (bodies whose parent is the Council), by name: who may draft."""
    council_ids = select(Committee.id).where(Committee.kind == CommitteeKind.ADVISORY_COUNCIL)
    return list(session.execute(select(Committee).where(Committee.parent_id.in_(council_ids),
                                                        Committee.is_active.is_(True))
                                .order_by(Committee.name, Committee.id)).scalars())


def _not_a_council_committee(session: Session, committee_id: int) -> str | None:
    """Why *committee_id* cannot be a drafting committee, or None when it is an active Council committee."""
    committee = session.get(Committee, committee_id)
    if committee is None:
        return "No such committee. Choose one of the Advisory Council's committees."
    parent = session.get(Committee, committee.parent_id) if committee.parent_id is not None else None
    if parent is None or parent.kind != CommitteeKind.ADVISORY_COUNCIL:
        return (f"{committee.name} is not a committee of the Advisory Council. Choose one of the Council's "
                "committees, or none for the full Council.")
    if not committee.is_active:
        return f"{committee.name} is retired. Choose one of the Council's active committees."
    return None


def committee_names(session: Session, ids) -> dict[int, str]:
    """The names of the drafting committees *ids* (one query)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return cast("dict[int, str]", dict(session.execute(select(Committee.id, Committee.name).where(
        Committee.id.in_(wanted))).tuples().all()))


def _set_links(session: Session, rec: Recommendation, values: dict[str, Any]) -> dict[str, list[list[int]]]:
    """Write the agencies addressed and the co-sponsors *values* gives; the changes, for the audit."""
    assert rec.id is not None  # flushed
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
        sponsors = {c.user_id: c for c in session.execute(select(RecommendationCosponsor).where(
            RecommendationCosponsor.recommendation_id == rec.id)).scalars()}
        wanted = set(values["cosponsor_ids"])
        for uid in wanted - set(sponsors):
            session.add(RecommendationCosponsor(recommendation_id=rec.id, user_id=uid))
        for uid in set(sponsors) - wanted:
            session.delete(sponsors[uid])
        if wanted != set(sponsors):
            changes["co_sponsor_ids"] = [sorted(sponsors), sorted(wanted)]
    return changes


def create_draft(*, session: Session, actor, rec_in: RecommendationCreate) -> Recommendation:
    """Draft a recommendation from *rec_in*."""
    require(permissions.can_draft_recommendation(actor), "Only Advisory Council members draft recommendations.")
    values = _resolve(session, actor, rec_in.model_dump(), rec=None)
    links: dict[str, Any] = {k: values.pop(k) for k in ("target_ids", "cosponsor_ids")}
    rec = Recommendation(**values, status="draft", filed_by_id=actor.id)
    session.add(rec)
    session.flush()
    assert rec.id is not None  # flushed
    changes = audit.creation_changes(rec, ["title", "pillar", "report_year", "status", "drafting_committee_id"])
    changes.update(_set_links(session, rec, links))
    session.add(RecommendationEvent(recommendation_id=rec.id, actor_id=actor.id, from_status=None, to_status="draft",
                                    note="Drafted."))
    audit.record(session, actor=actor, action="recommendation.created", obj=rec, changes=changes)
    session.flush()
    return rec


def flush_recommendation(session: Session) -> None:
    """Flush, turning a concurrent write of the same recommendation into the Conflict the user sees."""
    flush_or_conflict(session, "recommendation")


def update_draft(*, session: Session, actor, rec_id: int, rec_in: RecommendationUpdate) -> Recommendation:
    """Change the draft's fields *rec_in* carries (PATCH semantics), if *rec_in.version* is still current.
    A move of the status is rec_workflow's; its fields in *rec_in* are not read here."""
    rec, is_author = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    require(permissions.can_edit_recommendation_draft(actor, rec, is_author),
            "Only the authors edit a recommendation, and only while it is a draft.")
    check_version(rec, rec_in.version)
    values = _resolve(session, actor, rec_in.drafting(), rec=rec)
    links: dict[str, Any] = {k: values.pop(k) for k in ("target_ids", "cosponsor_ids") if k in values}
    with session.no_autoflush:  # one UPDATE, one version: _set_links's queries must not flush the fields first
        changes = audit.apply_changes(rec, values)
        changes.update(_set_links(session, rec, links))
    if changes:
        rec.updated_at = utcnow()
        audit.record(session, actor=actor, action="recommendation.updated", obj=rec, changes=changes)
        flush_recommendation(session)
    return rec


def council_members(session: Session) -> list[User]:
    """The active Advisory Council members: the people who may co-sponsor."""
    return list(session.execute(select(User).where(User.role == "council", User.is_active.is_(True))
                                .order_by(User.name, User.id)).scalars())


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
    if len(raw) == 4 and raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
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
    Filter("q", search_words),
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
    stmt = select(Recommendation.id).where(or_(Recommendation.status != "draft", Recommendation.filed_by_id == actor.id,
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
    if filters.q:  # the search's index: the number, title, text and rationale
        stmt = stmt.where(Recommendation.id.in_(matching_ids(session, filters.q, "recommendation")))
    total = count_rows(session, stmt)
    order = {
        "number": (Recommendation.report_year.desc(), Recommendation.sequence.asc(), Recommendation.id.desc()),
        "-number": (Recommendation.report_year.asc(), Recommendation.sequence.desc(), Recommendation.id),
        "title": (Recommendation.title, Recommendation.id),
        "status": (Recommendation.status, Recommendation.id),
        "updated": (Recommendation.updated_at.desc(), Recommendation.id),
        "due": (select(func.min(RecommendationTarget.response_due)).where(
            RecommendationTarget.recommendation_id == Recommendation.id).scalar_subquery().asc(), Recommendation.id),
    }[filters.sort]
    # The page's ids first (pitf.paging.page_keys), then their rows.
    ids = page_keys(session, stmt, order, page, per_page, total)
    rows = in_order(session.execute(select(Recommendation).where(Recommendation.id.in_(ids))).scalars(), ids,
                    key=lambda r: r.id) if ids else []
    return rows, total
