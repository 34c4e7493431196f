"""Form helpers shared by the staff pages."""

from __future__ import annotations

from django import forms

from credit.core.errors import CreditError


def error_text(exc: CreditError) -> str:
    """How a service's refusal reads on a page: the Chinese message and the stable code."""
    return f"{exc.message}（{exc.code}）"


def add_service_error(
    form: forms.Form, exc: CreditError, fields: dict[str, str], *, with_code: bool = True
) -> None:
    """Show a service's refusal on the field its code concerns (``fields``: code → field
    name), or on the form as a whole."""
    field = fields.get(exc.code)
    form.add_error(
        field if field in form.fields else None, error_text(exc) if with_code else exc.message
    )
