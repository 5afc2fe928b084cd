"""The PITF's annual summary as Markdown and as CSV (the page and the PDF are its templates)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pitf.markdown import md_text
from pitf.services.annual_summary import BodyRow, Commitments, Responses, Row, Summary
from pitf.services.csv_export import csv_line as _line  # the action items' export escaping

# ---- Markdown ------------------------------------------------------------------------------------

def days_text(value: float | None) -> str:
    """A median as read: "5", "2.5", or "none"."""
    if value is None:
        return "none"
    return str(int(value)) if value == int(value) else f"{value:.1f}"


COMMITMENT_HEADS = ("Made", "Done", "Done on time", "Done late", "Cancelled", "Overdue", "Median days late",
                    "Median days overdue")
RESPONSE_HEADS = ("Received", "Answered", "Answered on time", "Answered late", "Overdue, no answer", "Concur",
                  "Partially concur", "Non-concur")
BODY_HEADS = ("Kind", "Held", "Of them closed", "Cancelled", "Still to come")


def commitment_cells(c: Commitments) -> list[str]:
    return [str(c.made), str(c.done), str(c.done_on_time), str(c.done_late), str(c.cancelled), str(c.overdue),
            days_text(c.median_days_late), days_text(c.median_days_overdue)]


def response_cells(r: Responses) -> list[str]:
    return [str(r.received), str(r.answered), str(r.answered_on_time), str(r.answered_late), str(r.overdue),
            str(r.concur), str(r.partially_concur), str(r.non_concur)]


def _md_table(first_head: str, heads: Iterable[str], rows: Iterable[list[str]], text_columns: int = 1) -> list[str]:
    """A pipe table: the first *text_columns* columns aligned left, the figures right."""
    heads = [first_head, *heads]
    rule = [" --- "] * text_columns + [" ---: "] * (len(heads) - text_columns)
    return ["| " + " | ".join(heads) + " |", "|" + "|".join(rule) + "|",
            *["| " + " | ".join(cells) + " |" for cells in rows], ""]


DEFINITIONS = [
    "Commitments are action items, each counted once, for the agency that leads it. Made: created during the "
    "period. Done: closed as done during the period; on time when closed on or before its due date. Cancelled: "
    "cancelled during the period. Overdue: on the as-of day, past its due date and neither done nor cancelled.",
    "Median days late: over the items done late during the period, the days from the due date to the day done. "
    "Median days overdue: over the items overdue on the as-of day, the days from the due date to that day. "
    "With an even number of items, the mean of the middle two.",
    "Recommendations count once for each agency addressed. Received: opened for the agencies' responses during "
    "the period. Answered on time: the agency's first response filed on or before its due date (no due date: on "
    "time). Overdue: no answer by the as-of day, past the due date. Positions: the latest response by the as-of "
    "day.",
    "Meetings: held means not cancelled and begun during the period (in the platform's time zone); a joint "
    "meeting counts for the body that hosts it.",
    "Days of recorded times are UTC days, as on the scorecards.",
]


def summary_markdown(s: Summary) -> str:
    """The summary as one Markdown document."""
    out = [f"# {md_text(s.title)}", "",
           f"{s.period.label}: {s.period.dates}. Figures as of {s.as_of.isoformat()}"
           + (" (the period is not over: figures to date)." if s.running else "."), ""]
    if not s.has_data:
        return "\n".join([*out, s.empty_reason, ""])
    out += ["## Commitments by lead agency", ""]
    out += _md_table("Agency", COMMITMENT_HEADS,
                     [[md_text(r.key or ""), *commitment_cells(r.commitments)] for r in s.agencies]
                     + [["All agencies", *commitment_cells(s.total.commitments)]])
    out += ["## Commitments by pillar", ""]
    out += _md_table("Pillar", COMMITMENT_HEADS,
                     [[r.name, *commitment_cells(r.commitments)] for r in s.pillars]
                     + [["All pillars", *commitment_cells(s.total.commitments)]])
    out += ["## Recommendations by agency", ""]
    out += _md_table("Agency", RESPONSE_HEADS,
                     [[md_text(r.key or ""), *response_cells(r.responses)] for r in s.agencies]
                     + [["All agencies", *response_cells(s.total.responses)]])
    out += ["## Recommendations by pillar", ""]
    out += _md_table("Pillar", RESPONSE_HEADS,
                     [[r.name, *response_cells(r.responses)] for r in s.pillars]
                     + [["All pillars", *response_cells(s.total.responses)]])
    out += ["## Meetings by body", ""]
    out += _md_table("Body", BODY_HEADS,
                     [[md_text(b.name), b.kind_label, str(b.held), str(b.closed), str(b.cancelled), str(b.to_come)]
                      for b in s.bodies]
                     + [["All bodies", "", *(str(getattr(s.bodies_total, n)) for n in BodyRow.COUNTS)]],
                     text_columns=2)
    out += ["## How the figures are counted", "", *[f"- {d}" for d in DEFINITIONS], ""]
    return "\n".join(out).rstrip("\n") + "\n"


# ---- CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = ("period", "section", "key", "name",
               "commitments_made", "commitments_done", "done_on_time", "done_late", "commitments_cancelled",
               "commitments_overdue", "median_days_late", "median_days_overdue",
               "recommendations_received", "answered", "answered_on_time", "answered_late", "answers_overdue",
               "concur", "partially_concur", "non_concur",
               "meetings_held", "meetings_closed", "meetings_cancelled", "meetings_to_come")


def _median_cell(value: float | None) -> str:
    return "" if value is None else days_text(value)


def summary_csv(s: Summary) -> Iterator[str]:
    """The summary as CSV (UTF-8 with BOM, like the other exports): one row per agency, pillar and body, with the
    totals; blank cells where a figure does not apply. A period with no data: the header and one row saying so."""
    yield "\ufeff" + _line(CSV_COLUMNS)
    blank_c, blank_r, blank_b = [""] * 8, [""] * 8, [""] * 4
    if not s.has_data:
        yield _line([s.period.short, "note", "", s.empty_reason, *blank_c, *blank_r, *blank_b])
        return

    def figures(section: str, key: str, name: str, row: Row) -> str:
        c, r = row.commitments, row.responses
        return _line([s.period.short, section, key, name,
                      c.made, c.done, c.done_on_time, c.done_late, c.cancelled, c.overdue,
                      _median_cell(c.median_days_late), _median_cell(c.median_days_overdue),
                      r.received, r.answered, r.answered_on_time, r.answered_late, r.overdue,
                      r.concur, r.partially_concur, r.non_concur, *blank_b])

    for row in s.agencies:
        yield figures("agency", row.key or "", row.name, row)
    yield figures("agency_total", "", "All agencies", s.total)
    for row in s.pillars:
        yield figures("pillar", row.key or "", row.name, row)
    yield figures("pillar_total", "", "All pillars", s.total)
    for b in [*s.bodies, s.bodies_total]:
        yield _line([s.period.short, "body" if b is not s.bodies_total else "body_total", b.short_name, b.name,
                     *blank_c, *blank_r, b.held, b.closed, b.cancelled, b.to_come])
