"""The client form keeps rate limits and quotas within what the database holds: a number too
large is an error on its field, not a failed save."""

from __future__ import annotations

import pytest

from credit.gateway.models import ApiClient
from tests.gateway.test_pages import _create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["rate_limit", "daily_quota"])
def test_a_limit_beyond_a_database_integer_is_refused_on_its_field(client, admin_user, field):
    client.raise_request_exception = False
    client.force_login(admin_user)

    response = _create(client, **{field: 99_999_999_999})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ApiClient.objects.exists()
