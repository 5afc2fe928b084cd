"""Layout of every page at 1280 px (nothing cut off) and at 320 px (WCAG 2.1 1.4.10 reflow), with axe-core at both.

The pages cover every template, on the demo data: the public pages and sign-in signed out, the rest as staff
(an administrator), and the Council's own form as a Council member. A data table may scroll sideways only
inside its own focusable, labelled container; the page itself never does.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from pitf.demo import load_demo
from pitf.models import ActionItem, Committee, Meeting, Minutes, OutboxEmail, Recommendation, User
from pitf.models.meetings import MinutesUpdate
from pitf.services import minutes as mins
from tests.browser.conftest import WCAG_21_AA, axe_report, sign_in

pytestmark = pytest.mark.browser

WIDTHS = [1280, 320]

# What overflows the window, ignoring what scrolls inside its own container (a data table's).
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getBoundingClientRect().right <= width + 1) continue;
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') { clipped = true; break; }
    }
    if (!clipped) culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 5)};
}"""

# Each scroll container of a table: focusable and labelled; whether its table is cut off at this width.
TABLES_JS = """() => [...document.querySelectorAll('.usa-table-container--scrollable')].map(c => ({
  fit: c.classList.contains('pitf-table-fit'),
  focusable: c.getAttribute('tabindex') === '0',
  labelled: !!(c.getAttribute('aria-label') || (c.getAttribute('aria-labelledby')
                && document.getElementById(c.getAttribute('aria-labelledby')))),
  cut: c.scrollWidth > c.clientWidth + 1,
  label: (c.querySelector('caption') || c).textContent.trim().slice(0, 60),
}))"""

# Filter selects whose text does not fit: the chosen option's, or every option's of the selects named.
SELECTS_JS = """(everyOptionOf) => {
  const ctx = document.createElement('canvas').getContext('2d');
  const cut = [];
  for (const s of document.querySelectorAll('form.pitf-filters select')) {
    const style = getComputedStyle(s);
    ctx.font = style.font || `${style.fontSize} ${style.fontFamily}`;
    const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const options = everyOptionOf.includes(s.id) ? [...s.options] : [s.options[s.selectedIndex]];
    for (const o of options) {
      if (o && ctx.measureText(o.text).width > room + 1) cut.push(`#${s.id}: "${o.text}"`);
    }
  }
  return cut;
}"""


@pytest.fixture
def demo(db, tmp_path):
    """The demo data, with a corrected revision of the approved minutes (for the revisions' diff)."""
    logins = {email: password for _role, email, password in load_demo(db, tmp_path)}
    db.flush()

    def one(model, *where):
        return db.execute(select(model).where(*where)).scalars().first()

    spog = one(Meeting, Meeting.title == "Demo: SPOG quarterly meeting")
    staff = one(User, User.email == "iga@pitf.example.gov")
    approved = one(Minutes, Minutes.meeting_id == spog.id)
    mins.save_minutes(session=db, actor=staff, meeting_id=spog.id,
                      changes=MinutesUpdate(version=approved.version, body_md=approved.body_md + "\nA correction.\n",
                                            revision_reason="Typo in the attendance."))
    email = one(OutboxEmail)
    email.body_html = ("<h1>Agenda published</h1><p>The agenda of <strong>" + spog.title + "</strong> is ready: "
                       "<a href='https://pitf.example.gov/meetings/1'>https://pitf.example.gov/meetings/1</a></p>"
                       "<script>alert(1)</script><img src='https://tracker.example/p.gif' alt=''>")
    db.flush()
    return {
        "logins": logins,
        "meeting": spog.id,
        "item": one(ActionItem).id,
        "rec": one(Recommendation, Recommendation.status != "draft").id,
        "year": one(Recommendation, Recommendation.status != "draft").report_year,
        "committee": one(Committee, Committee.name == "Senior Policy Operating Group").id,
        "email": email.id,
        "user": staff.id,
    }


SIGNED_OUT = ["/login", "/public/", "/public/meetings/{meeting}", "/no-such-page"]
STAFF = [
    "/dashboard", "/notifications", "/account/", "/account/notifications",
    "/action-items/", "/action-items/{item}", "/action-items/new", "/action-items/{item}/edit",
    "/action-items/{item}/cancel", "/action-items/import",
    "/meetings/", "/meetings/new", "/meetings/{meeting}", "/meetings/{meeting}/edit", "/meetings/{meeting}/copy",
    "/meetings/{meeting}/cancel", "/meetings/{meeting}/agenda", "/meetings/{meeting}/agenda/print",
    "/meetings/{meeting}/attendance", "/meetings/{meeting}/attachments", "/meetings/{meeting}/minutes",
    "/meetings/{meeting}/minutes/edit", "/meetings/{meeting}/minutes/revisions",
    "/meetings/{meeting}/minutes/revisions/2/diff", "/minutes/due",
    "/recommendations/", "/recommendations/{rec}", "/recommendations/{rec}/attachments",
    "/recommendations/dashboard", "/recommendations/report/{year}", "/recommendations/report/{year}/order",
    "/scorecards/", "/scorecards/DOJ", "/committees", "/committees/{committee}", "/agencies", "/agencies/DOJ",
    "/admin/", "/admin/users", "/admin/users/{user}", "/admin/users/new", "/admin/agencies/new",
    "/admin/agencies/DOJ/edit", "/admin/committees/new", "/admin/committees/{committee}/edit",
    "/admin/committees/{committee}/members", "/admin/audit", "/admin/audit?from=2027-02-30&person=x",
    "/admin/jobs", "/admin/outbox", "/admin/outbox/{email}", "/admin/reminders", "/admin/sign-in",
    "/search", "/search?q=labor", "/search?q=%22forced+labor%22&kind=meeting", "/search?q=-",
    "/meetings/?when=all&q=labor", "/action-items/?q=%22forced+labor%22", "/recommendations/?q=-",
]
COUNCIL = ["/recommendations/new", "/dashboard"]
VIEWER = ["/admin/users"]  # the 403 page
EXPECTED = {"/no-such-page": 404, "/admin/users#viewer": 403, "/admin/audit?from=2027-02-30&person=x": 422,
            "/search?q=-": 422, "/recommendations/?q=-": 422}


