"""Committee and agency pages, the role dashboards, and the administration pages."""

import pytest
from sqlalchemy import select

from pitf.models import Agency, AuditEntry, Membership, User
from tests.factories import committee

ROLES = ["admin", "secretariat", "liaison", "council", "viewer"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_directory(client_as, role, db):
    c = client_as(role)
    spog = committee(db, "Senior Policy Operating Group")
    tree = c.get("/committees").get_data(as_text=True)
    assert "Senior Policy Operating Group" in tree and "Victim Services" in tree
    page = c.get(f"/committees/{spog.id}").get_data(as_text=True)
    assert "Department of Justice (DOJ)" in page and "Chair" in page
    assert "Department of Justice" in c.get("/agencies").get_data(as_text=True)
    assert c.get("/agencies/doj").status_code == 200
    assert c.get("/agencies/NOPE").status_code == 404
    assert c.get("/committees/99999").status_code == 404


def test_committee_tree_nests_spog_under_pitf(client_as):
    html = client_as("viewer").get("/committees").get_data(as_text=True)
    tree = html[html.index('class="pitf-tree"'):]
    pitf_at = tree.index(">President&#39;s Interagency Task Force")
    spog_at = tree.index(">Senior Policy Operating Group</a>")
    assert pitf_at < spog_at < tree.index(">Victim Services</a>")
    # SPOG's committees are nested in a list inside SPOG's item
    assert tree.count("<ul>", pitf_at, spog_at) == 1


def test_liaison_dashboard_shows_own_agency_commitments_overdue_first(client_as, db):
    from datetime import date, timedelta

    from pitf.models import ActionItem, ActionItemSupport

    doj = db.execute(select(Agency).where(Agency.acronym == "DOJ")).scalar_one()
    dhs = db.execute(select(Agency).where(Agency.acronym == "DHS")).scalar_one()
    vs = committee(db, "Victim Services")
    today = date.today()
    items = [
        ActionItem(title="Later DOJ item", committee_id=vs.id, lead_agency_id=doj.id,
                   due_date=today + timedelta(days=30), pillar="protection"),
        ActionItem(title="Overdue DOJ item", committee_id=vs.id, lead_agency_id=doj.id,
                   due_date=today - timedelta(days=3), pillar="protection"),
        ActionItem(title="DHS item DOJ supports", committee_id=vs.id, lead_agency_id=dhs.id,
                   due_date=today + timedelta(days=10), pillar="prevention"),
        ActionItem(title="DHS item alone", committee_id=vs.id, lead_agency_id=dhs.id,
                   due_date=today + timedelta(days=10), pillar="prevention"),
    ]
    db.add_all(items)
    db.flush()
    db.add(ActionItemSupport(action_item_id=items[2].id, agency_id=doj.id))
    db.flush()
    html = client_as("liaison", agency="DOJ").get("/dashboard").get_data(as_text=True)
    assert html.index("Overdue DOJ item") < html.index("DHS item DOJ supports") < html.index("Later DOJ item")
    assert "DHS item alone" not in html
    staff = client_as("secretariat").get("/dashboard").get_data(as_text=True)
    assert "Open and overdue commitments by lead agency" in staff


@pytest.mark.parametrize("role,status", [("admin", 200), ("secretariat", 403), ("liaison", 403),
                                         ("council", 403), ("viewer", 403)])
def test_only_admins_manage_people(client_as, role, status):
    c = client_as(role)
    assert c.get("/admin/users").status_code == status
    r = c.post("/admin/users/new", data={"email": "new@x.example.gov", "name": "New", "role": "viewer",
                                         "agency": "", "password": "a long password here"})
    assert r.status_code == (302 if status == 200 else 403)


def test_admin_creates_a_liaison_and_the_write_is_audited(client_as, db):
    admin = client_as("admin")
    r = admin.post("/admin/users/new", data={"email": "Pat@DOL.example.gov", "name": "Pat Kim", "role": "liaison",
                                             "agency": "DOL", "title": "", "password": "a long password here"})
    assert r.status_code == 302
    user = db.execute(select(User).where(User.email == "pat@dol.example.gov")).scalar_one()
    entry = db.execute(select(AuditEntry).where(AuditEntry.object_type == "User", AuditEntry.object_id == user.id,
                                                AuditEntry.action == "user.created")).scalar_one()
    assert entry.actor_id == admin.user.id
    assert entry.changes["role"] == [None, "liaison"] and entry.changes["email"] == [None, "pat@dol.example.gov"]
    assert "password_hash" not in entry.changes


@pytest.mark.parametrize("data,field_message", [
    ({"role": "liaison", "agency": ""}, "An agency liaison must belong to an agency."),
    ({"email": "not-an-email"}, "Enter an email address"),
    ({"password": "short"}, "at least 12 characters"),
    ({"agency": "ZZZ"}, "No agency has that acronym."),
])
def test_bad_user_input_is_a_form_error_and_changes_nothing(client_as, db, data, field_message):
    admin = client_as("admin")
    base = {"email": "ok@x.example.gov", "name": "Ok", "role": "viewer", "agency": "",
            "password": "a long password here"}
    before = db.execute(select(User.id)).scalars().all()
    r = admin.post("/admin/users/new", data={**base, **data})
    assert r.status_code == 422 and field_message in r.get_data(as_text=True)
    assert db.execute(select(User.id)).scalars().all() == before


def test_duplicate_email_is_refused(client_as, make_user):
    other = make_user("viewer")
    r = client_as("admin").post("/admin/users/new", data={"email": other.email, "name": "X", "role": "viewer",
                                                          "agency": "", "password": "a long password here"})
    assert r.status_code == 422 and "already uses this email" in r.get_data(as_text=True)


def test_concurrent_user_edits_conflict_instead_of_overwriting(client_as, make_user, db):
    target = make_user("viewer")
    a, b = client_as("admin"), client_as("admin")
    version = target.version
    form = {"email": target.email, "role": "viewer", "agency": "", "title": "", "version": version}
    assert a.post(f"/admin/users/{target.id}", data={**form, "name": "First Edit"}).status_code == 302
    r = b.post(f"/admin/users/{target.id}", data={**form, "name": "Second Edit"})
    assert r.status_code == 422 and "Someone else changed this" in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, target.id).name == "First Edit"


