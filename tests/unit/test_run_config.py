"""`make run` and gunicorn's configuration: the port in every link, one control socket per instance or none."""

import os
import re
import shutil
import subprocess

import pytest
from icalendar import Calendar
from sqlalchemy import select

from pitf.models import OutboxEmail
from pitf.settings import ROOT
from tests.conftest import make_app, sign_in_client
from tests.factories import committee, create_user, meeting_in


def _make_run_dry(port: str, **env) -> str:
    if (make := shutil.which("make")) is None:
        pytest.skip("make is not installed")
    environ = {k: v for k, v in os.environ.items() if k not in {"PITF_BASE_URL", "PORT", "MAKEFLAGS"}}
    environ.update(env)
    return subprocess.run([make, "-n", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=environ,  # noqa: S603
                          capture_output=True, text=True, check=True).stdout


def test_make_run_derives_the_base_url_from_the_port():
    out = _make_run_dry("8000")
    assert "--bind 127.0.0.1:8000" in out
    assert "PITF_BASE_URL=http://127.0.0.1:8000" in out and ":5000" not in out


@pytest.mark.parametrize("given", ["", "   "])
def test_make_run_treats_an_empty_base_url_as_unset(given):
    assert "PITF_BASE_URL=http://127.0.0.1:8001" in _make_run_dry("8001", PITF_BASE_URL=given)


def test_make_run_keeps_a_base_url_that_is_set():
    out = _make_run_dry("8000", PITF_BASE_URL="https://pitf.example.gov")
    assert "PITF_BASE_URL=https://pitf.example.gov" in out and "127.0.0.1:8000\"" not in out


def test_make_run_exports_the_base_url_to_gunicorn_and_the_scheduler():
    text = (ROOT / "Makefile").read_text()
    assert re.search(r"^export PITF_BASE_URL$", text, re.M)


def test_the_port_make_run_serves_on_is_in_ics_files_the_feed_address_and_emails(monkeypatch, connection,
                                                                                    settings):
    """What `PORT=8000 make run` gives the app: PITF_BASE_URL in its environment, no override."""
    from pitf.services import meetings as mtg
    from pitf.services.notify import notify

    monkeypatch.setenv("PITF_BASE_URL", "http://127.0.0.1:8000/")
    app = make_app(settings, connection)
    assert app.config["PITF_BASE_URL"] == "http://127.0.0.1:8000"
    db = app.extensions["pitf_db"].sessionmaker()
    staff = create_user(db, role="secretariat")
    meeting = mtg.create_meeting(session=db, actor=staff, meeting_in=meeting_in(db, {
        "committee_id": committee(db, "Victim Services").id, "title": "Working session",
        "starts_at": "2027-03-15T10:00:00", "ends_at": "2027-03-15T11:00:00", "is_open": True, "location": "Room 101"}))
    db.flush()
    client = app.test_client()
    sign_in_client(client, staff)
    ics = Calendar.from_ical(client.get(f"/meetings/{meeting.id}.ics").data)
    urls = [str(e.get("url")) for e in ics.walk("VEVENT")]
    assert urls == [f"http://127.0.0.1:8000/meetings/{meeting.id}"]
    assert client.post("/account/calendar-feed").status_code == 302
    page = client.get("/account/").get_data(as_text=True)
    assert re.search(r'value="http://127\.0\.0\.1:8000/calendar/[^"]+\.ics"', page)
    with app.app_context():
        notify(db, users=[staff], kind="test", title="Hello", url="/dashboard")
    body = db.execute(select(OutboxEmail.body_text).where(OutboxEmail.user_id == staff.id)).scalar_one()
    assert "http://127.0.0.1:8000/dashboard" in body and ":5000" not in body
    db.close()


def test_gunicorn_config_turns_the_control_socket_off():
    """Read the file as gunicorn does (app/base.py: every known name is set, unknown ones ignored)."""
    import runpy

    from gunicorn.config import Config

    cfg = Config()
    assert "control_socket_disable" in cfg.settings, "this gunicorn has no control socket setting"
    assert cfg.control_socket_disable is False  # gunicorn's default: on, at one path per user
    for name, value in runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name.lower(), value)
    assert cfg.control_socket_disable is True
