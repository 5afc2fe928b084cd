"""Recommendation numbers are unique and gapless when many are submitted at the same moment."""

import threading

from sqlalchemy import delete, select

from pitf.db import Database
from pitf.models import (
    AuditEntry,
    Notification,
    OutboxEmail,
    Recommendation,
    RecommendationCosponsor,
    RecommendationCounter,
    RecommendationEvent,
    RecommendationTarget,
    SearchDocument,
    User,
)
from pitf.services import rec_workflow
from pitf.services import recommendations as recs
from tests.factories import create_user, draft_in

YEAR = 2099
N = 20


def test_concurrent_submits_get_unique_gapless_numbers(engine):
    """Committed transactions, one per thread, all released at once by a barrier."""
    db = Database(engine)
    with db.session() as s:
        author = create_user(s, role="council", email="numbering.author@test.example.gov")
        staff = create_user(s, role="secretariat", email="numbering.staff@test.example.gov")
        ids = [recs.create_draft(session=s, actor=author, rec_in=draft_in({
            "title": f"Concurrent {i}", "body_md": "Text.", "pillar": "prevention", "target_agencies": ["DOJ"],
            "report_year": YEAR})).id for i in range(N)]
        author_id, staff_id = author.id, staff.id
    barrier = threading.Barrier(N)
    errors: list[BaseException] = []

    def submit(rec_id: int) -> None:
        try:
            barrier.wait(timeout=30)
            with db.session() as s:
                actor = s.get(User, author_id)
                rec = s.get(Recommendation, rec_id)
                rec_workflow.transition(session=s, actor=actor, rec_id=rec_id, version=rec.version, to="submitted")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in ids]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        with db.session(write=False) as s:
            numbers = sorted(s.execute(select(Recommendation.number).where(Recommendation.id.in_(ids))).scalars())
        assert numbers == [f"{YEAR}-{n:02d}" for n in range(1, N + 1)]
    finally:
        with db.session() as s:
            for model in (RecommendationEvent, RecommendationTarget, RecommendationCosponsor):
                s.execute(delete(model).where(model.recommendation_id.in_(ids)))
            s.execute(delete(Recommendation).where(Recommendation.id.in_(ids)))
            s.execute(delete(SearchDocument).where(SearchDocument.kind == "recommendation",
                                                   SearchDocument.source_id.in_(ids)))
            s.execute(delete(RecommendationCounter).where(RecommendationCounter.report_year == YEAR))
            for model in (Notification, OutboxEmail):
                s.execute(delete(model).where(model.user_id.in_([author_id, staff_id])))
            s.execute(delete(AuditEntry).where(AuditEntry.actor_id.in_([author_id, staff_id])))
            s.execute(delete(AuditEntry).where(AuditEntry.object_type == "User",
                                               AuditEntry.object_id.in_([author_id, staff_id])))
            s.execute(delete(User).where(User.id.in_([author_id, staff_id])))
