"""Every staff export and feedback file, downloaded by every role that may download it, over
demo-like data holding a natural person's full resident ID number and phone number (in
uploaded rows, a list entry, a check, an objection and a repair application): none shows a
full ID number or phone number unless the role holds 查看未脱敏的身份证件号码.

The exports are listed from the URL resolver (every staff URL named ``…xlsx``, ``…export``
or ``feedback_…``, or ending in ``.xlsx``/``.json``), so a new export is scanned without
being added here. The public portal's exports are public data, scanned by
tests/portal/test_masking.py.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from credit.accounts.roles import Perm, Role
from credit.core.access import has_perm
from credit.core.models import AuditEntry, Department
from credit.ingest.pipeline import ingest_file
from credit.objections import repairs, services, sms, verification
from credit.records.models import CreditRecord
from credit.records.publicity import add_months
from credit.sanctions.services import run_check
from credit.subjects.models import LegalPerson
from credit.subjects.selectors import natural_person_by_id
from tests.conftest import response_text
from tests.ingest.test_feedback import (
    DEPARTMENT,
    PERSON,
    PERSON_ID,
    PHONE,
    demo_rows,
    masked_id,
    write_csv,
)
from tests.objections.conftest import last_code, repair_files
from tests.portal.conftest import debtor_entry, upsert
from tests.records.factories import natural_payload
from tests.reports.factories import enter, make_template

pytestmark = pytest.mark.django_db

#: Namespaces that are not the staff site: the public portal, the Django admin, the API.
NOT_STAFF = {"portal", "admin", "api-1"}
#: A value for each URL parameter of an export.
PARAMS = {"pk": "batch", "code": "admin-penalty"}
#: An 18-character resident ID number and an 11-digit mobile number, standing alone.
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
LANDLINE = "0519-88881234"  # in the uploaded rows


def staff_exports() -> list[tuple[str, str]]:
    """``(url name, route)`` of every staff export, from the URL resolver."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), inner or p.namespace or "")
            elif isinstance(p, URLPattern) and namespace.split(":")[0] not in NOT_STAFF:
                name, route = p.name or "", prefix + str(p.pattern)
                if (
                    name.endswith(("xlsx", "export"))
                    or name.startswith("feedback_")
                    or route.endswith((".xlsx", ".json"))
                ):
                    found.append((f"{namespace}:{name}" if namespace else name, route))

    walk(get_resolver().url_patterns, "", "")
    return found


#: A URL's own parameter values where PARAMS' would name nothing (a dataset, not an item).
PARAMS_BY_NAME = {
    "dashboard:data": {"code": "batches_today"},
    "dashboard:data_xlsx": {"code": "batches_today"},
    "commitments:coverage_export": {"target": "voluntary"},
    "assessment:export": {"period": "2026Q3"},
    # The exchange partner of the demo fixture and its channel (a function: its id).
    "exchange:reconcile_export": {"code": "exports-demo"},
    "exchange:deliveries_export": {"pk": lambda: str(_exchange_channel().pk)},
}


def _exchange_channel():
    from credit.exchange.models import Channel

    return Channel.objects.get(partner__code="exports-demo")


def _url(name: str, route: str, values: dict[str, str]) -> str:
    own = {k: v() if callable(v) else v for k, v in PARAMS_BY_NAME.get(name, {}).items()}
    values = {**values, **own}
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    missing = [p for p in params if p not in values]
    assert not missing, f"{name}: give PARAMS a value for {missing} so that it is scanned"
    return reverse(name, kwargs={p: values[p] for p in params})


def _personal_ids(text: str, usccs: set[str]) -> set[str]:
    """The 18-character numbers in ``text`` with a real birth date (a template's
    ``00000000000000000X`` placeholder is none), other than the USCCs."""
    found = set()
    for number in set(RESIDENT_ID.findall(text)) - usccs:
        try:
            datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            continue
        found.add(number)
    return found


_text = response_text


@pytest.fixture
def roles(make_user) -> dict[str, object]:
    """A user of every staff role, scoped so that the demo data is theirs to see."""
    return {
        Role.CITY_ADMIN: make_user(Role.CITY_ADMIN),
        Role.CITY_REVIEWER: make_user(Role.CITY_REVIEWER),
        Role.DEPT_OFFICER: make_user(Role.DEPT_OFFICER, region="320402", department=DEPARTMENT),
        Role.DISTRICT_ADMIN: make_user(Role.DISTRICT_ADMIN, region="320402"),
        Role.AUDITOR: make_user(Role.AUDITOR),
    }


