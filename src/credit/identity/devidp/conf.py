"""The settings of the development identity provider (django-oauth-toolkit's
``OAUTH2_PROVIDER``), built by ``credit.settings`` when ``CREDIT_DEV_IDP`` is on (pure Python,
imported before Django is set up).

The ID tokens are signed with RS256 by a key generated once: into ``var/dev-idp-key.pem``
(mode 0600) for the demo, so a restarted server keeps its key; in memory for the tests.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_FILE = "dev-idp-key.pem"


def _new_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def signing_key(var_dir: Path | None) -> str:
    """The PEM of the signing key: kept in ``var_dir`` (made there the first time), or a new
    one for this process when ``var_dir`` is None."""
    if var_dir is None:
        return _new_key()
    path = var_dir / KEY_FILE
    if not path.exists():
        pem = _new_key()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            return path.read_text()
        with os.fdopen(fd, "w") as fh:
            fh.write(pem)
    return path.read_text()


def provider_settings(var_dir: Path | None) -> dict:
    """``OAUTH2_PROVIDER``: OpenID Connect with RS256, PKCE required, short-lived codes and
    tokens stored hashed, the claims of :mod:`credit.identity.devidp.validator`."""
    return {
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": signing_key(var_dir),
        "OAUTH2_VALIDATOR_CLASS": "credit.identity.devidp.validator.DevIdpValidator",
        "SCOPES": {"openid": "OpenID Connect", "profile": "实名信息", "phone": "手机号码"},
        "DEFAULT_SCOPES": ["openid"],
        "PKCE_REQUIRED": True,
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
        "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
        "ID_TOKEN_EXPIRE_SECONDS": 600,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        # RFC 9700 behaviour: no implicit or password grant, no "plain" PKCE, no tokens in
        # query strings, the ``iss`` authorization-response parameter, tokens stored hashed.
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
        "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    }
