"""An agency's open commitments on its dashboard, read from OpenCommitment in due order."""

from datetime import date, timedelta

from pitf.models import ActionItem, ActionItemSupport
from pitf.services import dashboard
from tests.factories import agency, committee

TODAY = date(2026, 6, 15)


def test_commitments_are_open_lead_and_supported_items_overdue_first(db):
    body = committee(db, "Victim Services")
    doj, dhs = agency(db, "DOJ"), agency(db, "DHS")

    def add(title, lead, days, status="open", supported_by=None):
        item = ActionItem(title=title, committee_id=body.id, lead_agency_id=lead.id, pillar="protection",
                          due_date=TODAY + timedelta(days=days), status=status)
        db.add(item)
        db.flush()
        if supported_by:
            db.add(ActionItemSupport(action_item_id=item.id, agency_id=supported_by.id))
            db.flush()
        return item

    assert dashboard.agency_commitments(db, doj.id, TODAY) == []
    add("later", doj, 30, "in_progress")
    add("overdue", doj, -3, "blocked")
    add("supported", dhs, 10, supported_by=doj)
    add("supported, done", dhs, -10, "done", supported_by=doj)
    add("done", doj, -20, "done")
    add("cancelled", doj, -1, "cancelled")
    add("not ours", dhs, 1)
    rows = dashboard.agency_commitments(db, doj.id, TODAY)
    assert [(c.title, c.role, c.overdue, c.lead_agency) for c in rows] == [
        ("overdue", "lead", True, "DOJ"), ("supported", "supporting", False, "DHS"), ("later", "lead", False, "DOJ")]
    assert [c.title for c in dashboard.agency_commitments(db, doj.id, TODAY, limit=2)] == ["overdue", "supported"]
    # a lead listed among its own supporters (bulk data) sees the item once, as lead
    also = add("also supported by its lead", doj, 5, supported_by=doj)
    rows = dashboard.agency_commitments(db, doj.id, TODAY)
    assert [(c.id, c.role) for c in rows if c.id == also.id] == [(also.id, "lead")]
