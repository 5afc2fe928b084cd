"""The minutes as a printed page and a PDF: the approved revision (or the draft, marked DRAFT, for those who may read
it), the FACA chair's certification where it applies, the attendance, and the documents received or issued.

What is printed is what the minutes page shows its reader (services.minutes.minutes_for): planners the working
text, members also the circulated text, everyone who may see the meeting the last approved revision. A closed
meeting is NotFound to non-members, like its page; a reader with no minutes to read finds none to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pitf.errors import NotFound
from pitf.models import Agency, Committee, Meeting, User
from pitf.services import attachments as docs
from pitf.services import attendance as att
from pitf.services import meetings as mtg
from pitf.services import minutes as mins


@dataclass(frozen=True)
class Attendee:
    label: str  # "Ana Ruiz (DOJ)"
    kind: str  # member, staff, agency_employee, public_speaker, guest
    status: str  # present, absent, represented
    represented_by: str


@dataclass(frozen=True)
class Signature:
    """Who approved (for a FACA body: certified) the printed revision, and when."""

    name: str | None  # None: the account is gone
    at: datetime
    certification_text: str  # the chair's certification of a FACA body; "" otherwise


@dataclass(frozen=True)
class PrintableMinutes:
    meeting: Meeting
    committee: Committee
    body_html: str  # sanitized on save (pitf.markdown)
    revision: int
    status: str  # of the printed text: draft, circulated or approved
    signature: Signature | None  # set for the approved revision
    attendance: list[Attendee]
    quorum: att.Quorum
    documents: list[docs.AttachmentView]
    approved_also: int | None  # a correction is printed: the approved revision in force, printable instead

    @property
    def is_draft(self) -> bool:
        """Not the approved text: marked DRAFT on every page."""
        return self.status != "approved"

    @property
    def faca(self) -> bool:
        return self.committee.follows_faca

    @property
    def certification(self) -> Signature | None:
        """The chair's certification block: a FACA body's certified revision only."""
        return self.signature if self.faca and self.signature and self.signature.certification_text else None


def printable_minutes(*, session: Session, actor, meeting_id: int, approved: bool = False) -> PrintableMinutes:
    """The minutes *actor* may read, ready to print; with *approved*, the approved revision even where the reader
    also sees a correction in progress. NotFound when there is nothing they may read."""
    meeting, committee, access = mtg.get_meeting(session=session, actor=actor, meeting_id=meeting_id)
    reader = mins.minutes_for(session, actor, meeting, access)
    if approved:
        if reader.approved is None:
            raise NotFound("These minutes have no approved revision yet.")
        rev = reader.approved
        body_html, revision, status = rev.body_html, rev.revision, "approved"
    elif reader.status == "none" or reader.revision is None:
        raise NotFound("There are no minutes of this meeting for you to read yet.")
    else:
        body_html, revision, status = reader.body_html, reader.revision, reader.status
    signature = None
    if status == "approved" and reader.approved is not None:
        signer = session.get(User, reader.approved.approved_by_id) if reader.approved.approved_by_id else None
        assert reader.approved.approved_at is not None  # an approved revision has its time
        signature = Signature(signer.name if signer else None, reader.approved.approved_at,
                              reader.approved.certification_text if committee.follows_faca else "")
    entries = att.attendance_of(session, meeting)
    acronyms = dict(session.execute(select(Agency.id, Agency.acronym)).tuples().all())
    attendance = [Attendee(att.attendee_label(e.name, acronyms.get(e.agency_id) if e.agency_id else None),
                           e.attendee_kind, e.status, e.represented_by) for e in entries]
    assert meeting.id is not None  # a stored meeting
    return PrintableMinutes(
        meeting=meeting, committee=committee, body_html=body_html, revision=revision, status=status,
        signature=signature, attendance=attendance, quorum=att.quorum(session, committee, entries),
        documents=docs.list_attachments(session=session, actor=actor, meeting_id=meeting.id),
        approved_also=reader.approved.revision if reader.approved is not None and status != "approved" else None)
