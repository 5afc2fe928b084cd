"""The reminder rules' settings: defaults here, an administrator's changes in the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pitf import permissions
from pitf.errors import ValidationFailed, require
from pitf.models import Setting, utcnow
from pitf.services import audit

KEY = "reminders"

# name -> (default, label, minimum, maximum)
FIELDS: dict[str, tuple[Any, str, int, int]] = {
    "action_due_days": ([7, 1], "Remind lead agencies this many days before an action item is due", 0, 90),
    "action_overdue_daily_days": (3, "Overdue items: remind daily for this many days, then weekly", 0, 30),
    "action_escalate_days": (14, "Escalate an overdue item to the secretariat after this many days", 1, 365),
    "status_request_days": (30, "Ask for a status update after this many days without one (committees may differ)",
                            1, 365),
    "rec_due_days": ([14, 3], "Remind agencies this many days before a recommendation response is due", 0, 90),
    "rec_escalate_days": (14, "Escalate an overdue response to the secretariat after this many days", 1, 365),
    "agenda_unpublished_days": (7, "Warn when a meeting's agenda is unpublished this many days before", 1, 60),
    "minutes_uncirculated_days": (14, "Warn when minutes are not circulated this many days after a meeting", 1, 120),
    "faca_deadline_days": (7, "Warn this many days before a FACA notice or certification deadline", 1, 60),
}


def defaults() -> dict[str, Any]:
    return {name: spec[0] for name, spec in FIELDS.items()}


def load(session: Session) -> dict[str, Any]:
    row = session.get(Setting, KEY)
    values = defaults()
    if row is not None:
        values.update({k: v for k, v in row.value.items() if k in FIELDS})
    return values


def _clean(name: str, raw: Any) -> Any:
    default, _label, low, high = FIELDS[name]
    if isinstance(default, list):
        if isinstance(raw, str):
            raw = [p.strip() for p in raw.split(",") if p.strip()]
        if not isinstance(raw, list) or not raw or len(raw) > 5:
            raise ValueError(f"One to five whole numbers separated by commas, from {low} to {high}.")
        out = []
        for part in raw:
            number = int(part) if isinstance(part, str) and part.isascii() and part.isdigit() and len(part) < 10 \
                else part
            if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
                raise ValueError(f"Whole numbers from {low} to {high}, separated by commas.")
            out.append(number)
        return sorted(set(out), reverse=True)
    number = (int(raw) if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit()
              and len(raw.strip()) < 10 else raw)
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise ValueError(f"A whole number from {low} to {high}.")
    return number


def save(*, session: Session, actor, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and store the reminder settings; ValidationFailed names each bad field."""
    require(permissions.is_admin(actor), "Only administrators change the reminder settings.")
    errors, cleaned = {}, {}
    for name in FIELDS:
        if name not in values:
            continue
        try:
            cleaned[name] = _clean(name, values[name])
        except ValueError as exc:
            errors[name] = str(exc)
    if unknown := sorted(set(values) - set(FIELDS)):
        errors.update(dict.fromkeys(unknown, "Unknown setting."))
    if errors:
        raise ValidationFailed("Some settings are not valid.", fields=errors)
    before = load(session)
    row = session.get(Setting, KEY)
    if row is None:
        row = Setting(key=KEY, value={})
        session.add(row)
    row.value = {**row.value, **cleaned}
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    after = load(session) | cleaned
    changes = {k: [before[k], after[k]] for k in cleaned if before[k] != after[k]}
    audit.record(session, actor=actor, action="settings.reminders", object_type="Setting", changes=changes)
    session.flush()
    return after
