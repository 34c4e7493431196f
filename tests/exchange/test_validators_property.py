"""Property tests of the exchange's checks: whatever JSON a partner's connection settings or a
channel's mapping hold, the check of every partner kind answers with a list of Chinese
problems (never an exception, so a form or an import can always show them), and a setting or
mapping it accepts can be used to build the adapter."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit.exchange import adapters
from credit.exchange.constants import Direction, PartnerKind

pytestmark = pytest.mark.django_db

KINDS = [k.value for k in PartnerKind]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
#: Settings with the keys the adapters read, holding anything.
KEYS = ["url", "schema", "transport", "host", "port", "user", "password", "path", "format",
        "zip", "message_code", "receipts", "delimiter", "receipt_timeout_hours", "known_hosts",
        "host_key_check", "queue_prefix", "base_url", "auth", "token", "key", "secret",
        "timeout", "verify_tls", "proxy", "wsdl"]  # fmt: skip
configs = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8) | json_values
MAPPING_KEYS = ["table", "key_column", "fields", "status_column", "message_column",
                "batch_column", "kind_column", "version_column", "time_column", "path",
                "items", "key_field", "cursor_param", "cursor_field", "more_field",
                "limit_param", "params", "ack_path", "operation", "item", "department"]  # fmt: skip
mappings = st.dictionaries(st.sampled_from(MAPPING_KEYS), json_values, max_size=6) | json_values


def _problems(found) -> None:
    assert isinstance(found, list)
    assert all(isinstance(p, str) and p for p in found)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), config=configs)
def test_any_config_gets_problems_not_an_exception(kind, config):
    _problems(adapters.kind(kind).config_errors(config))


@pytest.fixture(scope="module")
def penalty_item(django_db_setup, django_db_blocker):
    from credit.catalog.models import CatalogItem

    with django_db_blocker.unblock():
        return CatalogItem.objects.prefetch_related("fields").get(code="admin-penalty")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    kind=st.sampled_from(KINDS),
    direction=st.sampled_from([d.value for d in Direction] + ["sideways"]),
    mapping=mappings,
)
def test_any_mapping_gets_problems_not_an_exception(penalty_item, kind, direction, mapping):
    _problems(adapters.kind(kind).mapping_errors(direction, mapping, penalty_item))