def check_page(page, base_url: str, path: str, width: int, problems: list[str], *, status: int = 200) -> None:
    response = page.goto(f"{base_url}{path}")
    where = f"{path} at {width} px"
    if response is None or response.status != status:
        problems.append(f"{where}: answered {response and response.status}, not {status}")
        return
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow["scrollWidth"] > overflow["width"]:
        problems.append(f"{where}: the page is {overflow['scrollWidth']} px wide; too wide: {overflow['culprits']}")
    for table in page.evaluate(TABLES_JS):
        if not (table["focusable"] and table["labelled"]):
            problems.append(f"{where}: the scroll container of '{table['label']}' is not focusable and labelled")
        if width >= 1280 and table["fit"] and table["cut"]:
            problems.append(f"{where}: the table '{table['label']}' scrolls sideways: columns are out of sight")
    if cut := page.evaluate(SELECTS_JS, []):
        problems.append(f"{where}: filter choices cut off: {cut}")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                       "resultTypes": ["violations"]})
    if violations := results.response["violations"]:
        problems.append(f"{where}: {axe_report(violations)}")


def run(page, base_url, paths, width, values, problems, suffix=""):
    page.set_viewport_size({"width": width, "height": 900})
    for path in paths:
        url = path.format(**values)
        check_page(page, base_url, url, width, problems, status=EXPECTED.get(path + suffix, 200))


@pytest.mark.parametrize("width", WIDTHS)
def test_signed_out_pages(page, base_url, demo, width):
    problems: list[str] = []
    run(page, base_url, SIGNED_OUT, width, demo, problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages(page, base_url, demo, width):
    sign_in(page, base_url, "admin@pitf.example.gov", demo["logins"]["admin@pitf.example.gov"])
    problems: list[str] = []
    run(page, base_url, STAFF, width, demo, problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_council_and_viewer_pages(browser, base_url, demo, width):
    problems: list[str] = []
    for email, paths, suffix in (("council.chair@pitf.example.gov", COUNCIL, ""),
                                 ("viewer@pitf.example.gov", VIEWER, "#viewer")):
        context = browser.new_context(base_url=base_url)
        try:
            page = context.new_page()
            sign_in(page, base_url, email, demo["logins"][email])
            run(page, base_url, paths, width, demo, problems, suffix)
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_the_import_preview(page, base_url, demo, tmp_path):
    """The CSV import's preview page (reached by posting a file) at both widths."""
    sign_in(page, base_url, "admin@pitf.example.gov", demo["logins"]["admin@pitf.example.gov"])
    example = page.request.get(f"{base_url}/action-items/import/example.csv")
    assert example.ok
    csv = tmp_path / "items.csv"
    csv.write_bytes(example.body())
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base_url}/action-items/import")
        page.set_input_files("input[type=file]", str(csv))
        with page.expect_navigation():
            page.get_by_role("button", name="Check the file").click()
        assert page.get_by_role("heading", level=1).count() == 1
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow["scrollWidth"] > overflow["width"]:
            problems.append(f"import preview at {width} px: {overflow}")
        violations = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                              "resultTypes": ["violations"]}).response["violations"]
        if violations:
            problems.append(f"import preview at {width} px: {axe_report(violations)}")
    assert not problems, "\n".join(problems)


def test_the_action_item_table_shows_every_column_at_1280(page, base_url, demo):
    """The complaint: at 1280 px the table scrolled sideways with Due and Pillar out of sight."""
    sign_in(page, base_url, "admin@pitf.example.gov", demo["logins"]["admin@pitf.example.gov"])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/action-items/")
    container = page.locator(".usa-table-container--scrollable")
    right_edge = container.evaluate("c => c.getBoundingClientRect().right")
    for name in ("Due", "Pillar"):
        header = page.get_by_role("columnheader", name=name, exact=True)
        assert header.evaluate("h => h.getBoundingClientRect().right") <= right_edge + 1, name
    pillar = page.locator("#f-pillar")
    assert pillar.evaluate("s => s.options[s.selectedIndex].text") == "Any pillar"
    # "Any pill", "Any pric": the short lists show every choice whole, whichever is chosen.
    assert not page.evaluate(SELECTS_JS, ["f-pillar", "f-priority", "f-agency_role", "f-sort"])
