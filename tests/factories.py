"""Factories: objects with sensible defaults, created through the services like real ones."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from pitf.models import Agency, Committee
from pitf.models.recommendations import AgencyResponseCreate, RecommendationCreate, RecommendationUpdate
from pitf.permissions import SYSTEM
from pitf.services import users
from pitf.validation import validate

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def create_user(db, *, role: str = "viewer", agency: str | None = None, email: str | None = None,
                name: str | None = None, password: str = PASSWORD, active: bool = True):
    n = next(_seq)
    if role == "liaison" and agency is None:
        agency = "DOJ"
    user = users.create_user(session=db, actor=SYSTEM, user_in={
        "email": email or f"{role}{n}@test.example.gov", "name": name or f"{role.capitalize()} Person {n}",
        "role": role, "agency": agency, "password": password})
    if not active:
        users.set_active(session=db, actor=SYSTEM, user=user, active=False)
    db.flush()
    return user


def agency(db, acronym: str) -> Agency:
    return db.execute(select(Agency).where(Agency.acronym == acronym)).scalar_one()


def committee(db, name: str) -> Committee:
    return db.execute(select(Committee).where(Committee.name == name)).scalar_one()


# The cast of the recommendation tests, by the name the tests call them: name -> (role, agency).
CAST = {"author": ("council", None), "cosponsor": ("council", None), "other": ("council", None),
        "council": ("council", None), "staff": ("secretariat", None), "admin": ("admin", None),
        "doj": ("liaison", "DOJ"), "dhs": ("liaison", "DHS"), "dol": ("liaison", "DOL"), "viewer": ("viewer", None)}


def cast(make, *names: str) -> dict:
    """{name: make(role, agency=...)} for *names*, made in the order given (make_user, api_as or client_as)."""
    return {name: make(CAST[name][0], agency=CAST[name][1]) for name in names}


# ---- meetings: the model family's inputs, read as the pages read them (every problem named at once) ----

def meeting_in(db, data: dict):
    """A MeetingCreate from *data* (ISO times without an offset are read in the meeting's zone)."""
    from pitf.services import meetings as mtg

    return mtg.read_meeting(db, data)


def meeting_update(db, meeting, data: dict, version=None):
    """A MeetingUpdate of *meeting* from *data*, with the version read (the meeting's own unless given)."""
    from pitf.services import meetings as mtg

    return mtg.read_meeting_update(db, {"version": meeting.version if version is None else version, **data},
                                   current=meeting)


def agenda_items(db, items: list):
    """AgendaItemInputs from dicts."""
    from pitf.services import agendas

    return agendas.read_items(db, items)


def attendance_entries(db, entries: list):
    """AttendanceEntryInputs from dicts."""
    from pitf.services import attendance

    return attendance.read_entries(db, entries)


# ---- what the recommendation services take, from the dicts a client would send --------------------------------
# Validated as the API and the pages validate (pitf.validation.validate): a bad field is ValidationFailed naming it.

def draft_in(data: dict) -> RecommendationCreate:
    """A new draft, as RecommendationCreate."""
    return validate(RecommendationCreate, data)


def draft_change(version, data: dict) -> RecommendationUpdate:
    """A change of a draft's fields, with the version read, as RecommendationUpdate."""
    return validate(RecommendationUpdate, {**data, "version": version})


def response_in(**fields) -> AgencyResponseCreate:
    """An agency's response, as AgencyResponseCreate."""
    return validate(AgencyResponseCreate, fields)


def index_inserted(db, kind: str, ids, by: str = "source_id") -> None:
    """Index rows written with Core inserts, which the session's search hook does not see (the scale loader
    rebuilds the index after its own): *kind*'s documents picked by *by* among *ids*."""
    from pitf.services import search_index

    search_index.refresh(db, kind, by, list(ids))
