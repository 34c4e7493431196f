"""The claims of the development identity provider: those the province's platform sends, read
from the signed-in made-up person's profile."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from credit.core import crypto
from credit.identity.devidp.models import DevIdentity

#: Encryption purpose of a made-up person's ID number.
ID_PURPOSE = "devidp.id_card"


class DevIdpValidator(OAuth2Validator):
    """django-oauth-toolkit's validator with the province's claims: ``name``, ``id_card``,
    ``user_type`` and, for a company agent, ``uscc`` and ``org_name`` under the ``profile``
    scope; ``phone_number`` under ``phone``. ``sub`` stays the id of the person's row."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "id_card": "profile",
        "user_type": "profile",
        "uscc": "profile",
        "org_name": "profile",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        identity = DevIdentity.objects.filter(user_id=request.user.pk).first()
        if identity is None:
            return {}
        claims: dict[str, Any] = {
            "name": identity.name,
            "id_card": crypto.decrypt(identity.id_cipher, purpose=ID_PURPOSE),
            "user_type": identity.user_type,
        }
        if identity.user_type == DevIdentity.UserType.COMPANY:
            claims.update(uscc=identity.uscc, org_name=identity.org_name)
        if identity.phone:
            claims["phone_number"] = identity.phone
        return claims
