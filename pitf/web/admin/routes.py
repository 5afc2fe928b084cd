"""Administration pages: people, agencies, committees and memberships."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from pitf import permissions
from pitf.db import get_session
from pitf.errors import DomainError, ValidationFailed, require
from pitf.models import Agency, Committee, Membership, User
from pitf.models.org import APPOINTMENT_TYPE_LABELS, COMMITTEE_KIND_LABELS, MEMBERSHIP_ROLE_LABELS, ROLE_LABELS
from pitf.paging import last_page, page_numbers, read_paging
from pitf.services import audit_log as audit_log_service
from pitf.services import org, sso, users
from pitf.services.factors import factors_of
from pitf.textutil import BadDate, parse_date, parse_id
from pitf.web.admin.forms import (
    AgencyForm,
    AppointmentForm,
    CommitteeForm,
    ConfirmForm,
    MembershipForm,
    NewUserForm,
    ResetPasswordForm,
    UserForm,
)
from pitf.web.auth.signin import proved_recently, reauth_redirect
from pitf.web.choices import options
from pitf.web.form_errors import apply_form_errors, form_page
from pitf.web.zones import user_zone

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _agency_choices(db, blank: str = "No agency"):
    return options([("", blank)] + [(a.acronym, f"{a.acronym}: {a.name}") for a in org.list_agencies(session=db)])


def _min_length() -> int:
    from flask import current_app

    return current_app.config["PITF_PASSWORD_MIN_LENGTH"]


@bp.route("/")
@login_required
def index():
    require(permissions.is_staff(current_user))
    faca_bodies = [c for c in org.list_committees(session=get_session()) if c.follows_faca] \
        if permissions.can_export_faca(current_user) else []
    return render_template("admin/index.html", faca_bodies=faca_bodies)


# ---- users ---------------------------------------------------------------------------------

@bp.route("/users")
@login_required
def user_list():
    db = get_session()
    people = users.list_users(session=db, actor=current_user)
    agencies = {a.id: a for a in org.list_agencies(session=db, include_retired=True)}
    return render_template("admin/users.html", people=people, agencies=agencies, roles=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new():
    require(permissions.can_manage_users(current_user))
    db = get_session()
    form = NewUserForm()
    form.agency.choices = _agency_choices(db)

    def save():
        user = users.create_user(session=db, actor=current_user, user_in={
            "email": form.email.data, "name": form.name.data, "role": form.role.data,
            "agency": form.agency.data or None, "password": form.password.data, "title": form.title.data or "",
            "local_sign_in_allowed": bool(form.local_sign_in_allowed.data)},
            min_length=_min_length())
        return f"Account created for {user.name}.", url_for("admin.user_list")

    return form_page(form, save, "admin/user_form.html", user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_edit(user_id: int):
    require(permissions.can_manage_users(current_user))
    db = get_session()
    user = users.get_user(session=db, actor=current_user, user_id=user_id)
    agency = db.get(Agency, user.agency_id) if user.agency_id else None
    form = UserForm(obj=None if request.method == "POST" else user)
    form.agency.choices = _agency_choices(db)
    if request.method == "GET":
        form.agency.data = agency.acronym if agency else ""
        form.version.data = user.version
    elif _changes_role_or_agency(user, agency) and not proved_recently():
        return reauth_redirect(url_for("admin.user_edit", user_id=user.id))

    def save():
        users.update_user(session=db, actor=current_user, user=user, version=form.version.data, user_in={
            "email": form.email.data, "name": form.name.data, "role": form.role.data,
            "agency": form.agency.data or None, "title": form.title.data or "",
            "local_sign_in_allowed": bool(form.local_sign_in_allowed.data)})
        return f"Saved {user.name}.", url_for("admin.user_list")

    return form_page(form, save, "admin/user_form.html", user=user, reset_form=ResetPasswordForm(),
                     confirm=ConfirmForm(), identities=sso.identities_of(session=db, actor=current_user, user=user),
                     providers=current_app.config.get("PITF_OIDC_PROVIDERS", {}), factors=factors_of(db, user))


@bp.route("/users/<int:user_id>/identities/<int:identity_id>/unlink", methods=["POST"])
@login_required
def user_identity_unlink(user_id: int, identity_id: int):
    require(permissions.can_manage_users(current_user))
    db = get_session()
    user = users.get_user(session=db, actor=current_user, user_id=user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = sso.unlink(session=db, actor=current_user, user=user, identity_id=identity_id)
    flash(f"Unlinked {user.name}'s identity at {row.provider}: its next sign-in links again by verified email.",
          "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _changes_role_or_agency(user, agency) -> bool:
    """Whether the posted form changes the person's role or agency (a step that needs a fresh proof)."""
    posted_agency = (request.form.get("agency") or "").strip().upper()
    return request.form.get("role", user.role) != user.role or posted_agency != (agency.acronym if agency else "")


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
def user_active(user_id: int):
    require(permissions.can_manage_users(current_user))
    db = get_session()
    user = users.get_user(session=db, actor=current_user, user_id=user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        users.set_active(session=db, actor=current_user, user=user, active=active)
    except DomainError as err:
        flash(err.message, "error")
    else:
        flash(f"{user.name} is {'active again' if active else 'deactivated and signed out'}.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@login_required
def user_password(user_id: int):
    require(permissions.can_manage_users(current_user))
    db = get_session()
    user = users.get_user(session=db, actor=current_user, user_id=user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            users.reset_password(session=db, actor=current_user, user=user, password=form.password.data,
                                 min_length=_min_length())
        except DomainError as err:
            flash(next(iter(err.fields.values()), err.message), "error")
        else:
            flash(f"Password reset for {user.name}; their sessions have ended.", "success")
    else:
        flash("Enter the new password.", "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# ---- agencies ------------------------------------------------------------------------------

@bp.route("/agencies/new", methods=["GET", "POST"])
@login_required
def agency_new():
    require(permissions.can_manage_agencies(current_user))
    form = AgencyForm()

    def save():
        agency = org.create_agency(session=get_session(), actor=current_user, agency_in={
            "acronym": form.acronym.data, "name": form.name.data, "kind": form.kind.data})
        return f"Added {agency.acronym}.", url_for("org.agency", acronym=agency.acronym)

    return form_page(form, save, "admin/agency_form.html", agency=None)


@bp.route("/agencies/<acronym>/edit", methods=["GET", "POST"])
@login_required
def agency_edit(acronym: str):
    require(permissions.can_manage_agencies(current_user))
    db = get_session()
    agency = org.get_agency(session=db, actor=current_user, acronym=acronym)
    form = AgencyForm(obj=None if request.method == "POST" else agency)
    if request.method == "GET":
        form.version.data = agency.version
    form.acronym.data = agency.acronym

    def save():
        org.update_agency(session=db, actor=current_user, agency=agency, version=form.version.data,
                          agency_in={"name": form.name.data, "kind": form.kind.data})
        return f"Saved {agency.acronym}.", url_for("org.agency", acronym=agency.acronym)

    return form_page(form, save, "admin/agency_form.html", agency=agency, confirm=ConfirmForm())


@bp.route("/agencies/<acronym>/active", methods=["POST"])
@login_required
def agency_active(acronym: str):
    require(permissions.can_manage_agencies(current_user))
    db = get_session()
    agency = org.get_agency(session=db, actor=current_user, acronym=acronym)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    org.set_agency_active(session=db, actor=current_user, agency=agency, active=active)
    flash(f"{agency.acronym} is {'a member again' if active else 'retired; its history is kept'}.", "success")
    return redirect(url_for("org.agency", acronym=agency.acronym))


# ---- committees and memberships ------------------------------------------------------------

def _parent_choices(db, exclude_id: int | None = None):
    return options([("", "None (a top-level body)")] + [
        (str(c.id), c.name) for c in org.list_committees(session=db, include_inactive=True) if c.id != exclude_id
    ])


def _parent(value: str | None) -> int | None:
    return parse_id(value)


def _committee_fields(form: CommitteeForm) -> dict:
    """What the committee form sends, as CommitteeCreate names it."""
    return {"name": form.name.data, "kind": form.kind.data, "parent_id": _parent(form.parent_id.data),
            "short_name": form.short_name.data or "", "description": form.description.data or "",
            "follows_faca": form.follows_faca.data, "quorum_rule": form.quorum_rule.data}


@bp.route("/committees/new", methods=["GET", "POST"])
@login_required
def committee_new():
    require(permissions.can_manage_committees(current_user))
    db = get_session()
    form = CommitteeForm()
    form.parent_id.choices = _parent_choices(db)

    def save():
        c = org.create_committee(session=db, actor=current_user, committee_in=_committee_fields(form))
        return f"Created {c.name}.", url_for("org.committee", committee_id=c.id)

    return form_page(form, save, "admin/committee_form.html", committee=None)


@bp.route("/committees/<int:committee_id>/edit", methods=["GET", "POST"])
@login_required
def committee_edit(committee_id: int):
    require(permissions.can_manage_committees(current_user))
    db = get_session()
    c = org.get_committee(session=db, actor=current_user, committee_id=committee_id)
    form = CommitteeForm(obj=None if request.method == "POST" else c)
    form.parent_id.choices = _parent_choices(db, exclude_id=c.id)
    if request.method == "GET":
        form.parent_id.data = str(c.parent_id or "")
        form.version.data = c.version

    def save():
        org.update_committee(session=db, actor=current_user, committee=c, version=form.version.data,
                             committee_in={**_committee_fields(form), "is_active": form.is_active.data})
        return f"Saved {c.name}.", url_for("org.committee", committee_id=c.id)

    return form_page(form, save, "admin/committee_form.html", committee=c)


@bp.route("/committees/<int:committee_id>/members", methods=["GET", "POST"])
@login_required
def committee_members(committee_id: int):
    require(permissions.can_manage_memberships(current_user))
    db = get_session()
    c = org.get_committee(session=db, actor=current_user, committee_id=committee_id)
    form = MembershipForm()
    form.agency.choices = _agency_choices(db, blank="Choose an agency")
    people = db.execute(select(User).where(User.is_active.is_(True)).order_by(User.name)).scalars().all()
    form.user_id.choices = options([("", "Choose a person")] + [(u.id, f"{u.name} ({u.email})") for u in people])
    if form.validate_on_submit():
        person = form.member_type.data == "person"
        try:
            started_on, term_ends_on = _term(form)
            org.add_membership(session=db, actor=current_user, committee=c, role=form.role.data,
                               user_id=parse_id(form.user_id.data) if person else None,
                               agency_acronym=None if person else (form.agency.data or None),
                               appointment_type=form.appointment_type.data or None, started_on=started_on,
                               term_ends_on=term_ends_on)
        except DomainError as err:
            apply_form_errors(form, err, mapping={"member": "member_type"})
        else:
            flash("Membership added.", "success")
            return redirect(url_for("admin.committee_members", committee_id=c.id))
    members = org.roster(session=db, committee_ids=[committee_id])[committee_id]
    status = 422 if request.method == "POST" else 200
    return render_template("admin/members.html", c=c, form=form, members=members, confirm=ConfirmForm(),
                           roles=MEMBERSHIP_ROLE_LABELS, kinds=COMMITTEE_KIND_LABELS,
                           appointment_types=APPOINTMENT_TYPE_LABELS), status


def _term(form) -> tuple[date | None, date | None]:
    """The appointment's start and term end typed in *form*, or ValidationFailed naming the bad date."""
    days: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    for name in ("started_on", "term_ends_on"):
        raw = (getattr(form, name).data or "").strip()
        try:
            days[name] = parse_date(raw) if raw else None
        except BadDate as err:
            errors[name] = str(err)
    if errors:
        raise ValidationFailed("Check the dates.", fields=errors)
    return days["started_on"], days["term_ends_on"]


@bp.route("/memberships/<int:membership_id>/appointment", methods=["GET", "POST"])
@login_required
def membership_appointment(membership_id: int):
    require(permissions.can_manage_memberships(current_user))
    db = get_session()
    m = db.get(Membership, membership_id)
    if m is None:
        abort(404)
    c = org.get_committee(session=db, actor=current_user, committee_id=m.committee_id)
    member = db.get(User, m.user_id) if m.user_id else db.get(Agency, m.agency_id)
    form = AppointmentForm()
    if request.method == "GET":
        form.appointment_type.data = m.appointment_type or ""
        form.started_on.data = m.started_on.isoformat() if m.started_on else ""
        form.term_ends_on.data = m.term_ends_on.isoformat() if m.term_ends_on else ""
        form.version.data = m.version

    def save():
        started_on, term_ends_on = _term(form)
        org.update_appointment(session=db, actor=current_user, membership_id=membership_id,
                               version=form.version.data, appointment_type=form.appointment_type.data or None,
                               started_on=started_on, term_ends_on=term_ends_on)
        return "Appointment saved.", url_for("admin.committee_members", committee_id=c.id)

    return form_page(form, save, "admin/appointment.html", c=c, m=m,
                     member_name=getattr(member, "name", ""))


@bp.route("/memberships/<int:membership_id>/end", methods=["POST"])
@login_required
def membership_end(membership_id: int):
    require(permissions.can_manage_memberships(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    m = org.end_membership(session=get_session(), actor=current_user, membership_id=membership_id)
    flash("Membership ended; it stays in the history.", "success")
    return redirect(url_for("admin.committee_members", committee_id=m.committee_id))


AUDIT_PER_PAGE = 50


@bp.route("/audit")
@login_required
def audit_log():
    require(permissions.can_view_audit_log(current_user))
    db = get_session()
    errors: dict[str, str] = {}
    page, per_page = read_paging(request.args, errors, per_page=AUDIT_PER_PAGE)
    filters = audit_log_service.AuditFilters()
    try:
        filters = audit_log_service.parse_audit_filters(request.args)
    except ValidationFailed as err:
        errors.update(err.fields)
    views, total = [], 0
    if not errors:
        entries, total = audit_log_service.list_audit(session=db, actor=current_user, filters=filters,
                                                      tz=user_zone(), page=page, per_page=per_page)
        views = audit_log_service.describe_entries(session=db, actor=current_user, entries=entries, tz=user_zone())
    query_args = filters.query_args()
    if per_page != AUDIT_PER_PAGE:
        query_args["per_page"] = per_page
    last = last_page(total, per_page)
    return render_template(
        "admin/audit.html", views=views, total=total, page=page, per_page=per_page, last_page=last,
        page_numbers=page_numbers(page, last), query_args=query_args, filters=filters, errors=errors,
        args=request.args, choices=audit_log_service.filter_choices(session=db, actor=current_user),
    ), (422 if errors else 200)


@bp.app_template_global()
def committee_name(committee_id: int | None) -> str:
    if not committee_id:
        return ""
    c = get_session().get(Committee, committee_id)
    return c.name if c else ""
