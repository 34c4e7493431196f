"""Writes of the development identity provider: its made-up people and its client
applications, and the demo's three people with the portal's client (:func:`seed_demo_identities`,
called by ``credit seed-demo``). Refused in production; a person's account row is made here
and nowhere else (see the package's description)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from oauth2_provider.models import get_application_model

from credit.accounts.models import OUTSIDE_USERNAME_PREFIX
from credit.accounts.roles import Role
from credit.core import audit, crypto
from credit.core.access import Perm, require
from credit.core.errors import CreditError, ValidationFailed
from credit.core.identifiers import (
    IdentifierError,
    make_resident_id,
    make_uscc,
    parse_resident_id,
    parse_uscc,
)
from credit.core.masking import mask_id_number
from credit.identity.devidp.models import DevIdentity
from credit.identity.devidp.validator import ID_PURPOSE

#: The demo's people all use this password (shown on the provider's login page).
DEMO_PASSWORD = "Demo@2026"  # noqa: S105 — made-up people of a development provider only
#: The portal's client at the development provider in the demo.
DEMO_CLIENT_ID = "credit-portal-demo"
DEMO_CLIENT_SECRET = "credit-portal-demo-secret"  # noqa: S105 — development provider only
DEMO_REDIRECT_URIS = (
    "http://127.0.0.1:8000/portal/account/callback/",
    "http://localhost:8000/portal/account/callback/",
)


def _not_in_production() -> None:
    if settings.PRODUCTION:
        raise CreditError("生产环境不使用开发测试用身份认证平台", code="devidp_in_production")


def _checked(login: str, id_card: str, user_type: str, uscc: str, org_name: str) -> tuple[str, str]:
    if not login or len(login) > 30 or not login.replace("-", "").replace("_", "").isalnum():
        raise ValidationFailed("登录名只能由字母、数字、-和_组成（最多30位）", code="login_invalid")
    if user_type not in DevIdentity.UserType.values:
        raise ValidationFailed("用户类型只能是个人或企业经办人", code="user_type_invalid")
    try:
        number = parse_resident_id(id_card).number
        code = parse_uscc(uscc).code if user_type == DevIdentity.UserType.COMPANY else ""
    except IdentifierError as exc:
        raise ValidationFailed(exc.message, code=exc.code) from exc
    if code and not org_name:
        raise ValidationFailed("企业经办人须填写企业名称", code="org_name_required")
    return number, code


@transaction.atomic
def save_identity(
    *,
    actor: Any = None,
    login: str,
    password: str,
    name: str,
    id_card: str,
    user_type: str = DevIdentity.UserType.PERSON,
    uscc: str = "",
    org_name: str = "",
    phone: str = "",
    note: str = "",
) -> DevIdentity:
    """Create the made-up person ``login``, or set their profile and password anew. Their
    account row: ``devidp:<login>``, role 接口调用方, inactive, unusable password."""
    _not_in_production()
    if actor is not None:
        require(actor, Perm.USER_MANAGE)
    number, code = _checked(login, id_card, user_type, uscc, org_name)
    profile = {
        "password": make_password(password),
        "name": name.strip()[:100],
        "id_cipher": crypto.encrypt(number, purpose=ID_PURPOSE),
        "id_masked": mask_id_number(number),
        "user_type": user_type,
        "uscc": code,
        "org_name": org_name.strip()[:200] if code else "",
        "phone": phone.strip()[:20],
        "note": note.strip()[:100],
    }
    identity = DevIdentity.objects.select_for_update().filter(login=login).first()
    if identity is None:
        user = get_user_model().objects.create(
            username=f"{OUTSIDE_USERNAME_PREFIX}{login}",
            real_name=f"开发测试身份 {login}"[:50],
            role=Role.API_CLIENT,
            is_active=False,
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        identity = DevIdentity.objects.create(login=login, user=user, **profile)
    else:
        for field, value in profile.items():
            setattr(identity, field, value)
        identity.save()
    audit.record(
        "devidp.identity_saved",
        actor=actor,
        obj=identity,
        after={"login": login, "user_type": user_type, "id_masked": identity.id_masked},
    )
    return identity


def authenticate(*, login: str, password: str) -> DevIdentity | None:
    """The made-up person whose login and password these are, or None."""
    identity = DevIdentity.objects.filter(login=login[:30]).first()
    if identity is None or not check_password(password, identity.password):
        return None
    return identity


@transaction.atomic
def register_client(
    *,
    actor: Any = None,
    client_id: str,
    client_secret: str,
    redirect_uris: Iterable[str],
    name: str = "信用常州",
) -> Any:
    """Register (or update) a confidential client of the provider: authorization code with
    PKCE, RS256 ID tokens, exactly these redirect URIs, no consent screen."""
    _not_in_production()
    if actor is not None:
        require(actor, Perm.USER_MANAGE)
    uris = " ".join(sorted(set(redirect_uris)))
    if not client_id or not client_secret or not uris:
        raise ValidationFailed("请填写客户端标识、密钥和回调地址", code="client_incomplete")
    application_model = get_application_model()
    application, _ = application_model.objects.update_or_create(
        client_id=client_id,
        defaults={
            "client_secret": client_secret,
            "client_type": application_model.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": application_model.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": uris,
            "algorithm": application_model.RS256_ALGORITHM,
            "skip_authorization": True,
            "name": name,
        },
    )
    audit.record(
        "devidp.client_registered",
        actor=actor,
        object_type="oauth2_provider.application",
        object_id=str(application.pk),
        object_repr=client_id,
        after={"client_id": client_id, "redirect_uris": uris},
    )
    return application


@dataclass(frozen=True)
class DemoIdentity:
    """One of the demo's people, as the demo prints them."""

    login: str
    password: str
    description: str


