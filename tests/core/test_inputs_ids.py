"""Bounded integers (``credit.core.inputs``): page URLs match only ids a PostgreSQL bigint
holds (``<id:…>``); API ids, offsets and limits beyond it are Ninja's 422 ``invalid_request``,
never a 500 (bigint overflow) nor a look-up."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.urls.converters import IntConverter
from hypothesis import given
from hypothesis import strategies as st

from credit.api import api
from credit.core.inputs import BIGINT_MAX, IdConverter

TOO_BIG = "99999999999999999999"


# --- page URLs -------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=BIGINT_MAX))
def test_every_bigint_id_matches_and_comes_back_as_it_was(number):
    converter = IdConverter()
    assert converter.to_python(converter.to_url(number)) == number


@pytest.mark.parametrize("pk", [str(BIGINT_MAX + 1), TOO_BIG, "007"])
def test_an_id_beyond_bigint_or_with_leading_zeros_matches_no_page_and_the_largest_does(pk):
    with pytest.raises(Resolver404):
        resolve(f"/ingest/batches/{pk}/")
    assert resolve(f"/ingest/batches/{BIGINT_MAX}/").kwargs == {"pk": BIGINT_MAX}
    assert reverse("ingest:batch", kwargs={"pk": 12}) == "/ingest/batches/12/"


def _patterns(resolver, prefix=""):
    for p in resolver.url_patterns:
        if hasattr(p, "url_patterns"):
            yield from _patterns(p, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


def test_no_page_url_takes_an_unbounded_int():
    unbounded = [
        route
        for route, p in _patterns(get_resolver())
        if any(type(c) is IntConverter for c in getattr(p.pattern, "converters", {}).values())
    ]
    assert unbounded == [], "use <id:…> (credit.core.inputs.IdConverter) instead of <int:…>"


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def staff(client, admin_user):
    client.raise_request_exception = False
    client.force_login(admin_user)
    return client


def assert_invalid_request(response, name: str) -> None:
    assert response.status_code == 422, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "invalid_request" and body["message"] == "请求参数不正确"
    assert any(e["loc"][-1] == name for e in body["details"]["errors"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "name"),
    [
        ("get", f"/api/v1/ingest/batches/{TOO_BIG}", "batch_id"),
        ("get", f"/api/v1/ingest/batches/{TOO_BIG}/feedback", "batch_id"),
        ("delete", f"/api/v1/sanctions/subscriptions/{TOO_BIG}", "sub_id"),
        ("post", f"/api/v1/sanctions/deliveries/{TOO_BIG}/resend", "delivery_id"),
        ("get", f"/api/v1/sanctions/deliveries?offset={TOO_BIG}", "offset"),
        ("get", f"/api/v1/sanctions/deliveries?subscription={TOO_BIG}", "subscription"),
        ("get", f"/api/v1/catalog/items?offset={TOO_BIG}", "offset"),
    ],
)
def test_an_api_id_or_offset_beyond_bigint_is_refused_422(staff, method, url, name):
    assert_invalid_request(getattr(staff, method)(url), name)


@pytest.mark.django_db
def test_an_offset_up_to_bigint_answers_an_empty_page_and_one_beyond_is_refused(staff):
    response = staff.get(f"/api/v1/sanctions/deliveries?offset={BIGINT_MAX}")
    assert response.status_code == 200, response.content
    assert response.json()["deliveries"] == []
    response = staff.get(f"/api/v1/sanctions/deliveries?offset={BIGINT_MAX + 1}")
    assert_invalid_request(response, "offset")


@pytest.mark.django_db
def test_an_id_beyond_bigint_in_a_body_is_refused_422(staff):
    response = staff.post(
        "/api/v1/sanctions/subscriptions",
        {"name": "x", "url": "https://example.com/hook", "client": int(TOO_BIG)},
        content_type="application/json",
    )
    assert_invalid_request(response, "client")


def _integers(schema: dict, components: dict, where: str):
    """``(where, schema)`` of every integer in a schema, following ``$ref`` and unions."""
    if "$ref" in schema:
        yield from _integers(components[schema["$ref"].rsplit("/", 1)[-1]], components, where)
        return
    if schema.get("type") == "integer":
        yield where, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            yield from _integers(part, components, where)
    for name, prop in schema.get("properties", {}).items():
        yield from _integers(prop, components, f"{where}.{name}")


def test_every_integer_the_api_takes_is_bounded_to_bigint():
    doc = api.get_openapi_schema(path_prefix="/api/v1/")
    components = doc.get("components", {}).get("schemas", {})
    unbounded = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            found = [
                item
                for p in op.get("parameters", [])
                for item in _integers(p["schema"], components, f"{method} {path} {p['name']}")
            ]
            for content in op.get("requestBody", {}).get("content", {}).values():
                found += list(_integers(content["schema"], components, f"{method} {path} body"))
            unbounded += [w for w, s in found if s.get("maximum", BIGINT_MAX + 1) > BIGINT_MAX]
    assert unbounded == []
