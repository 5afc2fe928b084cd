"""The `pitf` command: database, reference and demo data, users and API tokens."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from pitf.db import get_db
from pitf.errors import DomainError
from pitf.models import User
from pitf.models.org import ROLES
from pitf.permissions import SYSTEM


def _fail(err: DomainError) -> None:
    details = "".join(f"\n  {k}: {v}" for k, v in (err.fields or {}).items())
    raise click.ClickException(f"{err.message}{details}")


def _user(session, email: str) -> User:
    from pitf.services.auth import normalize_email

    user = session.execute(select(User).where(User.email == normalize_email(email))).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    return user


@click.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str):
    """Migrate the database to the latest schema (or REVISION)."""
    from pitf.migrate import upgrade

    upgrade(get_db().engine, revision)
    click.echo(f"Database at {revision}.")


@click.command("reference")
@with_appcontext
def reference():
    """Load the agencies and bodies production needs (no accounts); running it again changes nothing."""
    from pitf.reference import seed_reference

    with get_db().session() as session:
        seed_reference(session)
    click.echo("Reference data loaded: the member agencies, the bodies and their member agencies.")


@click.command("demo")
@click.option("--scale", type=click.IntRange(min=1), default=None, metavar="N",
              help="Also add N x 5,000 action items with N x 50,000 status updates, and in proportion "
                   "meetings, recommendations, notifications and audit entries (deterministic; running it "
                   "again adds only what is missing).")
@with_appcontext
def demo(scale):
    """Load the reference data and demo accounts; running it again changes nothing."""
    from pitf.demo import load_demo

    instance = Path(current_app.config["PITF_INSTANCE_PATH"])
    with get_db().session() as session:
        created = load_demo(session, instance, current_app.config["PITF_PASSWORD_MIN_LENGTH"])
    logins = instance / "demo-logins.txt"
    if created:
        click.echo(f"Demo logins (also saved, readable only by you, in {logins}):")
        for role, email, password in created:
            click.echo(f"  {role:<12} {email:<34} {password}")
    else:
        click.echo(f"Demo data already loaded; the demo logins are in {logins}")
    if scale:
        _demo_scale(scale)


def _demo_scale(scale: int) -> None:
    from pitf.demo_scale import load_scale, planned

    counts = planned(scale)
    label = f"Scale {scale}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    with click.progressbar(length=sum(counts.values()), label=label, file=sys.stderr, show_pos=True) as bar:
        with get_db().session() as session:
            result = load_scale(session, scale, progress=bar.update)
    if result.items_added or result.added:
        more = ", ".join(f"{v:,} {k}" for k, v in result.added.items())
        click.echo(f"Added {result.items_added:,} action items with {result.updates_added:,} status updates"
                   + (f"; {more}" if more else "") + f" in {result.seconds:.0f} s.")
    else:
        click.echo(f"The scale {scale} data set is already loaded; nothing added.")


@click.group("users")
def users_group():
    """People and their roles."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([str(r) for r in ROLES]), required=True)  # the values, not the names
@click.option("--agency", "agency", default=None, help="Agency acronym (required for liaisons).")
@click.option("--name", default=None, help="Full name (default: the part of the email before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(email, role, agency, name, password_stdin):
    """Create a user. Without --password-stdin a password is generated and printed once."""
    import secrets

    from pitf.services import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = secrets.token_urlsafe(15)
    try:
        with get_db().session() as session:
            user = users.create_user(session=session, actor=SYSTEM, user_in={
                "email": email, "role": role, "agency": agency, "name": name or email.split("@")[0],
                "password": password}, min_length=current_app.config["PITF_PASSWORD_MIN_LENGTH"])
            click.echo(f"Created {user.email} ({user.role}{', ' + agency.upper() if agency else ''}).")
    except DomainError as err:
        _fail(err)
    if not password_stdin:
        click.echo(f"Password: {password}")


@users_group.command("list")
@with_appcontext
def users_list():
    """List every user."""
    from pitf.models import Agency

    with get_db().session(write=False) as session:
        agencies = {a.id: a.acronym for a in session.execute(select(Agency)).scalars()}
        for u in session.execute(select(User).order_by(User.email)).scalars():
            state = "active" if u.is_active else "inactive"
            click.echo(f"{u.email:<40} {u.role:<12} {agencies.get(u.agency_id, '-'):<8} {state:<9} {u.name}")


@users_group.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email):
    """Deactivate a user: they cannot sign in and their sessions and tokens stop working."""
    from pitf.services import users

    with get_db().session() as session:
        user = _user(session, email)
        users.set_active(session=session, actor=SYSTEM, user=user, active=False)
    click.echo(f"Deactivated {email}.")


