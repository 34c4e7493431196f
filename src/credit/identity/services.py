"""Writes of the real-name login: an account signs in (created at the first login, brought up
to date at every later one) and signs out, each with its audit entry.

The acting party of a login is the identity platform, whose ID token the caller has already
validated (:mod:`credit.identity.oidc`): there is no permission to check. The audit entries
name the account by its masked name only; the ID number never reaches the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from credit.core import audit, crypto
from credit.core.masking import mask_id_number, mask_phone
from credit.identity import rules
from credit.identity.models import PublicAccount
from credit.subjects.constants import IdType

#: Encryption purpose of an account's ID number.
ID_PURPOSE = "identity.id_number"
#: The blind-index purpose objections and repair applications give the applicant's number
#: (``credit.objections.cases.ID_PURPOSE``; the tests hold the two equal). Written out here so
#: that this app does not depend on the objections app, which may come to use the accounts.
APPLICANT_PURPOSE = "objections.submitter_id"


def _stored(facts: rules.AccountFacts) -> dict[str, Any]:
    return {
        "kind": facts.kind,
        "name": facts.name,
        "uscc": facts.uscc,
        "org_name": facts.org_name,
        "phone_masked": mask_phone(facts.phone),
    }


def _id_fields(number: str) -> dict[str, Any]:
    """The ID number encrypted, indexed twice (natural persons, applicants) and masked."""
    return {
        "id_cipher": crypto.encrypt(number, purpose=ID_PURPOSE),
        "id_index": crypto.id_index(IdType.RESIDENT_ID, number),
        "applicant_index": crypto.blind_index(number, purpose=APPLICANT_PURPOSE),
        "id_masked": mask_id_number(number),
    }


def _summary(account: PublicAccount) -> dict[str, Any]:
    return {
        "kind": account.kind,
        "name": account.masked_name,
        "id_masked": account.id_masked,
        "uscc": account.uscc,
    }


def _find_or_create(issuer: str, facts: rules.AccountFacts) -> tuple[PublicAccount, bool]:
    """The account of ``issuer`` + ``sub``, locked; created when missing (a concurrent first
    login of the same person finds the row the other one made)."""
    found = PublicAccount.objects.select_for_update().filter(issuer=issuer, sub=facts.sub).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return PublicAccount.objects.create(
                issuer=issuer, sub=facts.sub, **_stored(facts), **_id_fields(facts.id_number)
            ), True
    except IntegrityError:
        return PublicAccount.objects.select_for_update().get(issuer=issuer, sub=facts.sub), False


def _update(account: PublicAccount, facts: rules.AccountFacts) -> None:
    """Bring ``account`` up to what the platform now says; audited with the fields changed
    (``id_number`` for the ID number's encrypted, indexed and masked columns)."""
    before = _summary(account)
    values = _stored(facts)
    changed = [field for field, value in values.items() if getattr(account, field) != value]
    columns = list(changed)
    ids = _id_fields(facts.id_number)
    if ids["id_index"] != account.id_index:
        values.update(ids)
        changed.append("id_number")
        columns += list(ids)
    if not changed:
        return
    for column in columns:
        setattr(account, column, values[column])
    account.save(update_fields=columns)
    audit.record(
        "identity.account_updated",
        obj=account,
        before=before,
        after={**_summary(account), "changed": changed},
    )


@transaction.atomic
def sign_in(*, issuer: str, claims: Mapping[str, Any]) -> PublicAccount:
    """The account the identity platform ``issuer`` vouched for with ``claims`` (of a validated
    ID token and the userinfo): created at the first login (``identity.account_created``),
    else brought up to date — name, kind, company, phone, and the ID number should the
    platform have corrected it — and its login time set (``identity.login``).
    ``ValidationFailed`` when the claims lack what a real-name account needs
    (:func:`credit.identity.rules.read_claims`)."""
    facts = rules.read_claims(
        claims, names=settings.CREDIT_OIDC_CLAIMS, kinds=settings.CREDIT_OIDC_KIND_VALUES
    )
    account, created = _find_or_create(issuer, facts)
    if created:
        audit.record("identity.account_created", obj=account, after=_summary(account))
    else:
        _update(account, facts)
    account.last_login_at = timezone.now()
    account.save(update_fields=["last_login_at"])
    audit.record("identity.login", obj=account, after={"issuer": issuer, "kind": account.kind})
    return account


@transaction.atomic
def sign_out(*, account: PublicAccount) -> None:
    """Record that ``account`` signed out of the portal (``identity.logout``); the caller
    clears the session."""
    audit.record("identity.logout", obj=account)


def id_number_of(account: PublicAccount) -> str:
    """The account's clear ID number, for a service that must print or send it (never shown
    on a page; the caller audits its use)."""
    return crypto.decrypt(account.id_cipher, purpose=ID_PURPOSE)
