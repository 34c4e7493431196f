"""Test settings: the real PostgreSQL, fresh random keys per run, a fast password hasher."""

import base64
import os
import secrets
import warnings

os.environ.setdefault("CREDIT_ENV", "test")
os.environ.setdefault("CREDIT_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("CREDIT_FIELD_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("CREDIT_BLIND_INDEX_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
# The development identity provider (credit.identity.devidp): the real-name login's tests run
# the OpenID Connect round trip against it.
os.environ.setdefault("CREDIT_DEV_IDP", "1")

from credit.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No persistent connections: a background job closes its connection when it ends (the
# procrastinate worker's Django middleware), so none is left open when the test database is
# dropped. The test client keeps the test's own connection regardless.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Login protection stays on (axes counts and locks as in production); only the captcha's answer
# is known: "PASSED" answers any captcha (a wrong answer is still refused).
CAPTCHA_TEST_MODE = True
# simple-captcha warns (a log error and a RuntimeWarning) when the line above is set without
# DEBUG; here it is meant.
LOGGING["loggers"]["captcha.conf.settings"] = {"level": "CRITICAL"}  # noqa: F405
warnings.filterwarnings("ignore", "CAPTCHA_TEST_MODE is enabled", RuntimeWarning)
