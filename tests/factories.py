"""Factories: objects with sensible defaults, created through the services like real ones."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from pitf.models import Agency, Committee
from pitf.permissions import SYSTEM
from pitf.services import users

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
