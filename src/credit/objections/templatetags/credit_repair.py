"""``{% load credit_repair %}``: credit repair (信用修复) beside a record on any page, decided by
the one rule the portal also uses (:func:`credit.objections.repairs.repair_option`); a
template tag, so that the apps whose pages show records need not import this one."""

from __future__ import annotations

from django import template

from credit.objections.repairs import RepairOption
from credit.objections.repairs import repair_option as _repair_option
from credit.records.models import CreditRecord

register = template.Library()


@register.simple_tag
def repair_option(record: CreditRecord) -> RepairOption:
    """``{% repair_option record as repair %}``: ``repair.applies`` (then ``repair.repair_from``),
    ``repair.excluded`` (dishonesty the rules exclude) and ``repair.note`` (why not)."""
    return _repair_option(record)
