"""Errors that services raise, each with a stable English code and a Chinese message."""

from __future__ import annotations


class CreditError(Exception):
    """Base class: ``code`` is stable for API clients, ``message`` is shown to people."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class PermissionDenied(CreditError):
    code = "permission_denied"
    status = 403


class NotFound(CreditError):
    code = "not_found"
    status = 404


class ValidationFailed(CreditError):
    code = "validation_failed"
    status = 422


class NotAuthenticated(CreditError):
    code = "not_authenticated"
    status = 401


class RateLimited(CreditError):
    """Too many requests; ``retry_after`` seconds go into the ``Retry-After`` header."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code, details={"retry_after": retry_after})
        self.retry_after = retry_after
