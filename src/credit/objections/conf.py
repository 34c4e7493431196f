"""The app's settings (``CREDIT_*`` in ``credit.settings``), each with its default, read at
the time of use so that tests may override them."""

from __future__ import annotations

from django.conf import settings

from credit.objections.rules import RepairPolicy

#: A code is valid this long after it is sent, and for this many wrong attempts.
CODE_TTL_SECONDS = 300
CODE_MAX_ATTEMPTS = 5

DEFAULTS = {
    "CREDIT_OBJECTION_MAX_FILE_BYTES": 10 * 1024 * 1024,
    "CREDIT_OBJECTION_MAX_FILES": 5,
    "CREDIT_SMS_PHONE_PER_MINUTE": 1,
    "CREDIT_SMS_PHONE_PER_HOUR": 5,
    "CREDIT_SMS_IP_PER_HOUR": 20,
    "CREDIT_TRACKING_NUMBER_PER_HOUR": 5,
    "CREDIT_TRACKING_IP_PER_HOUR": 20,
    "CREDIT_REPAIR_REPEAT_YEARS": 3,
    "CREDIT_REPAIR_EXCLUDED_ITEMS": ("dishonest-judgment-debtor",),
}


def value(name: str):
    return getattr(settings, name, DEFAULTS[name])


def max_file_bytes() -> int:
    return int(value("CREDIT_OBJECTION_MAX_FILE_BYTES"))


def max_files() -> int:
    return int(value("CREDIT_OBJECTION_MAX_FILES"))


def sms_limits() -> dict[str, int]:
    return {
        "phone_minute": int(value("CREDIT_SMS_PHONE_PER_MINUTE")),
        "phone_hour": int(value("CREDIT_SMS_PHONE_PER_HOUR")),
        "ip_hour": int(value("CREDIT_SMS_IP_PER_HOUR")),
    }


def tracking_limits() -> dict[str, int]:
    """Wrong tries allowed on the tracking page per hour: per case number, per address."""
    return {
        "number_hour": int(value("CREDIT_TRACKING_NUMBER_PER_HOUR")),
        "ip_hour": int(value("CREDIT_TRACKING_IP_PER_HOUR")),
    }


def repair_policy() -> RepairPolicy:
    return RepairPolicy(
        excluded_items=frozenset(value("CREDIT_REPAIR_EXCLUDED_ITEMS")),
        repeat_years=int(value("CREDIT_REPAIR_REPEAT_YEARS")),
    )