@users_group.command("activate")
@click.argument("email")
@with_appcontext
def users_activate(email):
    """Reactivate a user."""
    from pitf.services import users

    with get_db().session() as session:
        users.set_active(session=session, actor=SYSTEM, user=_user(session, email), active=True)
    click.echo(f"Activated {email}.")


@click.group("tokens")
def tokens_group():
    """API tokens."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
@with_appcontext
def tokens_create(email, name):
    """Create an API token for EMAIL; the token is printed once, as the last line."""
    from pitf.services import tokens

    try:
        with get_db().session() as session:
            row, token = tokens.create_token(session=session, actor=SYSTEM, user=_user(session, email), name=name)
            click.echo(f"Token {row.prefix}… created for {email}. It is shown only now:", err=True)
    except DomainError as err:
        _fail(err)
    click.echo(token)


@tokens_group.command("list")
@click.argument("email")
@with_appcontext
def tokens_list(email):
    """List the tokens of EMAIL (prefixes only)."""
    from pitf.services import tokens

    with get_db().session(write=False) as session:
        for t in tokens.list_tokens(session=session, actor=SYSTEM, user=_user(session, email)):
            state = "revoked" if t.revoked_at else "live"
            click.echo(f"{t.prefix:<14} {state:<8} {t.created_at:%Y-%m-%d} {t.name}")


@tokens_group.command("revoke")
@click.argument("prefix")
@with_appcontext
def tokens_revoke(prefix):
    """Revoke the token whose prefix (its first 12 characters) is PREFIX."""
    from pitf.services import tokens

    try:
        with get_db().session() as session:
            tokens.revoke_token(session=session, actor=SYSTEM, prefix=prefix[:12])
    except DomainError as err:
        _fail(err)
    click.echo(f"Revoked {prefix[:12]}.")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler (reminders, digests, email). Run exactly one for the whole deployment."""
    import signal

    from pitf.scheduler import build_scheduler, check_config
    from pitf.settings import ConfigError

    app = current_app._get_current_object()
    try:
        check_config(app)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    scheduler = build_scheduler(app)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    if not app.config.get("PITF_MAIL_URL"):
        click.echo("PITF_MAIL_URL is not set: email will wait in the outbox (admins see it).", err=True)
    click.echo("Scheduler started: " + ", ".join(f"{j.id} every {j.trigger.interval}" for j in scheduler.get_jobs()),
               err=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@click.group("jobs")
def jobs_group():
    """Scheduled jobs: list them, or run them once now (for cron users and tests)."""


@jobs_group.command("list")
@with_appcontext
def jobs_list():
    """Each job with its schedule, last run, outcome and next run."""
    from pitf.scheduler import job_statuses

    for st in job_statuses(current_app._get_current_object()):
        last = st.last.started_at.strftime("%Y-%m-%d %H:%M:%S UTC") if st.last else "never"
        outcome = st.last.outcome if st.last else "-"
        click.echo(f"{st.spec.id:<10} every {st.spec.minutes:>2} min  last {last:<24} {outcome:<8} "
                   f"next {st.next_run:%Y-%m-%d %H:%M:%S} UTC  {st.spec.description}")
        if st.last and st.last.detail:
            click.echo(f"{'':<10} {st.last.detail}")


@jobs_group.command("run")
@click.argument("job", required=False)
@click.option("--now", "now_text", default=None, help="Run as if it were this ISO 8601 time (testing).")
@with_appcontext
def jobs_run(job, now_text):
    """Run every job (or JOB) once now and exit."""
    from datetime import datetime

    from pitf.scheduler import JOBS, check_config, run_job
    from pitf.settings import ConfigError

    if job and job not in JOBS:
        raise click.ClickException(f"No job {job!r}; the jobs are: {', '.join(JOBS)}.")
    try:
        check_config(current_app._get_current_object())
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.ClickException("--now takes an ISO 8601 time with an offset.") from exc
        if now.tzinfo is None:
            raise click.ClickException("--now needs an offset, e.g. 2027-03-15T13:00:00+00:00.")
    failed = False
    for job_id in [job] if job else list(JOBS):
        run = run_job(current_app._get_current_object(), job_id, now)
        click.echo(f"{job_id}: {run.outcome}: {run.detail}")
        failed = failed or run.outcome != "ok"
    if failed:
        raise SystemExit(1)


@click.group("attachments")
def attachments_group():
    """Documents of meetings and recommendations."""


@attachments_group.command("extract")
@click.option("--again", is_flag=True, help="Read every PDF, Word and plain-text document again, not only those "
                                            "never read (after raising PITF_EXTRACT_MAX_CHARS or the timeout).")
@with_appcontext
def attachments_extract(again: bool):
    """Read the text of documents uploaded before text was read on upload (for search)."""
    from pitf.services.attachments import documents_to_read, keep_texts, read_text
    from pitf.storage import get_storage

    if current_app.config["PITF_EXTRACT_TIMEOUT"] <= 0:
        raise click.ClickException("Text extraction is off (PITF_EXTRACT_TIMEOUT=0).")
    storage = get_storage(current_app)
    with get_db().session(write=False) as session:
        documents = documents_to_read(session=session, again=again)
    if not documents:
        click.echo("Every PDF, Word and plain-text document has its text; nothing to read.")
        return
    with_text, batch = 0, 20
    with click.progressbar(length=len(documents), label=f"Reading {len(documents):,} documents", file=sys.stderr,
                           show_pos=True) as bar:
        for start in range(0, len(documents), batch):
            # Read outside any transaction (seconds per file at worst), then write the batch at once: the
            # platform keeps running, and SQLite's write lock is held only for the short write.
            texts = {}
            for doc in documents[start:start + batch]:
                texts[doc.id] = read_text(storage, doc.storage_key, doc.filename, doc.content_type)
                with_text += bool(texts[doc.id])
                bar.update(1)
            with get_db().session() as session:
                keep_texts(session=session, texts=texts)
    click.echo(f"Read {len(documents):,} documents: {with_text:,} with text, {len(documents) - with_text:,} without "
               "(scanned, empty or unreadable; the log says why).")


@click.group("search")
def search_group():
    """The full-text search index."""


@search_group.command("reindex")
@with_appcontext
def search_reindex():
    """Rebuild the search index from the data (it is kept in step on every change; this repairs it)."""
    import time

    from pitf.services.search_index import planned_rows, rebuild

    started = time.monotonic()
    with get_db().session() as session:
        rows = planned_rows(session)
        with click.progressbar(length=rows, label=f"Indexing {rows:,} rows", file=sys.stderr,
                               show_pos=True) as bar:
            documents = rebuild(session, progress=bar.update)
    click.echo(f"Search index rebuilt: {documents:,} documents in {time.monotonic() - started:.0f} s.")


def register_cli(app: Flask) -> None:
    for command in (db_group, reference, demo, users_group, tokens_group, scheduler_command, jobs_group,
                    attachments_group, search_group):
        app.cli.add_command(command)


def main() -> None:
    from pitf import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), help="The PITF Coordination Platform.")
    cli.main(prog_name="pitf")
