"""Column types and mixins shared by every table: UTC timestamps and optimistic versions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.orm import declared_attr
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def created_field():
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def optional_time_field(**kw):
    return Field(default=None, sa_type=UTCDateTime, nullable=True, **kw)


class Versioned:
    """Optimistic locking: UPDATE ... WHERE version = :read_version, bumped by the ORM."""

    version: int = Field(default=1, nullable=False)
    created_at: datetime = created_field()
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, sa_column_kwargs={"onupdate": utcnow}
    )

    @declared_attr
    def __mapper_args__(cls):  # noqa: N805 - SQLAlchemy's declared_attr protocol
        return {"version_id_col": cls.__table__.c.version}
