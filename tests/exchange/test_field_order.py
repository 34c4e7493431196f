"""A partner's columns and elements come in the order the mapping's fields were written in.

The mapping is stored as jsonb, which orders an object's keys by length (``ZT`` before
``CF_WSH``); a fixed-format txt file is read by position, so the channel keeps the written order
under ``order`` and every adapter writes in it. ``order`` may also be given, as a permutation of
the fields' names; anything else is refused with the names at fault."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import given
from hypothesis import strategies as st

from credit.accounts.roles import Role
from credit.core.errors import ValidationFailed
from credit.exchange import adapters
from credit.exchange.adapters import database
from credit.exchange.adapters.files import FilesAdapter
from credit.exchange.models import Channel
from credit.exchange.services.partners import create_channel, create_partner, update_channel
from tests.exchange.conftest import PENALTY, item
from tests.exchange.test_files_formats import outgoing

#: Written longest name first: jsonb keeps them shortest first.
WRITTEN = {"XDR_MC_QC": "subject_name", "CF_WSH": "document_no", "ZT": "_record.status"}


def files_partner(tmp_path, fmt: str, code: str):
    return create_partner(
        actor=None, code=code, name="顺序测试伙伴", kind="files", region="320400",
        config={"transport": "local", "path": str(tmp_path), "message_code": "XZCF",
                "format": fmt, "zip": False},
    )  # fmt: skip


def up_channel(partner, mapping):
    return create_channel(
        actor=None, partner=partner, item=PENALTY, direction="up", period="daily",
        mapping=mapping,
    )  # fmt: skip


def written_file(tmp_path) -> bytes:
    (path,) = (tmp_path / "outbox").iterdir()
    return path.read_bytes()


# --- the rules, without a database ------------------------------------------------------------


def test_the_written_order_is_kept_and_read_back():
    saved = adapters.with_order({"fields": WRITTEN})
    assert saved["order"] == ["XDR_MC_QC", "CF_WSH", "ZT"]
    shuffled = {**saved, "fields": dict(sorted(WRITTEN.items(), key=lambda kv: len(kv[0])))}
    assert list(adapters.mapped_fields(shuffled)) == ["XDR_MC_QC", "CF_WSH", "ZT"]
    assert adapters.as_written(shuffled) == {"fields": WRITTEN}
    assert list(adapters.as_written(shuffled)["fields"]) == list(WRITTEN)


def test_a_given_order_is_kept_and_a_mapping_without_fields_is_left_alone():
    given_order = {"fields": WRITTEN, "order": ["ZT", "CF_WSH", "XDR_MC_QC"]}
    assert adapters.with_order(given_order) is given_order
    assert list(adapters.mapped_fields(given_order)) == ["ZT", "CF_WSH", "XDR_MC_QC"]
    assert adapters.with_order({"table": "t"}) == {"table": "t"}
    assert adapters.with_order("not a mapping") == "not a mapping"
    assert adapters.mapped_fields({"fields": "x"}) == {} and adapters.mapped_fields(None) == {}


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (None, []),
        (["ZT", "CF_WSH", "XDR_MC_QC"], []),
        ("ZT,CF_WSH", ["order 应为名称列表（列、元素的顺序），可省略：省略时按 fields 的书写顺序"]),
        (["ZT", 3], ["order 应为名称列表（列、元素的顺序），可省略：省略时按 fields 的书写顺序"]),
        (["ZT", "CF_WSH"], ["order 未列出 fields 中的：XDR_MC_QC"]),
        (["ZT", "CF_WSH", "XDR_MC_QC", "FK"], ["order 列出了 fields 中没有的：FK"]),
        (["ZT", "ZT", "CF_WSH", "XDR_MC_QC"], ["order 重复列出：ZT"]),
    ],
)
def test_an_order_names_every_field_once(order, expected):
    mapping = {"fields": WRITTEN} if order is None else {"fields": WRITTEN, "order": order}
    assert adapters.order_errors(mapping) == expected


def test_a_stale_order_is_not_used():
    """A stored order that no longer names the fields (never saved so: checked on saving)
    falls back to the fields as stored rather than losing or inventing a column."""
    assert adapters.mapped_fields({"fields": {"A": "a", "B": "b"}, "order": ["A"]}) == {
        "A": "a",
        "B": "b",
    }


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=8, unique=True))
def test_any_written_order_survives_a_round_trip_through_json(names):
    fields = dict.fromkeys(names, "document_no")
    saved = json.loads(json.dumps(adapters.with_order({"fields": fields}), sort_keys=True))
    assert list(adapters.mapped_fields(saved)) == names
    assert adapters.order_errors(saved) == []


# --- saved in the database, written by the adapters -------------------------------------------


@pytest.mark.django_db
def test_a_saved_channel_writes_a_txt_file_in_the_written_order(tmp_path):
    partner = files_partner(tmp_path, "txt", "order-txt")
    channel = Channel.objects.get(pk=up_channel(partner, {"fields": WRITTEN}).pk)
    assert list(channel.mapping["fields"]) != list(WRITTEN)  # jsonb's own order
    FilesAdapter(partner).send(channel, outgoing("常州市甲有限公司"))
    header = next(csv.reader(io.StringIO(written_file(tmp_path).decode("utf-8")), delimiter="|"))
    assert header[-3:] == ["XDR_MC_QC", "CF_WSH", "ZT"]


@pytest.mark.django_db
def test_xml_elements_follow_a_given_order(tmp_path):
    partner = files_partner(tmp_path, "xml", "order-xml")
    channel = up_channel(partner, {"fields": WRITTEN, "order": ["ZT", "CF_WSH", "XDR_MC_QC"]})
    FilesAdapter(partner).send(Channel.objects.get(pk=channel.pk), outgoing("常州市乙有限公司"))
    data = written_file(tmp_path)
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(archive.namelist()[0])
    (record,) = SafeET.fromstring(data).iter("记录")
    assert [child.tag for child in record] == ["ZT", "CF_WSH", "XDR_MC_QC"]


@pytest.mark.django_db
def test_the_create_table_lists_the_columns_in_the_written_order():
    partner = create_partner(
        actor=None, code="order-db", name="顺序测试中间库", kind="database", region="320400",
        config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
    )  # fmt: skip
    mapping = {"table": "xzcf_order", "key_column": "record_key", "fields": WRITTEN}
    channel = Channel.objects.get(pk=up_channel(partner, mapping).pk)
    ddl = database.partner_ddl("mysql", channel.mapping, item=item(PENALTY))
    lines = [line.strip().split(" ")[0].strip("`") for line in ddl.splitlines()[1:-2]]
    assert lines == ["record_key", "XDR_MC_QC", "CF_WSH", "ZT"]


@pytest.mark.django_db
def test_a_bad_order_is_refused_with_the_names_at_fault(tmp_path):
    partner = files_partner(tmp_path, "xml", "order-bad")
    with pytest.raises(ValidationFailed) as refused:
        up_channel(partner, {"fields": WRITTEN, "order": ["ZT", "CF_WSH"]})
    assert "order 未列出 fields 中的：XDR_MC_QC" in str(refused.value)
    channel = up_channel(partner, {"fields": WRITTEN})
    update_channel(actor=None, channel=channel, period="weekly")  # the stored order still fits
    with pytest.raises(ValidationFailed):
        update_channel(actor=None, channel=channel, mapping={"fields": WRITTEN, "order": "ZT"})


@pytest.mark.django_db
def test_the_edit_form_shows_the_fields_as_written_and_saving_keeps_the_order(
    tmp_path, client, make_user
):
    partner = files_partner(tmp_path, "txt", "order-page")
    channel = up_channel(partner, {"fields": WRITTEN})
    client.force_login(make_user(Role.CITY_ADMIN))
    url = f"/exchange/channels/{channel.pk}/"
    page = client.get(url)
    shown = page.context["form"].initial["mapping"]
    assert json.loads(shown) == {"fields": WRITTEN}
    assert shown.index("XDR_MC_QC") < shown.index("CF_WSH") < shown.index('"ZT"')
    assert (
        client.post(url, {"period": "daily", "mapping": shown, "is_active": "on"}).status_code
        == 302
    )
    channel.refresh_from_db()
    assert channel.mapping["order"] == list(WRITTEN)
