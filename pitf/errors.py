"""Domain errors raised by services; the pages and the API turn them into what users see."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", *, fields: dict[str, str] | None = None, current: dict | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        self.fields = fields or {}
        self.current = current


class NotFound(DomainError):
    """Not found."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """You are not allowed to do that."""

    status = 403
    code = "forbidden"


class ValidationFailed(DomainError):
    """Some values are not valid."""

    status = 422
    code = "invalid"


class Conflict(DomainError):
    """Someone else changed this since you read it."""

    status = 409
    code = "conflict"


class InvalidTransition(DomainError):
    """That change of status is not allowed."""

    status = 409
    code = "invalid_transition"


class RateLimited(DomainError):
    """Too many attempts; wait and try again."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str = "", *, retry_after: int = 60):
        super().__init__(message)
        self.retry_after = retry_after


def require(condition: bool, message: str = "") -> None:
    """Raise Forbidden unless *condition* holds."""
    if not condition:
        raise Forbidden(message)
