"""The demo's real-name people (``credit seed-demo``): registered at the development identity
provider when it is on (``CREDIT_DEV_IDP=1``), nothing otherwise. Safe to import either way: the
provider's modules are loaded only when it is installed."""

from __future__ import annotations

from django.conf import settings


def seed_demo_identities(**options) -> list:
    """:func:`credit.identity.devidp.services.seed_demo_identities` while the development
    identity provider is on (its people and the portal's client, idempotent); else ``[]``."""
    if not settings.CREDIT_DEV_IDP:
        return []
    from credit.identity.devidp import services

    return services.seed_demo_identities(**options)


def describe(people: list) -> list[str]:
    """Lines for the demo's printout: where to sign in, and each person's login and password."""
    if not people:
        return []
    return [
        "实名登录（信用常州网站右上角“实名登录”，开发测试用身份认证平台）：",
        *(f"  {p.login} / {p.password}：{p.description}" for p in people),
    ]


def demo_claims(login: str) -> dict | None:
    """The claims the development identity provider sends for its person ``login`` (None when
    it is off or knows no such person): the demo signs that person in once so that their
    real-name account holds demo data before the first login."""
    if not settings.CREDIT_DEV_IDP:
        return None
    from credit.identity.devidp import services

    return services.claims_of(login)