@pytest.fixture
def demo(roles, client, tmp_path, settings) -> dict[str, str]:
    """Uploaded rows with the person's ID and phone (and a rejected row), the person on the
    black list, checks of the person by ID number, an objection and a repair application of
    the person, and an API call naming the ID; returns the URL parameters."""
    officer, admin = roles[Role.DEPT_OFFICER], roles[Role.CITY_ADMIN]
    batch = ingest_file(
        actor=officer,
        path=write_csv(tmp_path / "报送.csv", demo_rows()),
        item_code="admin-penalty",
        department_code=DEPARTMENT,
    )
    person = natural_person_by_id(PERSON_ID)
    debtor_entry(person, "（2026）苏04执900号", id_number=PERSON_ID)
    for role in (Role.CITY_REVIEWER, Role.DEPT_OFFICER, Role.DISTRICT_ADMIN):
        run_check(principal=roles[role], identifier=PERSON_ID, reason="政府采购资格审查")

    decided = datetime.date.today() - datetime.timedelta(days=200)
    dept = Department.objects.get(code=DEPARTMENT)
    record = upsert(
        "admin-penalty",
        person,
        DEPARTMENT,
        natural_payload(
            PERSON,
            PERSON_ID,
            dept,
            "天市监罚〔2026〕900号",
            decision_date=decided.isoformat(),
            valid_to=add_months(decided, 12).isoformat(),
            publicity_end=add_months(decided, 12).isoformat(),
            violation_facts=f"当事人{PERSON}（身份证号{PERSON_ID}，手机{PHONE}）无证经营。",
        ),
    )
    services.record_offline_objection(
        actor=admin,
        record=record,
        name=PERSON,
        id_number=PERSON_ID,
        phone=PHONE,
        reason=f"本人{PERSON}（身份证号{PERSON_ID}，手机{PHONE}）未实施该违法行为。",
        files=[],
    )
    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"
    sms.outbox.clear()
    verification.send_code(phone=PHONE, purpose="repair", source_ip=None)
    repairs.submit_repair(
        record_id=record.pk,
        name=PERSON,
        id_number=PERSON_ID,
        phone=PHONE,
        code=last_code(sms.outbox, PHONE),
        statement=f"已整改。联系电话{PHONE}",
        files=repair_files(),
    )
    sms.outbox.clear()
    # A credit report application of the person, entered at the window.
    natural = make_template(roles[Role.CITY_REVIEWER], code="t-exports", subject_type="natural")
    enter(admin, natural, person, contact=PHONE)
    client.force_login(roles[Role.CITY_REVIEWER])
    client.get(f"/api/v1/subjects/{PERSON_ID}")  # in the call log
    client.logout()
    # The city's assessment of a quarter, opened (its results export is scanned too).
    from credit.assessment.services.assessments import open_assessment

    open_assessment(actor=None, period="2026Q3")
    from credit.exchange.services import partners as exchange

    partner = exchange.create_partner(
        actor=None, code="exports-demo", name="省平台", kind="database", region="320402",
        config={"url": "mysql+pymysql://root@127.0.0.1:1/test"},
    )  # fmt: skip
    exchange.create_channel(
        actor=None, partner=partner, item="admin-penalty", direction="up", period="daily",
        mapping={"table": "xzcf", "key_column": "record_key", "fields": {"A": "document_no"}},
    )  # fmt: skip
    return {"batch": str(batch.pk), "admin-penalty": "admin-penalty"}


def test_the_resolver_lists_every_staff_export():
    names = {name for name, _ in staff_exports()}
    assert {
        "ingest:feedback_xlsx",
        "ingest:feedback_json",
        "sanctions:lists_xlsx",
        "sanctions:checks_xlsx",
        "sanctions:measures_xlsx",
        "push:export",
        "objections:manage_xlsx",
        "objections:repairs_xlsx",
        "objections:stats_xlsx",
        "gateway:export",
        "catalog:export",
        "catalog:template",
        "reports:applications_xlsx",
        "reports:templates_xlsx",
        "reports:stats_xlsx",
    } <= names
    assert not {n for n in names if n.startswith(("portal:", "admin:"))}


def test_no_staff_export_shows_a_full_id_or_phone_number_to_a_role_that_may_not_see_it(
    client, roles, demo
):
    usccs = set(LegalPerson.objects.exclude(uscc=None).values_list("uscc", flat=True))
    usccs |= set(Department.objects.values_list("uscc", flat=True))
    values = {param: demo[source] for param, source in PARAMS.items()}
    texts: dict[tuple[str, str], str] = {}
    exports = [*staff_exports(), ("api:feedback", "/api/v1/ingest/batches/<pk>/feedback")]
    for name, route in exports:
        if name == "api:feedback":
            url = f"/api/v1/ingest/batches/{values['pk']}/feedback"
        else:
            url = _url(name, route, values)
        for role, user in roles.items():
            client.force_login(user)
            response = client.get(url)
            if response.status_code in (403, 404):
                continue  # the role may not download it
            assert response.status_code == 200, (url, role, response.status_code)
            text = texts[(name, role)] = _text(response)
            if has_perm(user, Perm.SUBJECT_VIEW_IDENTITY):
                continue
            numbers = _personal_ids(text, usccs)
            assert not numbers, f"{url} shows {numbers} to {role}"
            assert not MOBILE.findall(text), f"{url} shows {MOBILE.findall(text)} to {role}"
            assert LANDLINE not in text, f"{url} shows {LANDLINE} to {role}"
    # Every export was downloaded by some role, and the person is in the files, masked.
    assert {name for name, _ in exports} == {name for name, _ in texts}
    shown = masked_id(PERSON_ID)
    for role in (Role.CITY_REVIEWER, Role.DEPT_OFFICER, Role.DISTRICT_ADMIN, Role.AUDITOR):
        assert shown in texts[("ingest:feedback_xlsx", role)], role
    for name in (
        "sanctions:lists_xlsx",
        "objections:manage_xlsx",
        "objections:repairs_xlsx",
        "reports:applications_xlsx",
    ):
        assert shown in texts[(name, Role.CITY_REVIEWER)], name
    assert PERSON_ID in texts[("ingest:feedback_xlsx", Role.CITY_ADMIN)]  # as sent


def test_an_export_of_list_entries_is_an_audited_read(client, roles, demo):
    client.force_login(roles[Role.AUDITOR])
    assert client.get("/sanctions/lists/export.xlsx?list_kind=black_list").status_code == 200
    (entry,) = AuditEntry.objects.filter(event_type="listentries.exported")
    assert entry.actor_id == roles[Role.AUDITOR].pk
    assert entry.after["filters"] == {"list_kind": "black_list"}
    assert entry.after["natural_persons"] == [natural_person_by_id(PERSON_ID).pk]
    debtors = CreditRecord.objects.filter(item__code="dishonest-judgment-debtor")
    assert entry.after["rows"] == debtors.count() > 0