def test_admin_deactivates_and_reactivates(client_as, make_user, db):
    target = make_user("viewer")
    admin = client_as("admin")
    assert admin.post(f"/admin/users/{target.id}/active", data={"active": "0"}).status_code == 302
    db.expire_all()
    assert db.get(User, target.id).is_active is False
    admin.post(f"/admin/users/{target.id}/active", data={"active": "1"})
    db.expire_all()
    assert db.get(User, target.id).is_active is True


def test_admin_cannot_deactivate_themselves(client_as, db):
    admin = client_as("admin")
    admin.post(f"/admin/users/{admin.user.id}/active", data={"active": "0"})
    db.expire_all()
    assert db.get(User, admin.user.id).is_active is True


def test_secretariat_adds_and_retires_an_agency(client_as, db):
    c = client_as("secretariat")
    r = c.post("/admin/agencies/new", data={"acronym": "dea", "name": "Drug Enforcement Administration",
                                            "kind": "other"})
    assert r.status_code == 302
    agency = db.execute(select(Agency).where(Agency.acronym == "DEA")).scalar_one()
    assert c.post("/admin/agencies/DEA/active", data={"active": "0"}).status_code == 302
    db.expire_all()
    agency = db.get(Agency, agency.id)
    assert agency.is_active is False and agency.retired_at is not None
    assert "Former members" in c.get("/agencies").get_data(as_text=True)
    assert c.get("/agencies/DEA").status_code == 200  # never deleted


def test_duplicate_agency_acronym_is_refused(client_as):
    r = client_as("secretariat").post("/admin/agencies/new", data={"acronym": "DOJ", "name": "Again", "kind": "other"})
    assert r.status_code == 422 and "already has this acronym" in r.get_data(as_text=True)


def test_committee_cannot_sit_under_its_own_child(client_as, db):
    spog = committee(db, "Senior Policy Operating Group")
    vs = committee(db, "Victim Services")
    r = client_as("secretariat").post(f"/admin/committees/{spog.id}/edit", data={
        "name": spog.name, "short_name": "SPOG", "kind": "operating_group", "parent_id": str(vs.id),
        "description": "", "quorum_rule": "majority_agencies", "is_active": "y", "version": spog.version})
    assert r.status_code == 422 and "cannot sit under itself" in r.get_data(as_text=True)


