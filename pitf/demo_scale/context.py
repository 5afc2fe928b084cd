"""What the scale data is built on: today, the agencies, the bodies and the people, read once per load."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import Table, inspect, select
from sqlalchemy.orm import Session

from pitf.markdown import render_markdown
from pitf.models import Agency, Committee, Membership, User, utcnow

SEED = "pitf-scale-2026"

# Agencies that lead most National Action Plan commitments weigh more; the others still lead some.
LEAD_WEIGHTS = {"DOJ": 8, "DHS": 8, "DOL": 6, "HHS": 6, "DOS": 6, "USAID": 3, "FBI": 3, "DOD": 2, "USDT": 2,
                "ED": 2, "DOT": 2, "HUD": 2, "USDA": 1, "DOC": 1, "DOI": 1, "EEOC": 1, "ODNI": 1, "OMB": 1,
                "USTR": 1, "NSC": 1, "DPC": 1}


@dataclass(frozen=True)
class Body:
    id: int
    name: str
    short_name: str
    kind: str
    follows_faca: bool
    member_agencies: tuple[int, ...]  # agency ids sitting on it (active memberships)
    member_people: tuple[int, ...]  # user ids sitting on it in person


@dataclass
class Context:
    today: date
    now: datetime
    agencies: list[tuple[int, str]]
    lead_weights: list[int]
    committees: list[int]
    committee_weights: list[int]
    liaisons: dict[int, list[int]]
    secretariat_id: int | None
    bodies: list[Body] = field(default_factory=list)
    emails: dict[int, str] = field(default_factory=dict)  # every active person, by id
    council_ids: list[int] = field(default_factory=list)
    council_chair_id: int | None = None
    rendered: dict[str, str] = field(default_factory=dict)

    def html(self, text: str) -> str:
        """The sanitized HTML of *text*, rendered once per distinct text, not once per row."""
        if text not in self.rendered:
            self.rendered[text] = render_markdown(text)
        return self.rendered[text]

    @property
    def people(self) -> list[int]:
        return sorted(self.emails)

    def label(self, user_id: int | None) -> str:
        return self.emails.get(user_id, "system") if user_id is not None else "system"


def rng(kind: str, n: int) -> random.Random:
    """The random source of object *n* of *kind*: the same object whatever else is loaded."""
    return random.Random(f"{SEED}:{kind}:{n}")


def at(day: date, rng: random.Random) -> datetime:
    """A weekday working hour, Eastern-ish, as UTC."""
    return datetime(day.year, day.month, day.day, rng.randint(13, 21), rng.randint(0, 59), rng.randint(0, 59),
                    tzinfo=UTC)


def build_context(session: Session) -> Context:
    agencies = [(cast(int, a.id), a.acronym) for a in session.execute(  # stored rows: ids are set
        select(Agency).where(Agency.is_active.is_(True)).order_by(Agency.acronym)).scalars()]
    committees = list(session.execute(select(Committee).where(Committee.is_active.is_(True))
                                      .order_by(Committee.name)).scalars())
    if not agencies or not committees:
        raise RuntimeError("Load the reference data first (pitf demo).")
    liaisons: dict[int, list[int]] = {}
    for uid, agency_id in session.execute(select(User.id, User.agency_id).where(
            User.role == "liaison", User.is_active.is_(True), User.agency_id.is_not(None)).order_by(User.id)):
        liaisons.setdefault(agency_id, []).append(uid)
    secretariat = session.execute(select(User.id).where(User.role == "secretariat", User.is_active.is_(True))
                                  .order_by(User.id).limit(1)).scalar()
    people = [(cast(int, uid), email, role) for uid, email, role in session.execute(
        select(User.id, User.email, User.role).where(User.is_active.is_(True)).order_by(User.id)).tuples()]
    members: dict[int, tuple[list[int], list[int]]] = {c.id: ([], []) for c in committees if c.id is not None}
    chairs: dict[int, list[int]] = {}
    for committee_id, user_id, agency_id, role in session.execute(
            select(Membership.committee_id, Membership.user_id, Membership.agency_id, Membership.role)
            .where(Membership.ended_on.is_(None)).order_by(Membership.id)).tuples():
        if committee_id in members:
            if agency_id is not None:
                members[committee_id][0].append(agency_id)
            elif user_id is not None:
                members[committee_id][1].append(user_id)
                if role == "chair":
                    chairs.setdefault(committee_id, []).append(user_id)
    bodies = [Body(c.id, c.name, c.short_name, c.kind, c.follows_faca, tuple(members[c.id][0]),
                   tuple(members[c.id][1])) for c in committees if c.id is not None]
    council_body = next((b for b in bodies if b.kind == "advisory_council"), None)
    council_ids = [uid for uid, _, role in people if role == "council"]
    chair = (chairs.get(council_body.id, [None])[0] if council_body else None) or \
        (council_ids[0] if council_ids else None)
    now = utcnow().replace(microsecond=0)
    return Context(today=now.date(), now=now, agencies=agencies,
                   lead_weights=[LEAD_WEIGHTS.get(a, 1) for _, a in agencies],
                   committees=[c.id for c in committees if c.id is not None],
                   # Standing SPOG committees carry most of the work; the bodies above them less.
                   committee_weights=[1 if c.kind in ("task_force", "advisory_council") else
                                      3 if c.kind == "operating_group" else 5 for c in committees],
                   liaisons=liaisons, secretariat_id=secretariat, bodies=bodies,
                   emails={uid: email for uid, email, _ in people}, council_ids=council_ids,
                   council_chair_id=chair)


def table(model: type) -> Table:
    """The table of a model, for bulk inserts (Core, not the ORM: no per-row objects)."""
    return cast(Table, inspect(model).local_table)
