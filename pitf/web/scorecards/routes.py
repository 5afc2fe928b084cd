"""Scorecard pages: each agency's record on the commitments it leads, and the summary across agencies."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from pitf import permissions
from pitf.db import get_session
from pitf.errors import NotFound
from pitf.models import Agency, utcnow
from pitf.models.actions import PILLAR_LABELS, PILLARS
from pitf.services import org, scorecards

bp = Blueprint("scorecards", __name__, url_prefix="/scorecards")

# USWDS colours; each has more than 3:1 contrast with the white background (WCAG 1.4.11).
# A series: (key, label, colour, colour named in words for the caption).
OPEN_SERIES = ("open", "Open", "#005ea2", "blue")
OVERDUE_SERIES = ("overdue", "Overdue", "#b50909", "red")


@bp.route("/")
@login_required
def index():
    if not permissions.can_view_action_items(current_user):
        raise NotFound("No such page.")
    rows = scorecards.summary(get_session(), utcnow().date())
    agencies, total = rows[:-1], rows[-1]
    most = max(agencies, key=lambda c: (c.overdue, c.open), default=None)
    desc = f"Across active agencies: {total.open} open, {total.overdue} overdue."
    if most is not None and most.overdue:
        desc += f" Most overdue: {most.acronym} with {most.overdue}."
    chart = bar_chart(
        [(c.acronym, {"open": c.open, "overdue": c.overdue}) for c in agencies], [OPEN_SERIES, OVERDUE_SERIES],
        chart_id="summary-chart", title="Open and overdue commitments by lead agency", desc=desc)
    return render_template("scorecards/index.html", agencies=agencies, total=total, chart=chart)


@bp.route("/<acronym>")
@login_required
def agency(acronym: str):
    db = get_session()
    if not permissions.can_view_action_items(current_user):
        raise NotFound("No agency has that acronym.")
    a: Agency = org.get_agency(session=db, actor=current_user, acronym=acronym)
    today = utcnow().date()
    assert a.id is not None  # read from the database
    card = scorecards.agency_scorecard(db, a.id, today)
    overdue = scorecards.overdue_items(db, a.id, today, limit=20)
    chart = bar_chart(
        [(PILLAR_LABELS[p], {"open": card.by_pillar[p].open, "overdue": card.by_pillar[p].overdue}) for p in PILLARS],
        [OPEN_SERIES, OVERDUE_SERIES], chart_id="pillar-chart",
        title=f"Open and overdue commitments {a.acronym} leads, by pillar",
        desc=f"{a.acronym} leads {card.open} open commitments, {card.overdue} of them overdue. "
             + "; ".join(f"{PILLAR_LABELS[p]}: {card.by_pillar[p].open} open, {card.by_pillar[p].overdue} overdue"
                         for p in PILLARS) + ".")
    return render_template("scorecards/agency.html", a=a, card=card, overdue=overdue, chart=chart,
                           pillars=PILLARS, pillar_labels=PILLAR_LABELS)


# ---- a horizontal bar chart drawn on the server as SVG (no script, no style attributes) -----------

LABEL_WIDTH = 90
BAR_AREA = 380
VALUE_ROOM = 60
BAR_HEIGHT = 13
GROUP_GAP = 8
LEGEND_HEIGHT = 28


@dataclass
class Bar:
    x: float
    y: float
    width: float
    fill: str
    value: int
    text_x: float
    text_y: float


@dataclass
class Group:
    label: str
    label_y: float
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    bar_height: int
    label_x: int
    groups: list[Group]
    legend: list[tuple[float, str, str, str]]  # (x, colour, label, colour name)


def bar_chart(categories: list[tuple[str, dict[str, int]]], series: list[tuple[str, str, str, str]], *,
              chart_id: str, title: str, desc: str) -> Chart:
    """Lay out one group of bars per category, one bar per series, scaled to the largest value."""
    top = max((v for _label, values in categories for v in values.values()), default=0) or 1
    group_height = BAR_HEIGHT * len(series) + GROUP_GAP
    groups = []
    for i, (label, values) in enumerate(categories):
        y0 = LEGEND_HEIGHT + i * group_height
        group = Group(label=label, label_y=y0 + BAR_HEIGHT * len(series) / 2 + 4)
        for j, (key, _name, colour, _colour_name) in enumerate(series):
            value = values.get(key, 0)
            width = round(BAR_AREA * value / top, 1)
            y = y0 + j * BAR_HEIGHT
            group.bars.append(Bar(x=LABEL_WIDTH, y=y, width=width, fill=colour, value=value,
                                  text_x=LABEL_WIDTH + width + 4, text_y=y + BAR_HEIGHT - 3.5))
        groups.append(group)
    legend: list[tuple[float, str, str, str]] = [(LABEL_WIDTH + k * 110, colour, name, colour_name)
              for k, (_key, name, colour, colour_name) in enumerate(series)]
    return Chart(id=chart_id, title=title, desc=desc, width=LABEL_WIDTH + BAR_AREA + VALUE_ROOM,
                 height=LEGEND_HEIGHT + len(categories) * group_height, bar_height=BAR_HEIGHT - 2,
                 label_x=LABEL_WIDTH - 6, groups=groups, legend=legend)
