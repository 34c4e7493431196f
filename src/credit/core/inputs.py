"""Input cleaning (输入清洗): one rule for the text every entry point takes, bounded integers,
and a backstop for what still reaches the database malformed.

What this layer guarantees:

* **Text.** No view runs on a request whose path, headers (a tab allowed), cookies,
  query-string names or values, form (non-file) names or values, or JSON body (names and
  strings at any depth) hold NUL (U+0000), another C0 control character or a lone surrogate
  (U+D800–U+DFFF). Tab, line feed and carriage return are allowed in form values and JSON
  strings (multi-line fields such as a reason), never in the path or the query string.
  :class:`InputCheckMiddleware` answers such a request itself: under ``/api/v1`` with 422
  ``{"code": "invalid_characters", "message": <Chinese>, "details": {"field", "location"}}``
  (location ``path``, ``header``, ``cookie``, ``query``, ``form`` or ``body``), pages with a
  Chinese 400 page (the portal's layout for the public pages). Text is never changed
  silently: it passes unchanged or it is refused (:func:`find_invalid`). The middleware sits
  inside the API call log, so a refused call is still logged.
* **Integers.** Ids in page URLs match only 0 … 2⁶³−1, what a PostgreSQL ``bigint`` holds
  (the ``<id:…>`` converter, :class:`IdConverter`); a longer number matches no URL (404). API
  ids, limits and offsets are bounded types (:data:`Id`, :data:`Offset`,
  :class:`LimitOffsetPagination`): out of range is Ninja's 422 ``invalid_request``.
* **Backstop.** A :class:`django.db.DataError` raised while serving a request (a value the
  database refuses: a number out of range, an invalid byte sequence) is answered 422
  ``invalid_input`` (API) or 400 (pages) and logged at warning level — never a 500.
* **Body size.** An ``/api/v1`` request whose ``Content-Length`` is above the limit is
  answered 413 ``body_too_large`` before its body is read: ``CREDIT_PUSH_MAX_BYTES`` (default
  32 MiB, enough for the 5,000 rows a push may carry) for ``POST /api/v1/ingest/…``, Django's
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) for every other endpoint.
* **Escaping.** Where text must be kept although it breaks the rule (the call log of a refused
  call, a file's raw row), :func:`escape_text` writes every refused character visibly as
  ``\\x00`` (C0 controls) or ``\\ud800`` (surrogates); the result always passes the rule.

Files that do not come over HTTP (``credit ingest``) are checked by the ingest pipeline with
:func:`find_invalid`: a cell that breaks the rule rejects its row, not the batch.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from ninja import Field
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

logger = logging.getLogger(__name__)

#: The largest value of a PostgreSQL ``bigint`` (ids, offsets).
BIGINT_MAX = 2**63 - 1
#: The largest value of a PostgreSQL ``integer`` (counts and limits kept in one).
INTEGER_MAX = 2**31 - 1

#: Codes of the refusals (API ``code``; pages show the Chinese message).
INVALID_CHARACTERS = "invalid_characters"
INVALID_INPUT = "invalid_input"
INVALID_BODY = "invalid_body"
INVALID_INPUT_MESSAGE = "提交的内容中有无法处理的值（如超出范围的数字或无效的字符），请检查后重试"

API_PREFIX = "/api/v1/"
#: Pages the public sees (the portal's layout); their ``manage/`` pages are staff pages.
PUBLIC_PREFIXES = ("/portal/", "/objections/", "/sanctions/certificates/")
STAFF_PREFIXES = ("/portal/manage/", "/objections/manage/")

# Refused everywhere: C0 controls and lone surrogates. Multi-line text keeps \t \n \r.
_REFUSED = re.compile("[\x00-\x1f\ud800-\udfff]")
_REFUSED_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# A JSON body can only carry a refused character as a \u escape: parse it only then.
_JSON_ESCAPE = re.compile(rb"\\u(?:00[01][0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2})")


# --------------------------------------------------------------------------------------------
# The rule
# --------------------------------------------------------------------------------------------


def find_invalid(text: str, *, multiline: bool = False) -> int | None:
    """The position of the first character the rule refuses in ``text``, or None.

    Refused: NUL and the other C0 controls (U+0000–U+001F) and lone surrogates; with
    ``multiline`` tab, line feed and carriage return are allowed.
    """
    found = (_REFUSED_MULTILINE if multiline else _REFUSED).search(text)
    return None if found is None else found.start()


def describe(character: str) -> str:
    """A refused character as people read it: ``控制字符 NUL``, ``控制字符 U+0007``,
    ``无效的代理字符 U+D800``."""
    code = ord(character)
    if code == 0:
        return "控制字符 NUL"
    if 0xD800 <= code <= 0xDFFF:
        return f"无效的代理字符 U+{code:04X}"
    return f"控制字符 U+{code:04X}"


def visible(character: str) -> str:
    """``\\x07`` for a C0 control, ``\\ud800`` for anything else (surrogates, U+FFFE)."""
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_text(text: str) -> str:
    """``text`` with every character refused in multi-line text written visibly
    (:func:`visible`); tab, line feed and carriage return stay. Identity on clean text."""
    if _REFUSED_MULTILINE.search(text) is None:
        return text
    return _REFUSED_MULTILINE.sub(lambda m: visible(m.group(0)), text)


def escape_data(value: Any) -> Any:
    """:func:`escape_text` applied to every string (and key) inside lists and dicts."""
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, dict):
        return {escape_data(k): escape_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape_data(v) for v in value]
    return value


# --------------------------------------------------------------------------------------------
# Bounded integers
# --------------------------------------------------------------------------------------------


class IdConverter:
    """``<id:pk>``: an id that fits a PostgreSQL ``bigint`` (0 … 2⁶³−1), no sign, no leading
    zero. A longer number matches no URL, so the answer is 404. (0 is no row's id — its page is
    a 404 — but reversing a URL with it gives code a prefix to append ids to.)"""

    regex = "0|[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > BIGINT_MAX:
            raise ValueError("out of the bigint range")  # the resolver tries the next pattern
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


#: An id in an API path or query: 1 … 2⁶³−1, else 422 ``invalid_request``.
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
#: An offset in an API query: 0 … 2⁶³−1.
Offset = Annotated[int, Field(ge=0, le=BIGINT_MAX)]


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    """Ninja's limit/offset pagination with the offset bounded to what PostgreSQL takes
    (``NINJA_PAGINATION_CLASS``)."""

    class Input(NinjaLimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=BIGINT_MAX)


# --------------------------------------------------------------------------------------------
# The middleware
# --------------------------------------------------------------------------------------------


class Refusal:
    """Where a request broke the rule: ``location`` (path, header, cookie, query, form, body),
    ``field`` (the parameter, ``rows[0].x`` in a JSON body) and the refused character."""

    def __init__(self, location: str, field: str, character: str) -> None:
        self.location = location
        self.field = escape_text(field)
        self.character = character

    @property
    def message(self) -> str:
        what = describe(self.character)
        if self.location == "path":
            return f"请求地址包含不允许的字符（{what}），请检查链接后重试"
        if self.location == "body":
            return f"请求内容中“{self.field}”包含不允许的字符（{what}），请删除后重试"
        if self.location == "header":
            return f"请求头“{self.field}”包含不允许的字符（{what}），请检查发出请求的程序后重试"
        if self.location == "cookie":
            return f"Cookie“{self.field}”包含不允许的字符（{what}），请清除本站的 Cookie 后重试"
        return f"请求参数“{self.field}”包含不允许的字符（{what}），请删除后重试"


def _first_in_pairs(
    location: str, pairs: Iterable[tuple[str, list[str]]], *, multiline: bool
) -> Refusal | None:
    for name, values in pairs:
        position = find_invalid(name)
        if position is not None:
            return Refusal(location, name, name[position])
        for value in values:
            position = find_invalid(value, multiline=multiline)
            if position is not None:
                return Refusal(location, name, value[position])
    return None


def _walk_json(value: Any) -> Iterator[tuple[str, str, bool]]:
    """``(field, text, is_name)`` for every name and string in a parsed JSON document;
    iterative, so a deep document cannot exhaust the stack."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item, False
        elif isinstance(item, dict):
            for key, child in item.items():
                field = f"{where}.{key}" if where else str(key)
                yield field, key, True
                stack.append((field, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{n}]", child) for n, child in enumerate(item))


def _json_refusal(body: bytes) -> Refusal | None:
    if not _JSON_ESCAPE.search(body):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the API answers that itself
    for field, text, is_name in _walk_json(document):
        position = find_invalid(text, multiline=not is_name)
        if position is not None:
            return Refusal("body", field or "body", text[position])
    return None


def first_refusal(request: HttpRequest) -> Refusal | None:
    """The first place where ``request`` breaks the rule, or None."""
    position = find_invalid(request.path)
    if position is not None:
        return Refusal("path", "path", request.path[position])
    for name, value in request.headers.items():
        position = find_invalid(value.replace("\t", " "))  # HTTP allows a tab, no other control
        if position is not None:
            return Refusal("header", name, value[position])
    cookies = ((name, [value]) for name, value in request.COOKIES.items())
    refusal = _first_in_pairs("cookie", cookies, multiline=False)
    if refusal is not None:
        return refusal
    refusal = _first_in_pairs("query", request.GET.lists(), multiline=False)
    if refusal is not None or request.method in ("GET", "HEAD", "OPTIONS"):
        return refusal
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        return _json_refusal(request.body)
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.path.startswith(API_PREFIX):
            request.body  # noqa: B018 — kept: the API's signature check reads it after parsing
        return _first_in_pairs("form", request.POST.lists(), multiline=True)
    return None


PUSH_PREFIX = API_PREFIX + "ingest/"
BODY_TOO_LARGE = "body_too_large"


def body_limit(request: HttpRequest) -> int | None:
    """The largest body an API request may carry (None: no limit of ours)."""
    if not request.path.startswith(API_PREFIX):
        return None
    if request.method == "POST" and request.path.startswith(PUSH_PREFIX):
        return settings.CREDIT_PUSH_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _oversized(request: HttpRequest) -> HttpResponse | None:
    """413 for an API body above :func:`body_limit`; a push within its own (larger) limit is
    read here, so Django's general limit does not refuse it later."""
    limit = body_limit(request)
    if limit is None:
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return refusal_response(
            request,
            code=BODY_TOO_LARGE,
            message=(
                f"请求体过大：至多 {limit / 1024 / 1024:.1f} MB，"
                f"本次 {length / 1024 / 1024:.1f} MB；请分批推送"
            ),
            details={"limit": limit, "length": length},
            status=413,
        )
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        # The push route's larger limit: read the body now, within it (HttpRequest.body
        # would apply the general limit).
        request._body = request.read()
    return None


def is_public_page(path: str) -> bool:
    """A page of the public (the portal's layout) rather than a staff page."""
    return path.startswith(PUBLIC_PREFIXES) and not path.startswith(STAFF_PREFIXES)


def refusal_response(
    request: HttpRequest,
    *,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    status: int = 422,
) -> HttpResponse:
    """422 ``{"code", "message", "details"}`` under ``/api/v1``; else the Chinese 400 page
    (``portal/400.html`` for public pages, ``400.html`` for staff pages). The page is rendered
    without the request's context: nothing of the refused request (its session, its user) is
    read, and no query runs."""
    if request.path.startswith(API_PREFIX):
        body = {"code": code, "message": message, "details": details or {}}
        return JsonResponse(body, status=status)
    template = "portal/400.html" if is_public_page(request.path) else "400.html"
    return HttpResponse(render_to_string(template, {"message": message, "code": code}), status=400)


class InputCheckMiddleware:
    """Refuses requests that break the rule (:func:`first_refusal`) before any view runs,
    and answers a :class:`~django.db.DataError` that a view raises (the backstop).

    Installed right after ``CallLogMiddleware`` (inside it), so refused API calls are logged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        oversized = _oversized(request)
        if oversized is not None:
            return oversized
        try:
            refusal = first_refusal(request)
        except MultiPartParserError:
            return refusal_response(
                request,
                code=INVALID_BODY,
                message="请求体的格式与其 Content-Type 不符（如缺少 multipart 的 boundary），"
                "请检查后重试",
                status=400,
            )
        if refusal is not None:
            logger.info(
                "input refused: %s %s (%s %s)",
                request.method,
                escape_text(request.path),
                refusal.location,
                refusal.field,
            )
            return refusal_response(
                request,
                code=INVALID_CHARACTERS,
                message=refusal.message,
                details={"field": refusal.field, "location": refusal.location},
            )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DataError):
            return None
        logger.warning(
            "input refused by the database: %s %s: %s",
            request.method,
            escape_text(request.path),
            exception,
        )
        return refusal_response(request, code=INVALID_INPUT, message=INVALID_INPUT_MESSAGE)
