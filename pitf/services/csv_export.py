"""The CSV columns of action items and their export: Excel-safe cells, a BOM and the header, emails per batch."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.models import User, utcnow
from pitf.models.actions import EXTERNAL_REF_LENGTH, ActionItemCreate
from pitf.models.vocab import ActionStatus, Pillar, Priority
from pitf.services.action_queries import ItemView, is_overdue
from pitf.validation import max_length

COLUMNS = ("external_ref", "title", "description", "committee", "lead_agency", "supporting_agencies",
           "owner_email", "due_date", "status", "pillar", "priority", "percent_complete", "overdue", "id")
TITLE_MAX = max_length(ActionItemCreate, "title")  # the model family's limit, said in the column help


def _listed(values: Iterable[str], default: str = "") -> str:
    """"a, b or c" (the *default* marked), as the column help lists a vocabulary."""
    words = [f"{v} (default)" if v == default else str(v) for v in values]
    return f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else "".join(words)


COLUMN_HELP = {
    "external_ref": "Your stable reference for the row, e.g. NAP-2026-01 (blank: derived from title, lead "
                    "agency and committee). A row whose reference exists updates that item. "
                    f"At most {EXTERNAL_REF_LENGTH} characters.",
    "title": f"Required. At most {TITLE_MAX} characters.",
    "description": f"Markdown, at most {max_length(ActionItemCreate, 'description_md'):,} characters.",
    "committee": "Required. The committee's name or short name, as in the directory.",
    "lead_agency": "Required. The agency's acronym, e.g. DOJ.",
    "supporting_agencies": "Acronyms separated by ; or , (e.g. HHS; DHS).",
    "owner_email": "A person of the lead agency (optional).",
    "due_date": "Required. 2027-01-15, or 1/15/2027 as Excel writes it.",
    "status": f"For new items only: {_listed(ActionStatus, ActionStatus.OPEN)}. Existing items "
              "change status through status updates.",
    "pillar": f"Required. {_listed(Pillar)}.",
    "priority": f"{_listed(Priority, Priority.NORMAL)}.",
    "percent_complete": "Exported for reading; ignored on import.",
    "overdue": "Exported for reading; ignored on import.",
    "id": "The platform's id, from an export: matches rows that have no external_ref. Leave blank for new items.",
}
# A cell starting with one of these is a formula (or hides one) when a spreadsheet opens the file.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value) -> str:
    """The cell as text, with a leading apostrophe when a spreadsheet would run it as a formula."""
    text = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def excel_unescape(text: str) -> str:
    """Undo excel_safe, so an exported file imports back unchanged."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START else text


def csv_line(cells: Iterable) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([excel_safe(c) for c in cells])  # the csv module ends rows with CRLF
    return buf.getvalue()


def export_rows(views: Iterable[ItemView], *, session: Session | None = None, today: date | None = None,
                batch: int = 1000) -> Iterator[str]:
    """The CSV lines of *views*: a BOM and the header first; owner emails read once per batch when given a session."""
    today = today or utcnow().date()
    yield "\ufeff" + csv_line(COLUMNS)
    pending: list[ItemView] = []

    def flush() -> Iterator[str]:
        owner_ids = sorted({v.item.owner_id for v in pending if v.item.owner_id})
        emails = dict(session.execute(select(User.id, User.email).where(User.id.in_(owner_ids))).tuples().all()) \
            if session is not None and owner_ids else {}
        for v in pending:
            item = v.item
            yield csv_line([
                item.external_ref, item.title, item.description_md, v.committee_name, v.lead_agency,
                "; ".join(v.supporting), emails.get(item.owner_id, ""), item.due_date, item.status, item.pillar,
                item.priority, item.percent_complete, "yes" if is_overdue(item, today) else "no", item.id,
            ])
        pending.clear()

    for view in views:
        pending.append(view)
        if len(pending) >= batch:
            yield from flush()
    yield from flush()
