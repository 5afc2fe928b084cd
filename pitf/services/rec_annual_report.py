"""The Council's annual report laid out: its recommendations grouped by pillar or by the Council committee that
drafted each (in the Council's own order within each group), the index by agency, and the report as Markdown.
The content is read by rec_reports.annual_report; the page, the Markdown and the PDF all lay it out from here.

Groups: the pillars in the framework's order (prevention, protection, prosecution, partnership); the drafting
committees by name, the recommendations of the full Council (no committee) last. A group with no recommendation
is left out. The index lists each agency addressed (by acronym) with its recommendations in report order and its
position (its current response), or "No response yet".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pitf.errors import NotFound
from pitf.markdown import md_text
from pitf.models.actions import PILLAR_LABELS
from pitf.models.vocab import Pillar
from pitf.services.rec_reports import Commitment, Report, ReportItem, ReportTarget

GROUPINGS = {"pillar": "pillar", "committee": "drafting committee"}
DEFAULT_GROUPING = "pillar"
FULL_COUNCIL = "The full Council"
NO_RESPONSE = "No response yet"


def grouping(raw: str | None) -> str:
    """The grouping asked for (?by=pillar or committee; none: by pillar); anything else is NotFound."""
    if raw in (None, ""):
        return DEFAULT_GROUPING
    if raw not in GROUPINGS:
        raise NotFound("The annual report is grouped by pillar (by=pillar) or by drafting committee (by=committee).")
    return raw


@dataclass
class ReportGroup:
    key: str  # the pillar, "committee-<id>" or "council": unique in the report, used in anchors
    title: str
    items: list[ReportItem]


def grouped(report: Report, by: str) -> list[ReportGroup]:
    """The report's recommendations in groups (see the module docstring), each in the Council's order."""
    if by == "pillar":
        groups = [ReportGroup(p.value, PILLAR_LABELS[p], [i for i in report.items if i.pillar == p]) for p in Pillar]
        other = [i for i in report.items if i.pillar not in set(Pillar)]  # never, while the vocabulary holds
        if other:
            groups.append(ReportGroup("other", "Other", other))
        return [g for g in groups if g.items]
    committees: dict[int, ReportGroup] = {}
    council = ReportGroup("council", FULL_COUNCIL, [])
    for item in report.items:
        if item.drafting_committee_id is None:
            council.items.append(item)
        else:
            committees.setdefault(item.drafting_committee_id, ReportGroup(
                f"committee-{item.drafting_committee_id}", item.drafting_committee, [])).items.append(item)
    ordered = sorted(committees.values(), key=lambda g: (g.title.casefold(), g.key))
    return [*ordered, council] if council.items else ordered


@dataclass
class IndexEntry:
    item: ReportItem
    target: ReportTarget

    @property
    def position_label(self) -> str:
        return self.target.response.position_label if self.target.response else NO_RESPONSE


@dataclass
class AgencyIndex:
    agency: str
    agency_name: str
    entries: list[IndexEntry]


def agency_index(report: Report) -> list[AgencyIndex]:
    """Each agency addressed, by acronym, with its recommendations in report order and its position on each."""
    index: dict[str, AgencyIndex] = {}
    for item in report.items:
        for target in item.targets:
            index.setdefault(target.agency, AgencyIndex(target.agency, target.agency_name, [])).entries.append(
                IndexEntry(item, target))
    return [index[a] for a in sorted(index)]


def intro(report: Report, by: str) -> str:
    """The sentence under the title (page, Markdown and PDF)."""
    count = len(report.items)
    return (f"The Council's {count} {'recommendation' if count == 1 else 'recommendations'} for {report.year}, "
            f"grouped by {GROUPINGS[by]} and in the order the Council chose within each group, with the agencies' "
            f"responses and commitments as of {report.as_of.isoformat()}, and an index by agency.")


# ---- the report as Markdown -----------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})(?=\s|$)")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def _nested(markdown: str, depth: int) -> str:
    """*markdown* with its headings moved *depth* levels down (never past 6), outside fenced code."""
    lines, fence = [], None
    for line in markdown.replace("\r\n", "\n").strip().split("\n"):
        if m := _FENCE.match(line):
            mark = m.group(1)[0]
            fence = None if fence == mark else (fence or mark)
        elif fence is None and (h := _HEADING.match(line)):
            line = "#" * min(6, len(h.group(1)) + depth) + line[len(h.group(1)):]
        lines.append(line)
    return "\n".join(lines)


def _commitment_line(c: Commitment) -> str:
    progress = f", {c.percent_complete}% complete" if c.percent_complete is not None and c.status != "done" else ""
    return f"- {md_text(c.title)}: {c.status_label}{progress}, due {c.due_date.isoformat()} (action item {c.id})"


def _item_markdown(item: ReportItem) -> list[str]:
    out = [f"### {item.number}: {md_text(item.title)}", "",
           f"- Status: {item.status_label}",
           f"- Pillar: {item.pillar_label}",
           f"- Drafted by: {md_text(item.drafting_committee) or FULL_COUNCIL}"]
    if item.priority:
        out.append("- Priority: yes")
    out += [f"- Addressed to: {', '.join(t.agency for t in item.targets) or 'no agency'}", ""]
    out += ["#### Recommendation", "", _nested(item.body_md, 4) or "(No text.)", ""]
    if item.rationale_md.strip():
        out += ["#### Rationale", "", _nested(item.rationale_md, 4), ""]
    out += ["#### Agency responses", ""]
    for t in item.targets:
        name = f"{t.agency} ({md_text(t.agency_name)})"
        due = f"response due {t.response_due.isoformat()}" if t.response_due else "no response date set"
        r = t.response
        if r is None:
            out += [f"##### {name}: no response yet", "", f"No response filed; {due}.", ""]
            continue
        revised = f", revision {r.revision}" if r.revision > 1 else ""
        out += [f"##### {name}: {r.position_label}", "", f"Filed {r.filed_on.isoformat()}{revised}; {due}.", "",
                _nested(r.response_md, 5), ""]
        if r.commitments:
            out += ["Commitments:", "", *[_commitment_line(c) for c in r.commitments], ""]
        else:
            out += ["No commitments linked.", ""]
    return out


def report_markdown(report: Report, by: str = DEFAULT_GROUPING) -> str:
    """The annual report as one Markdown document: the groups, then the index by agency."""
    out = [f"# {md_text(report.title)}", ""]
    if not report.items:
        out += [f"No recommendations were filed for {report.year}.", ""]
        return "\n".join(out)
    out += [intro(report, by), ""]
    for group in grouped(report, by):
        out += [f"## {md_text(group.title)}", ""]
        for item in group.items:
            out += _item_markdown(item)
    out += ["## Index by agency", ""]
    for agency in agency_index(report):
        out += [f"### {agency.agency} ({md_text(agency.agency_name)})", ""]
        out += [f"- {e.item.number}: {md_text(e.item.title)} — {e.position_label}" for e in agency.entries]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