def test_secretariat_creates_a_working_group_and_adds_members(client_as, db):
    c = client_as("secretariat")
    pitf_body = committee(db, "President's Interagency Task Force to Monitor and Combat Trafficking in Persons")
    r = c.post("/admin/committees/new", data={"name": "Survivor Engagement Working Group", "kind": "working_group",
                                              "parent_id": str(pitf_body.id), "quorum_rule": "majority_agencies"})
    assert r.status_code == 302
    wg = committee(db, "Survivor Engagement Working Group")
    assert c.post(f"/admin/committees/{wg.id}/members", data={"member_type": "agency", "agency": "HHS",
                                                                "role": "chair"}).status_code == 302
    person = c.user
    assert c.post(f"/admin/committees/{wg.id}/members", data={"member_type": "person", "user_id": str(person.id),
                                                                "role": "dfo"}).status_code == 302
    again = c.post(f"/admin/committees/{wg.id}/members", data={"member_type": "agency", "agency": "HHS",
                                                                "role": "member"})
    assert again.status_code == 422 and "Already a member" in again.get_data(as_text=True)
    page = c.get(f"/committees/{wg.id}").get_data(as_text=True)
    assert "Department of Health and Human Services (HHS)" in page and "Designated federal officer" in page
    m = db.execute(select(Membership).where(Membership.committee_id == wg.id, Membership.agency_id.is_not(None))
                   ).scalar_one()
    assert c.post(f"/admin/memberships/{m.id}/end").status_code == 302
    db.expire_all()
    assert db.get(Membership, m.id).ended_on is not None


@pytest.mark.parametrize("role", ["liaison", "council", "viewer"])
def test_non_staff_cannot_change_the_structure(client_as, db, role):
    c = client_as(role)
    spog = committee(db, "Senior Policy Operating Group")
    assert c.post("/admin/agencies/new", data={"acronym": "X", "name": "X", "kind": "other"}).status_code == 403
    assert c.post(f"/admin/committees/{spog.id}/members",
                  data={"member_type": "agency", "agency": "DOJ", "role": "member"}).status_code == 403
    assert c.post("/admin/agencies/DOJ/active", data={"active": "0"}).status_code == 403


def test_error_pages_are_real_pages(client_as):
    c = client_as("viewer")
    r = c.get("/admin/users")
    page = r.get_data(as_text=True)
    assert r.status_code == 403 and "Not allowed" in page and "usa-header" in page
    r = c.get("/no/such/page")
    assert r.status_code == 404 and "Page not found" in r.get_data(as_text=True)


def test_unexpected_error_is_a_500_page(app, client_as):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    r = client_as("viewer").get("/boom-for-test")
    assert r.status_code == 500 and "Something went wrong" in r.get_data(as_text=True)


def test_admin_services_validate_through_the_model_families_naming_every_problem_at_once(db):
    from pitf.errors import ValidationFailed
    from pitf.models.org import AgencyCreate, CommitteeCreate, UserCreate
    from pitf.permissions import SYSTEM
    from pitf.services import org, users
    from pitf.validation import max_length
    from pitf.web.admin.forms import AgencyForm, CommitteeForm, UserForm

    with pytest.raises(ValidationFailed) as err:
        org.create_agency(session=db, actor=SYSTEM, agency_in={"acronym": " doj ", "name": " ", "kind": "x"})
    assert err.value.fields == {"acronym": "Another agency already has this acronym.",
                                "name": "Enter the agency's name (at most 200 characters).",
                                "kind": "Choose department or other."}
    with pytest.raises(ValidationFailed) as err:
        org.create_committee(session=db, actor=SYSTEM, committee_in={
            "name": "Grantmaking", "kind": "club", "short_name": "S" * 33, "parent_id": 2_000_000})
    assert err.value.fields == {"name": "Another committee already has this name.",
                                "kind": "Choose a kind of body from the list.",
                                "short_name": "Use at most 32 characters.", "parent_id": "No such parent committee."}
    with pytest.raises(ValidationFailed) as err:
        users.create_user(session=db, actor=SYSTEM, user_in={"email": "nobody", "name": "N" * 201, "role": "liaison",
                                                             "password": "short"})
    assert set(err.value.fields) == {"email", "name", "agency", "password"}
    assert err.value.fields["name"] == "Use at most 200 characters."
    # The forms' limits are the models'.
    for form, model, name in ((AgencyForm, AgencyCreate, "acronym"), (CommitteeForm, CommitteeCreate, "short_name"),
                              (UserForm, UserCreate, "email")):
        lengths = [v.max for v in getattr(form, name).kwargs["validators"] if hasattr(v, "max")]
        assert lengths == [max_length(model, name)]
