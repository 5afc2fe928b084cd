"""The agencies' responses to a recommendation: filing and revising one with the commitments it makes, and
reading them back with their linked action items."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import InvalidTransition, ValidationFailed, require
from pitf.markdown import render_markdown
from pitf.models import (
    ActionItem,
    Agency,
    AgencyResponse,
    Committee,
    RecommendationTarget,
    ResponseActionItem,
    User,
)
from pitf.models.actions import CLOSED_STATUSES
from pitf.models.recommendations import AgencyResponseCreate
from pitf.services import audit
from pitf.services.notify import notify
from pitf.services.recommendations import (
    POSITION_LABELS,
    authors_of,
    get_recommendation,
    record_event,
    secretariat,
)

# The history's line for a response (the response itself, with its text, is the AgencyResponse revision):
# written by response_note, recognised by RESPONSE_NOTE where the running history shows the revision instead.
RESPONSE_NOTE = re.compile(r"^\S+ (?:responded|revised its response): [^.]+\.$")


def response_note(acronym: str, revised: bool, position: str) -> str:
    return f"{acronym} {'revised its response' if revised else 'responded'}: {POSITION_LABELS[position]}."


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
    # Rows read from the table: every id is set.
    ids = [cast(int, v.response.id) for v in views]
    if ids:
        links: dict[int, list[ActionItem]] = {i: [] for i in ids}
        for link, item in session.execute(select(ResponseActionItem, ActionItem)
                                          .join(ActionItem, ActionItem.id == ResponseActionItem.action_item_id)
                                          .where(ResponseActionItem.response_id.in_(ids))
                                          .order_by(ActionItem.due_date)).all():
            links[link.response_id].append(item)
        for v in views:
            v.action_items = links[cast(int, v.response.id)]
    return views


def responded_agencies(session: Session, rec_ids: list[int]) -> dict[int, set[int]]:
    """The agencies with a current response, per recommendation (one query for a whole page)."""
    result: dict[int, set[int]] = {i: set() for i in rec_ids}
    if rec_ids:
        for rec_id, agency_id in session.execute(
                select(AgencyResponse.recommendation_id, AgencyResponse.agency_id).where(
                    AgencyResponse.recommendation_id.in_(rec_ids), AgencyResponse.is_current.is_(True))).all():
            result[rec_id].add(agency_id)
    return result


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


def _default_committee(session: Session) -> Committee | None:
    return session.execute(select(Committee).where(Committee.kind == "operating_group", Committee.is_active.is_(True))
                           .order_by(Committee.id)).scalars().first() or session.execute(
        select(Committee).order_by(Committee.id)).scalars().first()


def respond(*, session: Session, actor, rec_id: int, response_in: AgencyResponseCreate) -> AgencyResponse:
    """File (or revise) an agency's response, with the commitments it makes. All or nothing."""
    from pitf.services.actions import create_action_item

    new_items = response_in.new_items()  # each new item's fields named, before anything is read
    rec, _ = get_recommendation(session=session, actor=actor, rec_id=rec_id)
    agency = response_in.agency
    agency_row = session.execute(select(Agency).where(Agency.acronym == agency.upper())).scalar()
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
    assert target is not None  # can_respond_for holds only for an agency the recommendation is addressed to
    assert rec.id is not None and agency_row.id is not None  # both read from the database
    position, response_md, ids = response_in.position, response_in.response_md, response_in.action_item_ids
    linked = {i.id: i for i in session.execute(select(ActionItem).where(ActionItem.id.in_(ids or [-1]))).scalars()}
    if missing := [i for i in ids if i not in linked]:
        raise ValidationFailed("The response has problems.", fields={
            "action_item_ids": f"No such action item: {', '.join(map(str, missing))}."})
    if foreign := [i for i in ids if linked[i].lead_agency_id != agency_row.id]:
        raise ValidationFailed("The response has problems.", fields={
            "action_item_ids": f"Action item {', '.join(map(str, foreign))} is not led by "
                               f"{agency_row.acronym}: link only your agency's commitments."})
    committee = _default_committee(session)
    # Create the new commitments first, inside a savepoint: a bad one undoes those made before it.
    created = []
    savepoint = session.begin_nested()
    for n, new in enumerate(new_items):
        try:
            item = create_action_item(session=session, actor=actor, authorized=True, notify_agency=False, data={
                "title": new.title, "description_md": new.description_md or "",
                "due_date": new.due_date, "lead_agency": agency_row.acronym, "supporting_agencies": [],
                "committee_id": committee.id if committee else None, "pillar": rec.pillar,
                "priority": "high" if rec.priority else "normal", "recommendation_id": rec.id})
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
    assert response.id is not None  # flushed
    for item in [*[linked[i] for i in ids], *created]:
        session.add(ResponseActionItem(response_id=response.id, action_item_id=cast(int, item.id)))  # stored rows
        if item.recommendation_id is None:
            item.recommendation_id = rec.id
    record_event(session, rec, actor, rec.status, rec.status,
                 response_note(agency_row.acronym, previous is not None, position))
    audit.record(session, actor=actor, action="recommendation.response", obj=response, changes={
        "position": [previous.position if previous else None, position], "revision": [None, response.revision],
        "action_item_ids": [None, sorted([*ids, *[c.id for c in created]])]})
    session.flush()
    notify(session, users=[*authors_of(session, rec), *secretariat(session)], kind="recommendation_response",
           title=f"{agency_row.acronym} responded to {rec.number}: {POSITION_LABELS[position]}",
           body=rec.title, url=f"/recommendations/{rec.id}")
    return response