def _demo_citizen() -> tuple[str, str, str]:
    """(name, ID number, note) of the demo's first natural person, or a made-up citizen."""
    from credit.subjects.models import NaturalPerson
    from credit.subjects.services import ID_PURPOSE as SUBJECT_ID_PURPOSE

    person = NaturalPerson.objects.filter(id_type="resident_id").order_by("id").first()
    if person is not None:
        number = crypto.decrypt(person.id_cipher, purpose=SUBJECT_ID_PURPOSE)
        return person.name, number, "演示数据中的自然人"
    return "王晓明", make_resident_id("320402", datetime.date(1985, 3, 12), 17), "虚构市民"


def _demo_company(uscc: str | None) -> tuple[str, str]:
    """(USCC, name) of the company: ``uscc`` if given, else the demo's first legal person."""
    from credit.subjects.models import LegalPerson

    found = LegalPerson.objects.filter(uscc=uscc) if uscc else LegalPerson.objects
    company = found.exclude(uscc__isnull=True).exclude(uscc="").order_by("id").first()
    if company is not None:
        return company.uscc, company.name
    return make_uscc("91", "320402", "40012345"), "常州市演示科技有限公司"


def _configured_callback() -> list[str]:
    """The portal's callback on the host of ``CREDIT_OIDC_ISSUER`` when that is this
    provider (a demo served elsewhere than 127.0.0.1:8000)."""
    issuer = urlsplit(settings.CREDIT_OIDC_ISSUER)
    if issuer.scheme not in ("http", "https") or issuer.path.rstrip("/") != "/dev-idp":
        return []
    return [f"{issuer.scheme}://{issuer.netloc}/portal/account/callback/"]


@transaction.atomic
def seed_demo_identities(
    *, redirect_uris: Iterable[str] = DEMO_REDIRECT_URIS, company_uscc: str | None = None
) -> list[DemoIdentity]:
    """The demo's people and the portal's client (idempotent): ``citizen`` — the demo's
    first natural person (a made-up citizen without demo data); ``agent`` — the agent of the
    demo's first legal person (or of ``company_uscc``); ``resident`` — a citizen with nothing
    on the platform. The client: :data:`DEMO_CLIENT_ID` / :data:`DEMO_CLIENT_SECRET`,
    returning to ``redirect_uris`` and, when ``CREDIT_OIDC_ISSUER`` is this provider, to the
    callback on its host. All use :data:`DEMO_PASSWORD`."""
    _not_in_production()
    redirect_uris = [*redirect_uris, *_configured_callback()]
    name, number, note = _demo_citizen()
    uscc, company = _demo_company(company_uscc)
    people = [
        ("citizen", name, number, "person", "", "", "13900000001", note),
        (
            "agent",
            "赵经办",
            make_resident_id("320411", datetime.date(1990, 7, 8), 25),
            "company",
            uscc,
            company,
            "13900000002",
            f"{company}的经办人",
        ),
        (
            "resident",
            "孙晓燕",
            make_resident_id("320404", datetime.date(1978, 11, 2), 46),
            "person",
            "",
            "",
            "",
            "在平台上没有任何记录的市民",
        ),
        (
            "official",
            "钱文博",
            make_resident_id("320402", datetime.date(1985, 3, 14), 57),
            "person",
            "",
            "",
            "",
            "市场监管局公务员，有公务员诚信档案",
        ),
    ]
    shown = []
    for login, person, id_card, kind, code, org, phone, about in people:
        save_identity(
            login=login,
            password=DEMO_PASSWORD,
            name=person,
            id_card=id_card,
            user_type=kind,
            uscc=code,
            org_name=org,
            phone=phone,
            note=about,
        )
        label = "个人" if kind == "person" else "企业经办人"
        shown.append(DemoIdentity(login, DEMO_PASSWORD, f"{person}（{label}，{about}）"))
    register_client(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        redirect_uris=redirect_uris,
        name="信用常州（演示）",
    )
    return shown


def claims_of(login: str) -> dict[str, Any] | None:
    """The claims this provider puts in the ID token of the made-up person ``login`` (``sub``
    is the id of their account row, as django-oauth-toolkit sends it), or None: the demo uses
    them to give that person's real-name account its demo applications before they first sign
    in."""
    from credit.identity.devidp.validator import DevIdpValidator

    identity = DevIdentity.objects.select_related("user").filter(login=login).first()
    if identity is None:
        return None

    class _Request:
        user = identity.user

    return {"sub": str(identity.user_id), **DevIdpValidator().get_additional_claims(_Request())}
