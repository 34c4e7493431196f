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
