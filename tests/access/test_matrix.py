"""The permission matrix: every page (from the URL resolver) and every API operation (from the
OpenAPI document) × anonymous, each role, a district user of another district, a department
officer of another department, and API clients without and with the scope → the outcome the
rules say (``credit.core.access``: permissions, then the tenant for managed objects).

The objects asked for belong to 天宁区 (its market-supervision bureau TNQ-SCJG). A URL or an
operation missing from the tables below fails the test: a new endpoint cannot be forgotten.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from credit.accounts.roles import CITY_WIDE_ROLES, ROLE_PERMS, Role
from credit.alerts import services as alerts
from credit.alerts.models import Warning
from credit.api import api
from credit.boards import services as boards
from credit.catalog.models import CatalogItem
from credit.core.access import Perm
from credit.core.models import AuditEntry, Department
from credit.events import services as push
from credit.events.models import Delivery
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient
from credit.gateway.scopes import OPEN_ROUTES, SCOPES, scope_for
from credit.ingest.pipeline import ingest_payloads
from credit.objections import services as objections
from credit.objections import sms, verification
from credit.objections.models import Attachment
from credit.objections.repairs import submit_repair
from credit.objections.uploads import Upload
from credit.portal import services as portal
from credit.records.models import CreditRecord, ListChange
from credit.records.publicity import add_months
from credit.reports import services as reports
from credit.sanctions import services as sanctions
from credit.subjects.services import register_natural_person
from tests.commitments import factories as commitments
from tests.integrity import factories as integrity
from tests.records.factories import legal_payload, penalty

pytestmark = pytest.mark.django_db

# Outcomes
OK, LOGIN, FORBIDDEN, HIDDEN, UNAUTHENTICATED = "ok", "login", "403", "404", "401"
#: A page that answers 503 while a service it needs is not configured (the real-name login
#: without an identity platform): a Chinese page, never an error.
UNAVAILABLE = "503"
#: Sent to the public's real-name login (credit.identity): a staff login is no real-name account.
PORTAL_LOGIN = "portal-login"

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
PHONE = "13812345678"


@dataclass(frozen=True)
class Who:
    """A principal of the matrix: its role (None: anonymous), region and department, and
    whether it manages 天宁区's objects (the tenant rule)."""

    name: str
    role: str | None
    region: str = "320400"
    department: str | None = None
    manages_tianning: bool = False

    @property
    def perms(self) -> frozenset:
        return ROLE_PERMS[self.role] if self.role else frozenset()

    def has(self, *perms: Perm) -> bool:
        return any(p in self.perms for p in perms)


STAFF = [
    Who("city_admin", Role.CITY_ADMIN, manages_tianning=True),
    Who("reviewer", Role.CITY_REVIEWER, manages_tianning=True),
    Who("auditor", Role.AUDITOR, manages_tianning=True),
    Who("tianning_admin", Role.DISTRICT_ADMIN, "320402", manages_tianning=True),
    Who("zhonglou_admin", Role.DISTRICT_ADMIN, "320404"),  # another district
    Who("tianning_officer", Role.DEPT_OFFICER, "320402", "TNQ-SCJG", manages_tianning=True),
    Who("city_officer", Role.DEPT_OFFICER, "320400", "SCJG"),  # another department
    # 组织人事 of 天宁区's market-supervision bureau: its own unit's civil servants
    Who("tianning_hr", Role.ORG_HR, "320402", "TNQ-SCJG", manages_tianning=True),
    Who("leader", Role.LEADER, manages_tianning=True),  # the whole city, read-only
]
ANONYMOUS = Who("anonymous", None)
EVERYONE = [ANONYMOUS, *STAFF]


# --------------------------------------------------------------------------------------------
# The world: objects of 天宁区 that the URLs and operations name
# --------------------------------------------------------------------------------------------


@pytest.fixture
def world(legal_person, resident_id_factory, admin_user, make_user, settings):
    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"
    settings.CREDIT_SMS_PHONE_PER_MINUTE = settings.CREDIT_SMS_PHONE_PER_HOUR = 100
    tnq = Department.objects.get(code="TNQ-SCJG")
    record = penalty(legal_person, "TNQ-SCJG", "天市监罚〔2026〕1号").record
    decided = datetime.date.today() - datetime.timedelta(days=200)
    old = penalty(
        legal_person,
        "TNQ-SCJG",
        "天市监罚〔2026〕2号",
        decision_date=decided.isoformat(),
        valid_to=add_months(decided, 12).isoformat(),
        publicity_end=add_months(decided, 12).isoformat(),
    ).record
    person, _ = register_natural_person(actor=None, name="王五", id_number=resident_id_factory())
    batch = ingest_payloads(
        actor=None,
        rows=[legal_payload(legal_person, tnq, "天市监罚〔2026〕3号")],
        item_code="admin-penalty",
        department_code="TNQ-SCJG",
    )
    other_client, _ = gateway.create_client(
        actor=None,
        name="天宁区审批系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=tnq,
        ips=["10.0.0.0/8"],
        scopes=["sanctions:changes"],
    )
    subscription = push.create_subscription(
        actor=None, client=other_client, name="天宁推送", url="https://example.org/hook"
    )
    entry = CreditRecord.objects.create(
        item=CatalogItem.objects.get(code="dishonest-judgment-debtor"),
        legal_person=legal_person,
        department=tnq,
        region_id="320402",
        natural_key=f"matrix-{legal_person.pk}",
        document_no="（2026）苏0402执1号",
        payload={},
        usage_scope="public",
        valid_to=datetime.date.today() + datetime.timedelta(days=300),
    )
    event = ListChange.objects.create(
        txid=1,
        occurred_at=datetime.datetime.now(datetime.UTC),
        event_id="00000000-0000-4000-8000-000000000001",
        kind="listed",
        record=entry,
        item=entry.item,
        list_kind="black_list",
        region_id="320402",
        department=tnq,
        legal_person=legal_person,
        version=1,
    )
    delivery = Delivery.objects.create(
        event_type="list.changed", event_id=event.pk, subscription=subscription, status="failed"
    )
    measure = sanctions.save_measure(
        actor=None,
        code="B-MX-01",
        list_kind="black_list",
        text="限制参加政府采购活动",
        legal_basis="《政府采购法》第二十二条",
        scenarios=["gov_procurement"],
    )
    officer = make_user(Role.DEPT_OFFICER, "320402", "TNQ-SCJG")
    check = sanctions.run_check(principal=officer, identifier=legal_person.uscc, reason="审批")
    objection = objections.record_offline_objection(
        actor=admin_user,
        record=record,
        name="李四",
        id_number=resident_id_factory(),
        phone=PHONE,
        reason="本人未实施该违法行为。",
        files=[Upload("证明.pdf", PDF, "")],
    )
    sms.outbox.clear()
    verification.send_code(phone=PHONE, purpose="repair", source_ip=None)
    code = re.search(r"验证码为(\d{6})", sms.outbox[-1].message).group(1)
    repair = submit_repair(
        record_id=old.pk,
        name=legal_person.name,
        id_number=legal_person.uscc,
        phone=PHONE,
        code=code,
        statement="已按要求整改并接受信用修复培训。",
        files=[Upload("信用承诺书.pdf", PDF, "commitment"), Upload("证明.jpg", JPG, "proof")],
    )
    notice = portal.create_notice(actor=admin_user, kind="news", title="通知", body="正文")
    portal.publish_notice(actor=admin_user, notice=notice)
    warning_rule = alerts.save_rule(
        actor=None, code="matrix-rule", name="矩阵规则", metric="dishonesty_records",
        subject="department", comparison="gt", threshold="0", period="month", level="warning",
    )  # fmt: skip
    warning = Warning.objects.create(
        rule=warning_rule, level="warning", region_id="320402", department=tnq,
        key="department:TNQ-SCJG@2026-11", period_label="2026-11", text="矩阵预警",
    )  # fmt: skip
    board_folder = boards.add_folder(actor=None, name="矩阵目录")
    board = boards.create_board(actor=None, folder=board_folder, title="矩阵报表")
    dataset = next(iter(boards.usable_datasets(None).values()))
    one_panel = {"title": "面板", "dataset": dataset.code, "chart": dataset.charts[0],
                 "options": {}, "filters": {}, "x": 0, "y": 0, "w": 6, "h": 4}  # fmt: skip
    board = boards.save_board(
        actor=None, board=board, data={**boards.board_data(board), "panels": [one_panel]}
    )
    board = boards.publish_board(actor=None, board=board, roles=[BOARD_ROLE])
    report_application = _report_application(admin_user, officer, legal_person)
    commitment = commitments.make_commitment(subject=legal_person, department="TNQ-SCJG")
    from credit.commitments.models import CommitmentFile, SuspectedBreach

    commitment_file = CommitmentFile.objects.create(
        commitment=commitment, kind="letter", name="承诺书.pdf", content_type="application/pdf",
        size=len(PDF), sha256="2" * 64, data=PDF,
    )  # fmt: skip
    suspicion = SuspectedBreach.objects.create(commitment=commitment, record=record)
    civil_servant = integrity.make_civil_servant("TNQ-SCJG")
    gov_record = integrity.gov_record(
        integrity.gov_body("常州市天宁区某某局"), "天政失〔2026〕9号", department="TNQ-FG"
    )
    report_material, report = _report_files(report_application)
    from credit.assessment.models import QualityReport
    from credit.assessment.services import quality as quality_reports

    quality_report = QualityReport.objects.create(
        month=datetime.date(2026, 11, 1), scope="department", department=tnq, region_id="320402",
        name="矩阵数据质量报告", pdf=PDF, xlsx=PDF, figures=quality_reports.figures_for(
            "department", datetime.date(2026, 11, 1), department=tnq),
    )  # fmt: skip
    from credit.assessment.models import Assessment, Rubric

    assessment = Assessment.objects.create(
        period="2026Q3", kind="quarter", start=datetime.date(2026, 7, 1),
        end=datetime.date(2026, 10, 1), rubric=Rubric.objects.get_or_create(
            owner_region=None, year=2026, version=1, defaults={"name": "矩阵考核细则"})[0],
    )  # fmt: skip
    # 天宁区's unit of the city's assessment with a manual score and its evidence, and
    # 天宁区's own self-check of the quarter (pages of credit.assessment).
    from credit.assessment.models import Evidence, Indicator, Score, Unit

    tianning_unit = Unit.objects.create(
        assessment=assessment, kind="district", region_id="320402", name="天宁区"
    )
    indicator = Indicator.objects.create(
        rubric=assessment.rubric, code="matrix-1", name="矩阵指标", kind="item", points=2,
        method="manual", sort_order=999,
    )  # fmt: skip
    evidence = Evidence.objects.create(
        score=Score.objects.create(unit=tianning_unit, indicator=indicator), name="佐证.pdf",
        content_type="application/pdf", size=len(PDF), sha256="3" * 64, data=PDF,
    )  # fmt: skip
    self_check = Assessment.objects.create(
        period="2026Q3", kind="quarter", start=datetime.date(2026, 7, 1),
        end=datetime.date(2026, 10, 1), rubric=assessment.rubric, owner_region_id="320402",
    )  # fmt: skip
    self_check_unit = Unit.objects.create(
        assessment=self_check, kind="district", region_id="320402", name="天宁区"
    )
    # 天宁区's own exchange partner (a closed port: a run or a check fails fast) and channel.
    from credit.exchange.services import partners as exchange

    exchange_partner = exchange.create_partner(
        actor=None, code="tn-exchange", name="天宁区子平台", kind="database", region="320402",
        config={"url": "mysql+pymysql://root@127.0.0.1:1/test"},
    )  # fmt: skip
    exchange_channel = exchange.create_channel(
        actor=None, partner=exchange_partner, item="admin-penalty", direction="up",
        period="daily", mapping={"table": "xzcf", "key_column": "record_key",
                                 "fields": {"CF_WSH": "document_no"}},
    )  # fmt: skip
    return {
        "exchange_partner": exchange_partner,
        "exchange_channel": exchange_channel,
        "quality_report": quality_report,
        "assessment": assessment,
        "assessment_unit": tianning_unit,
        "assessment_indicator": indicator,
        "assessment_evidence": evidence,
        "self_check": self_check,
        "self_check_unit": self_check_unit,
        "commitment": commitment,
        "commitment_file": commitment_file,
        "suspicion": suspicion,
        "civil_servant": civil_servant,
        "gov_record": gov_record,
        "report_application": report_application,
        "report_material": report_material,
        "report": report,
        "warning": warning,
        "warning_rule": warning_rule,
        "board": board,
        "board_folder": board_folder,
        "record": record,
        "legal_person": legal_person,
        "person": person,
        "batch": batch,
        "client": other_client,
        "subscription": subscription,
        "delivery": delivery,
        "measure": measure,
        "check": check,
        "objection": objection,
        "objection_file": Attachment.objects.filter(objection=objection).first(),
        "repair": repair,
        "repair_file": Attachment.objects.filter(repair=repair).first(),
        "notice": notice,
    }


def _report_application(office, officer, legal_person):
    """A credit report template and 天宁区 TNQ-SCJG's own request for a report (not issued)."""
    fields_of = reports.usable_items("legal")
    template = reports.save_template(
        actor=office, code="matrix", name="矩阵报告", subject_type="legal", purposes=["general"],
        period_months=36, valid_days=90,
        sections=[{"kind": "records", "title": "行政处罚", "items": [
            {"code": "admin-penalty", "fields": sorted(fields_of["admin-penalty"])[:2]}]}],
    ).template  # fmt: skip
    application, _ = reports.enter_application(
        actor=officer, template=template, subject=legal_person, purpose="general",
        applicant_name="天宁区市场监管局", applicant_kind="department",
    )  # fmt: skip
    return application


def _report_files(application):
    """A material of the application and a report issued for it (rows only: the pages read
    them, no signing is needed)."""
    from credit.reports.models import Material, Report

    material = Material.objects.create(
        application=application, kind="other", name="说明.pdf", content_type="application/pdf",
        size=len(PDF), sha256="0" * 64, data=PDF,
    )  # fmt: skip
    report = Report.objects.create(
        number=application.number, application=application,
        template_version=application.template_version, verify_code="MATRIX2345",
        issued_at=datetime.datetime.now(datetime.UTC), valid_until=datetime.date.today(),
        snapshot={}, pdf=PDF, sha256="1" * 64, size=len(PDF),
    )  # fmt: skip
    return material, report


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def public(who: Who) -> str:
    return OK


def perm(*perms: Perm, tenant: bool = False) -> Callable[[Who], str]:
    """Login, then any of ``perms``; with ``tenant``, an object of 天宁区 is hidden (404)
    from those who do not manage it."""

    def rule(who: Who) -> str:
        if who.role is None:
            return LOGIN
        if not who.has(*perms):
            return FORBIDDEN
        if tenant and not who.manages_tianning:
            return HIDDEN
        return OK

    return rule


#: The role the world's board is published to (统计报表), and the pages of that board.
BOARD_ROLE = Role.AUDITOR
BOARD_PAGES = ("board", "design", "save", "move", "publish", "unpublish", "copy", "delete")


def sees_board(who: Who) -> str:
    """A board opens for the credit office and for the roles it is published to; for the
    other viewers of dashboards it does not exist."""
    outcome = perm(Perm.DASHBOARD_VIEW)(who)
    if outcome == OK and not who.has(Perm.DASHBOARD_DESIGN) and who.role != BOARD_ROLE:
        return HIDDEN
    return outcome


def manages_city(permission: Perm) -> Callable[[Who], str]:
    """A page of the city's credit office: ``permission`` with the whole city as tenant."""

    def rule(who: Who) -> str:
        outcome = perm(permission)(who)
        return FORBIDDEN if outcome == OK and who.role not in CITY_WIDE_ROLES else outcome

    return rule


#: Warning rules are the credit office's: 确认和关闭预警 with the whole city as tenant.
manages_warning_rules = manages_city(Perm.WARNING_HANDLE)
#: The annual collection tasks open for those who read archives, manage integrity or report.
COLLECTION_SEES = (Perm.INTEGRITY_VIEW, Perm.INTEGRITY_MANAGE, Perm.RECORD_SUBMIT)


def handles_objections(who: Who) -> str:
    """The queue opens with 受理 or 核实; a case not assigned to the officer's department is
    hidden from those who only verify."""
    outcome = perm(Perm.OBJECTION_HANDLE, Perm.OBJECTION_VERIFY)(who)
    if outcome == OK and not who.has(Perm.OBJECTION_HANDLE):
        return HIDDEN
    return outcome


def reprocess(who: Who) -> str:
    """Re-processing a batch: who may submit for its department, or the city's reviewers; a
    pushed batch then cannot be re-processed (an answer on the page, not a refusal)."""
    outcome = perm(Perm.RECORD_SUBMIT, Perm.RECORD_REVIEW, tenant=True)(who)
    if outcome != OK:
        return outcome
    submits = who.has(Perm.RECORD_SUBMIT)
    city_review = who.region == "320400" and who.has(Perm.RECORD_REVIEW)
    return OK if submits or city_review else FORBIDDEN


def reads_tianning_unit(who: Who) -> str:
    """天宁区's unit of the city's assessment before publication: read in detail by the
    organisers (the city's managers) and by the unit itself (天宁区's administrator)."""
    outcome = perm(Perm.ASSESSMENT_VIEW)(who)
    if outcome != OK:
        return outcome
    own = who.role == Role.DISTRICT_ADMIN and who.manages_tianning
    organiser = who.has(Perm.ASSESSMENT_MANAGE) and who.role in CITY_WIDE_ROLES
    return OK if own or organiser else HIDDEN


def self_scores_tianning(who: Who) -> str:
    """天宁区's self-score form: 填报本单位的考核自评, and only 天宁区's own administrator."""
    outcome = perm(Perm.ASSESSMENT_SELF)(who)
    if outcome != OK:
        return outcome
    return OK if who.role == Role.DISTRICT_ADMIN and who.manages_tianning else HIDDEN


def manages_city_hidden(permission: Perm) -> Callable[[Who], str]:
    """A page of the city's assessment for its organisers: the city's assessment does not
    exist for a district's manager (404)."""

    def rule(who: Who) -> str:
        outcome = perm(permission)(who)
        return HIDDEN if outcome == OK and who.role not in CITY_WIDE_ROLES else outcome

    return rule


#: name → (method, rule). A URL missing here fails the test.
PAGES: dict[str, tuple[str, Callable[[Who], str]]] = {
    "home": ("GET", public),
    "healthz": ("GET", public),
    # The WebService's description; its calls are signed POSTs, refused without a signature
    # or scope like /api/v1 (tests/exchange/test_soap.py).
    "soap_service": ("GET", public),
    "favicon": ("GET", public),
    "login": ("GET", public),
    "logout": ("POST", lambda who: LOGIN),  # signed out, back to the login page
    "captcha-refresh": ("GET", lambda who: HIDDEN),
    "captcha-image": ("GET", public),
    "captcha-image-2x": ("GET", public),
    # The library's audio needs a speech synthesiser the platform does not install, and a
    # refresh answers only the login page's script: both 404 here, for everyone.
    "captcha-audio": ("GET", lambda who: HIDDEN),
    "accounts:users": ("GET", perm(Perm.USER_MANAGE)),
    "accounts:lockouts": ("GET", perm(Perm.USER_MANAGE)),
    "catalog:list": ("GET", perm(Perm.CATALOG_VIEW)),
    "catalog:export": ("GET", perm(Perm.CATALOG_MANAGE)),
    "catalog:detail": ("GET", perm(Perm.CATALOG_VIEW)),
    "catalog:template": ("GET", perm(Perm.CATALOG_TEMPLATE)),
    "catalog:item_create": ("GET", perm(Perm.CATALOG_MANAGE)),
    # 行政处罚 is a city item: a district's administrator keeps its own extension items only
    "catalog:item_edit": ("GET", manages_city(Perm.CATALOG_MANAGE)),
    "catalog:field_create": ("GET", manages_city(Perm.CATALOG_MANAGE)),
    "catalog:field_edit": ("GET", manages_city(Perm.CATALOG_MANAGE)),
    "catalog:field_remove": ("GET", manages_city(Perm.CATALOG_MANAGE)),
    "catalog:field_move": ("POST", manages_city(Perm.CATALOG_MANAGE)),
    "core:audit": ("GET", perm(Perm.AUDIT_VIEW)),
    "core:audit_xlsx": ("GET", perm(Perm.AUDIT_VIEW)),
    "core:audit_entry": ("GET", perm(Perm.AUDIT_VIEW)),
    "ingest:upload": ("GET", perm(Perm.RECORD_SUBMIT)),
    "ingest:batches": ("GET", perm(Perm.RECORD_VIEW)),
    "ingest:batches_xlsx": ("GET", perm(Perm.RECORD_VIEW)),
    "ingest:quality": ("GET", perm(Perm.RECORD_REVIEW)),
    "ingest:quality_department": ("GET", perm(Perm.RECORD_VIEW, tenant=True)),
    "ingest:batch": ("GET", perm(Perm.RECORD_VIEW, tenant=True)),
    "ingest:progress": ("GET", perm(Perm.RECORD_VIEW, tenant=True)),
    "ingest:reprocess": ("POST", reprocess),
    "ingest:feedback_xlsx": ("GET", perm(Perm.RECORD_VIEW, tenant=True)),
    "ingest:feedback_json": ("GET", perm(Perm.RECORD_VIEW, tenant=True)),
    "ingest:rejected_xlsx": ("GET", perm(Perm.RECORD_VIEW, tenant=True)),
    "subjects:search": ("GET", perm(Perm.SUBJECT_VIEW)),
    "subjects:legal": ("GET", perm(Perm.SUBJECT_VIEW)),
    "subjects:natural": ("GET", perm(Perm.SUBJECT_VIEW_NATURAL)),
    "gateway:clients": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "gateway:client_create": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "gateway:client": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "gateway:client_edit": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "gateway:client_rotate": ("POST", perm(Perm.API_CLIENT_MANAGE)),
    "gateway:client_disable": ("POST", perm(Perm.API_CLIENT_MANAGE)),
    "gateway:client_enable": ("POST", perm(Perm.API_CLIENT_MANAGE)),
    "gateway:calls": ("GET", perm(Perm.API_CLIENT_MANAGE, Perm.AUDIT_VIEW)),
    "gateway:stats": ("GET", perm(Perm.API_CLIENT_MANAGE, Perm.AUDIT_VIEW)),
    "gateway:export": ("GET", perm(Perm.API_CLIENT_MANAGE, Perm.AUDIT_VIEW)),
    "sanctions:lists": ("GET", perm(Perm.RECORD_VIEW)),
    "sanctions:lists_xlsx": ("GET", perm(Perm.RECORD_VIEW)),
    "push:subscriptions": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "push:subscription_create": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "push:subscription_edit": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "push:subscription_disable": ("POST", perm(Perm.API_CLIENT_MANAGE)),
    "push:deliveries": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "push:export": ("GET", perm(Perm.API_CLIENT_MANAGE)),
    "push:resend": ("POST", perm(Perm.API_CLIENT_MANAGE)),
    "sanctions:measures": ("GET", perm(Perm.SANCTIONS_CHECK, Perm.CATALOG_VIEW)),
    "sanctions:measure_create": ("GET", perm(Perm.MEASURE_MANAGE)),
    "sanctions:measures_xlsx": ("GET", perm(Perm.SANCTIONS_CHECK, Perm.CATALOG_VIEW)),
    "sanctions:measure": ("GET", perm(Perm.SANCTIONS_CHECK, Perm.CATALOG_VIEW)),
    "sanctions:measure_edit": ("GET", perm(Perm.MEASURE_MANAGE)),
    "sanctions:check": ("GET", perm(Perm.SANCTIONS_CHECK)),
    "sanctions:checks": ("GET", perm(Perm.SANCTIONS_CHECK)),
    "sanctions:checks_xlsx": ("GET", perm(Perm.SANCTIONS_CHECK)),
    "sanctions:check_detail": ("GET", perm(Perm.SANCTIONS_CHECK, tenant=True)),
    "sanctions:feedback": ("POST", perm(Perm.SANCTIONS_CHECK, tenant=True)),
    "sanctions:certificate": ("GET", public),
    "portal:home": ("GET", public),
    "portal:search": ("GET", public),
    "portal:subject": ("GET", public),
    "portal:publicity": ("GET", public),
    "portal:publicity_xlsx": ("GET", public),
    "portal:list": ("GET", public),
    "portal:list_xlsx": ("GET", public),
    "portal:notices": ("GET", public),
    "portal:notice": ("GET", public),
    "portal:manage_notices": ("GET", perm(Perm.PORTAL_MANAGE)),
    "portal:manage_notice_new": ("GET", perm(Perm.PORTAL_MANAGE)),
    "portal:manage_notice_edit": ("GET", perm(Perm.PORTAL_MANAGE)),
    "portal:manage_notice_publish": ("POST", perm(Perm.PORTAL_MANAGE)),
    "portal:manage_notice_unpublish": ("POST", perm(Perm.PORTAL_MANAGE)),
    # Real-name login of the public (credit.identity): no identity platform in the tests.
    "identity:login": ("GET", lambda who: UNAVAILABLE),
    "identity:callback": ("GET", lambda who: UNAVAILABLE),
    "identity:logout": ("POST", public),  # signed out (of nothing), back to the portal
    "portal:me": ("GET", lambda who: PORTAL_LOGIN),  # no staff login is an account
    # The development identity provider (CREDIT_DEV_IDP, on in the tests).
    "devidp:login": ("GET", public),
    "oauth2_provider:authorize": ("GET", public),  # to its own login, never a staff one
    "oauth2_provider:token": ("POST", public),  # no client: refused (401)
    "oauth2_provider:oidc-connect-discovery-info": ("GET", public),
    "oauth2_provider:oauth-server-metadata": ("GET", public),
    "oauth2_provider:jwks-info": ("GET", public),
    "oauth2_provider:user-info": ("GET", public),  # no token: refused (401)
    "objections:new": ("GET", public),
    "objections:send_code": ("POST", public),
    "objections:repair_new": ("GET", public),
    "objections:track": ("GET", public),
    "objections:track_detail": ("GET", public),
    "objections:manage": ("GET", perm(Perm.OBJECTION_HANDLE, Perm.OBJECTION_VERIFY)),
    "objections:manage_xlsx": ("GET", perm(Perm.OBJECTION_HANDLE, Perm.OBJECTION_VERIFY)),
    "objections:offline_new": ("GET", perm(Perm.OBJECTION_HANDLE)),
    "objections:stats": ("GET", perm(Perm.OBJECTION_HANDLE, Perm.REPAIR_REVIEW)),
    "objections:stats_xlsx": ("GET", perm(Perm.OBJECTION_HANDLE, Perm.REPAIR_REVIEW)),
    "objections:repairs": ("GET", perm(Perm.REPAIR_REVIEW)),
    "objections:repairs_xlsx": ("GET", perm(Perm.REPAIR_REVIEW)),
    "objections:repair_detail": ("GET", perm(Perm.REPAIR_REVIEW)),
    "objections:repair_attachment": ("GET", perm(Perm.REPAIR_REVIEW)),
    "objections:repair_act": ("POST", perm(Perm.REPAIR_REVIEW)),
    "objections:manage_detail": ("GET", handles_objections),
    "objections:attachment": ("GET", handles_objections),
    "objections:act": ("POST", handles_objections),
    "alerts:list": ("GET", perm(Perm.WARNING_VIEW)),
    "alerts:export": ("GET", perm(Perm.WARNING_VIEW)),
    "alerts:detail": ("GET", perm(Perm.WARNING_VIEW, tenant=True)),
    "alerts:acknowledge": ("POST", perm(Perm.WARNING_HANDLE, tenant=True)),
    "alerts:close": ("POST", perm(Perm.WARNING_HANDLE, tenant=True)),  # no reason: refused
    "alerts:rules": ("GET", perm(Perm.WARNING_VIEW)),
    "alerts:rule_create": ("GET", manages_warning_rules),
    "alerts:rule_edit": ("GET", manages_warning_rules),
    "alerts:rule_deactivate": ("POST", manages_warning_rules),
    "dashboard:index": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "dashboard:screen": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "dashboard:map": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "dashboard:data": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "dashboard:data_xlsx": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "dashboard:records": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "dashboard:records_xlsx": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "dashboard:subjects": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "dashboard:subjects_xlsx": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "boards:catalogue": ("GET", perm(Perm.DASHBOARD_VIEW)),
    "boards:designer": ("GET", perm(Perm.DASHBOARD_DESIGN)),
    "boards:folder_add": ("POST", perm(Perm.DASHBOARD_DESIGN)),
    "boards:folder_rename": ("POST", perm(Perm.DASHBOARD_DESIGN)),
    "boards:folder_move": ("POST", perm(Perm.DASHBOARD_DESIGN)),
    "boards:folder_delete": ("POST", perm(Perm.DASHBOARD_DESIGN)),  # not empty: refused
    "boards:board_create": ("POST", perm(Perm.DASHBOARD_DESIGN)),
    "boards:board": ("GET", sees_board),
    "boards:design": ("GET", perm(Perm.DASHBOARD_DESIGN)),
    "boards:save": ("POST", perm(Perm.DASHBOARD_DESIGN)),  # not JSON: refused (400)
    "boards:move": ("POST", perm(Perm.DASHBOARD_DESIGN)),
    "boards:publish": ("GET", perm(Perm.DASHBOARD_DESIGN)),
    "boards:unpublish": ("POST", perm(Perm.DASHBOARD_DESIGN)),
    "boards:copy": ("POST", perm(Perm.DASHBOARD_DESIGN)),
    "boards:delete": ("POST", perm(Perm.DASHBOARD_DESIGN)),  # published: refused
    "reports:index": ("GET", perm(Perm.REPORT_VIEW)),  # to the queue
    "reports:applications": ("GET", perm(Perm.REPORT_VIEW)),
    "reports:applications_xlsx": ("GET", perm(Perm.REPORT_VIEW)),
    "reports:application": ("GET", perm(Perm.REPORT_VIEW, tenant=True)),
    "reports:application_material": ("GET", perm(Perm.REPORT_VIEW, tenant=True)),
    "reports:application_preview": ("GET", perm(Perm.REPORT_REVIEW, tenant=True)),
    "reports:application_act": ("POST", perm(Perm.REPORT_REVIEW, tenant=True)),  # no reason
    "reports:report_pdf": ("GET", perm(Perm.REPORT_VIEW, tenant=True)),
    "reports:report_revoke": ("POST", perm(Perm.REPORT_REVIEW, tenant=True)),  # no reason
    "reports:hall": ("GET", perm(Perm.REPORT_ENTER)),
    "reports:hall_receipt": ("GET", perm(Perm.REPORT_ENTER, tenant=True)),
    "reports:templates": ("GET", perm(Perm.REPORT_VIEW)),
    "reports:templates_xlsx": ("GET", perm(Perm.REPORT_VIEW)),
    "reports:template_new": ("GET", perm(Perm.REPORT_TEMPLATE)),
    "reports:template_preview": ("POST", perm(Perm.REPORT_VIEW)),
    "reports:template": ("GET", perm(Perm.REPORT_VIEW)),
    "reports:template_version": ("GET", perm(Perm.REPORT_VIEW)),
    "reports:template_enable": ("POST", perm(Perm.REPORT_TEMPLATE)),
    "reports:template_disable": ("POST", perm(Perm.REPORT_TEMPLATE)),
    "reports:stats": ("GET", perm(Perm.REPORT_VIEW)),
    "reports:stats_xlsx": ("GET", perm(Perm.REPORT_VIEW)),
    "reports_portal:landing": ("GET", public),
    "reports_portal:apply": ("GET", lambda who: PORTAL_LOGIN),
    "reports_portal:download": ("GET", public),
    "reports_portal:verify": ("GET", public),
    # Without its verify code (?c=) no report is found, for anyone.
    "reports_portal:verify_report": ("GET", lambda who: HIDDEN),
    "reports_portal:authorisations": ("GET", lambda who: PORTAL_LOGIN),
    "reports_portal:authorisation_revoke": ("POST", lambda who: PORTAL_LOGIN),
    "reports_portal:application": ("GET", lambda who: PORTAL_LOGIN),
    "reports_portal:resubmit": ("POST", lambda who: PORTAL_LOGIN),
    "reports_portal:withdraw": ("POST", lambda who: PORTAL_LOGIN),
    "reports_portal:application_download": ("GET", lambda who: PORTAL_LOGIN),
    # 政务诚信: archives by archive_q (the world's civil servant works at TNQ-SCJG)
    "integrity:index": ("GET", perm(Perm.INTEGRITY_VIEW)),
    "integrity:export": ("GET", perm(Perm.INTEGRITY_VIEW)),
    "integrity:search": ("POST", perm(Perm.INTEGRITY_VIEW)),  # empty: the form's error
    "integrity:detail": ("GET", perm(Perm.INTEGRITY_VIEW, tenant=True)),
    "integrity:distribution": ("GET", perm(Perm.INTEGRITY_VIEW)),
    "integrity:distribution_export": ("GET", perm(Perm.INTEGRITY_VIEW)),
    "integrity:rules": ("GET", perm(Perm.INTEGRITY_VIEW, Perm.INTEGRITY_MANAGE)),
    "integrity:rule_version": ("GET", perm(Perm.INTEGRITY_VIEW)),
    "integrity:rule_new": ("GET", manages_city(Perm.INTEGRITY_MANAGE)),
    "integrity:collection": ("GET", perm(*COLLECTION_SEES)),
    "integrity:collection_export": ("GET", perm(*COLLECTION_SEES)),
    "integrity:collection_open": ("POST", manages_city(Perm.INTEGRITY_MANAGE)),
    "integrity:government": ("GET", perm(Perm.INTEGRITY_VIEW, Perm.INTEGRITY_MANAGE)),
    "integrity:government_export": ("GET", perm(Perm.INTEGRITY_VIEW, Perm.INTEGRITY_MANAGE)),
    "integrity:revoke": ("GET", perm(Perm.INTEGRITY_MANAGE, tenant=True)),
    "integrity:revocations": ("GET", perm(Perm.INTEGRITY_VIEW, Perm.INTEGRITY_MANAGE)),
    "integrity:revocations_export": ("GET", perm(Perm.INTEGRITY_VIEW, Perm.INTEGRITY_MANAGE)),
    "integrity:honour": ("GET", perm(Perm.INTEGRITY_VIEW)),
    "integrity:honour_export": ("GET", perm(Perm.INTEGRITY_VIEW)),
    "integrity_portal:index": ("GET", public),
    "integrity_portal:export": ("GET", public),
    "integrity_portal:honour": ("GET", public),
    "integrity_portal:me": ("GET", lambda who: PORTAL_LOGIN),
    # 信用承诺: the world's commitment is to TNQ-SCJG (天宁区)
    "commitments:index": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "commitments:export": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "commitments:new": ("GET", perm(Perm.COMMITMENT_ENTER)),
    "commitments:suspicions": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "commitments:suspicion_decide": ("POST", perm(Perm.COMMITMENT_REVIEW, tenant=True)),
    "commitments:detail": ("GET", perm(Perm.COMMITMENT_VIEW, tenant=True)),
    "commitments:review": ("POST", perm(Perm.COMMITMENT_REVIEW, tenant=True)),
    "commitments:fulfil": ("POST", perm(Perm.COMMITMENT_REVIEW, tenant=True)),
    "commitments:breach": ("POST", perm(Perm.COMMITMENT_REVIEW, tenant=True)),
    "commitments:file": ("GET", perm(Perm.COMMITMENT_VIEW, tenant=True)),
    "commitments:items": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "commitments:items_export": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "commitments:item": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "commitments:item_version_new": ("GET", perm(Perm.COMMITMENT_MANAGE)),
    "commitments:coverage": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "commitments:coverage_export": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "commitments:coverage_uncovered": ("GET", perm(Perm.COMMITMENT_VIEW)),
    "assessment:index": ("GET", perm(Perm.ASSESSMENT_VIEW)),
    "assessment:open": ("POST", perm(Perm.ASSESSMENT_MANAGE)),  # empty: the form's error
    "assessment:results": ("GET", perm(Perm.ASSESSMENT_VIEW)),
    "assessment:compute": ("POST", perm(Perm.ASSESSMENT_MANAGE)),  # a district's: refused
    "assessment:close": ("POST", perm(Perm.ASSESSMENT_MANAGE)),
    "assessment:publish": ("POST", perm(Perm.ASSESSMENT_MANAGE)),
    "assessment:export": ("GET", perm(Perm.ASSESSMENT_VIEW)),
    "assessment:unit": ("GET", reads_tianning_unit),
    "assessment:metric_rows": ("GET", reads_tianning_unit),
    "assessment:evidence": ("GET", reads_tianning_unit),
    "assessment:self_score": ("GET", self_scores_tianning),
    "assessment:review": ("GET", manages_city_hidden(Perm.ASSESSMENT_MANAGE)),
    "assessment:metrics": ("GET", perm(Perm.ASSESSMENT_VIEW)),
    "assessment:metric": ("GET", perm(Perm.ASSESSMENT_VIEW)),
    "assessment:rubrics": ("GET", perm(Perm.ASSESSMENT_VIEW)),
    "assessment:rubric": ("GET", perm(Perm.ASSESSMENT_VIEW)),
    "assessment:rubric_copy": ("POST", manages_city(Perm.ASSESSMENT_MANAGE)),
    "assessment:indicator_edit": ("GET", manages_city(Perm.ASSESSMENT_MANAGE)),
    "assessment:self_check": ("GET", perm(Perm.ASSESSMENT_MANAGE)),
    "assessment:self_check_rubric": ("POST", perm(Perm.ASSESSMENT_MANAGE)),
    "assessment:self_check_run": ("GET", perm(Perm.ASSESSMENT_MANAGE, tenant=True)),
    "assessment:self_check_unit": ("GET", perm(Perm.ASSESSMENT_MANAGE, tenant=True)),
    "assessment:self_check_rows": ("GET", perm(Perm.ASSESSMENT_MANAGE, tenant=True)),
    "assessment_portal:index": ("GET", public),
    "assessment_portal:results": ("GET", lambda who: HIDDEN),  # not published to the public
    "assessment:quality": ("GET", perm(Perm.ASSESSMENT_VIEW)),
    "assessment:quality_report": ("GET", perm(Perm.ASSESSMENT_VIEW, tenant=True)),
    "assessment:quality_download": ("GET", perm(Perm.ASSESSMENT_VIEW, tenant=True)),
    "assessment:quality_generate": ("POST", manages_city(Perm.ASSESSMENT_MANAGE)),
    "commitments_portal:index": ("GET", public),
    "commitments_portal:export": ("GET", public),
    "commitments_portal:new": ("GET", lambda who: PORTAL_LOGIN),
    "commitments_portal:mine": ("GET", lambda who: PORTAL_LOGIN),
    "exchange:jobs": ("GET", perm(Perm.EXCHANGE_VIEW)),
    "exchange:jobs_export": ("GET", perm(Perm.EXCHANGE_VIEW)),
    "exchange:run": ("POST", perm(Perm.EXCHANGE_MANAGE, tenant=True)),  # fails: closed port
    "exchange:runs": ("GET", perm(Perm.EXCHANGE_VIEW)),
    "exchange:runs_export": ("GET", perm(Perm.EXCHANGE_VIEW)),
    "exchange:partners": ("GET", perm(Perm.EXCHANGE_VIEW)),
    "exchange:partners_export": ("GET", perm(Perm.EXCHANGE_VIEW)),
    "exchange:partner_new": ("POST", perm(Perm.EXCHANGE_MANAGE)),  # empty: the form's error
    "exchange:partner": ("GET", perm(Perm.EXCHANGE_VIEW, tenant=True)),
    "exchange:partner_edit": ("POST", perm(Perm.EXCHANGE_MANAGE, tenant=True)),
    "exchange:check": ("POST", perm(Perm.EXCHANGE_MANAGE, tenant=True)),
    "exchange:channel_new": ("POST", perm(Perm.EXCHANGE_MANAGE, tenant=True)),
    "exchange:reconcile": ("GET", perm(Perm.EXCHANGE_VIEW, tenant=True)),
    "exchange:reconcile_export": ("GET", perm(Perm.EXCHANGE_VIEW, tenant=True)),
    "exchange:channel": ("GET", perm(Perm.EXCHANGE_VIEW, tenant=True)),
    "exchange:deliveries_export": ("GET", perm(Perm.EXCHANGE_VIEW, tenant=True)),
    "exchange:resend": ("POST", perm(Perm.EXCHANGE_MANAGE, tenant=True)),  # none chosen
    "exchange:load": ("POST", perm(Perm.EXCHANGE_MANAGE, tenant=True)),
}


def _kwargs(world: dict, name: str, pattern: str) -> dict:
    """Values for a URL's parameters, naming 天宁区's objects."""
    values = {
        "code": "admin-penalty",
        "kind": "penalty",
        "key": "0" * 40,
        "token": sanctions.certificate_token(world["check"]),
    }
    by_name = {
        "ingest:quality_department": {"code": "TNQ-SCJG"},
        "dashboard:data": {"code": "legal_by_kind"},
        "dashboard:data_xlsx": {"code": "legal_by_kind"},
        "ingest:batch": {"pk": world["batch"].pk},
        "ingest:progress": {"pk": world["batch"].pk},
        "ingest:reprocess": {"pk": world["batch"].pk},
        "ingest:feedback_xlsx": {"pk": world["batch"].pk},
        "ingest:feedback_json": {"pk": world["batch"].pk},
        "ingest:rejected_xlsx": {"pk": world["batch"].pk},
        "subjects:legal": {"pk": world["legal_person"].pk},
        "subjects:natural": {"pk": world["person"].pk},
        "portal:subject": {"pk": world["legal_person"].pk},
        "portal:list": {"kind": "black_list"},
        "portal:list_xlsx": {"kind": "black_list"},
        "portal:notice": {"pk": world["notice"].pk},
        "portal:manage_notice_edit": {"pk": world["notice"].pk},
        "portal:manage_notice_publish": {"pk": world["notice"].pk},
        "portal:manage_notice_unpublish": {"pk": world["notice"].pk},
        "push:subscription_edit": {"pk": world["subscription"].pk},
        "push:subscription_disable": {"pk": world["subscription"].pk},
        "push:resend": {"pk": world["delivery"].pk},
        "sanctions:measure": {"code": world["measure"].code},
        "catalog:field_edit": {"code": "admin-penalty", "field": "remark"},
        "catalog:field_remove": {"code": "admin-penalty", "field": "remark"},
        "catalog:field_move": {"code": "admin-penalty", "field": "remark"},
        "core:audit_entry": {"pk": AuditEntry.objects.order_by("-id").first().pk},
        "sanctions:measure_edit": {"code": world["measure"].code},
        "sanctions:check_detail": {"number": world["check"].number},
        "sanctions:feedback": {"number": world["check"].number},
        "objections:track_detail": {"number": world["objection"].number},
        **{
            f"reports_portal:{name}": {"number": world["report_application"].number}
            for name in (
                "verify_report",
                "application",
                "resubmit",
                "withdraw",
                "application_download",
            )
        },
        "reports_portal:authorisation_revoke": {"pk": 1},
        **{
            f"reports:{name}": {"number": world["report_application"].number}
            for name in ("application", "application_preview", "hall_receipt")
        },
        "reports:application_material": {
            "number": world["report_application"].number,
            "pk": world["report_material"].pk,
        },
        "reports:application_act": {
            "number": world["report_application"].number,
            "action": "return",
        },
        "reports:report_pdf": {"number": world["report"].number},
        "reports:report_revoke": {"number": world["report"].number},
        **{
            f"reports:{name}": {"pk": world["report_application"].template_id}
            for name in ("template", "template_enable", "template_disable")
        },
        "reports:template_version": {
            "pk": world["report_application"].template_id,
            "number": world["report_application"].template_version.version,
        },
        **{
            f"commitments:{name}": {"number": world["commitment"].number}
            for name in ("detail", "review", "fulfil", "breach")
        },
        "commitments:file": {
            "number": world["commitment"].number,
            "pk": world["commitment_file"].pk,
        },
        "commitments:suspicion_decide": {"pk": world["suspicion"].pk},
        "assessment:quality_report": {"pk": world["quality_report"].pk},
        **{
            f"assessment:{name}": {"period": "2026Q3"}
            for name in ("results", "compute", "close", "publish", "export")
        },
        **{
            f"assessment:{name}": {"period": "2026Q3", "unit_id": world["assessment_unit"].pk}
            for name in ("unit", "self_score", "review")
        },
        "assessment:metric_rows": {
            "period": "2026Q3",
            "unit_id": world["assessment_unit"].pk,
            "metric": "list_reports",
        },
        "assessment:evidence": {"pk": world["assessment_evidence"].pk},
        "assessment:metric": {"code": "list_reports"},
        "assessment:rubric": {"pk": world["assessment"].rubric_id},
        "assessment:rubric_copy": {"pk": world["assessment"].rubric_id},
        "assessment:indicator_edit": {
            "pk": world["assessment"].rubric_id,
            "indicator_id": world["assessment_indicator"].pk,
        },
        "assessment:self_check_run": {"pk": world["self_check"].pk},
        "assessment:self_check_unit": {
            "pk": world["self_check"].pk,
            "unit_id": world["self_check_unit"].pk,
        },
        "assessment:self_check_rows": {
            "pk": world["self_check"].pk,
            "unit_id": world["self_check_unit"].pk,
            "metric": "list_reports",
        },
        "assessment_portal:results": {"period": "2026Q3"},
        **{
            f"exchange:{name}": {"code": world["exchange_partner"].code}
            for name in (
                "partner",
                "partner_edit",
                "check",
                "channel_new",
                "reconcile",
                "reconcile_export",
            )
        },
        **{
            f"exchange:{name}": {"pk": world["exchange_channel"].pk}
            for name in ("run", "channel", "deliveries_export", "resend", "load")
        },
        "assessment:quality_download": {"pk": world["quality_report"].pk, "fmt": "pdf"},
        "commitments:item": {"code": world["commitment"].item.code},
        "commitments:item_version_new": {"code": world["commitment"].item.code},
        "commitments:coverage_uncovered": {"target": "voluntary"},
        "commitments:coverage_export": {},
        "integrity:detail": {"pk": world["civil_servant"].pk},
        "integrity:rule_version": {"code": "cs-score-2026"},
        "integrity:revoke": {"pk": world["gov_record"].pk},
        "objections:manage_detail": {"number": world["objection"].number},
        "objections:attachment": {
            "number": world["objection"].number,
            "pk": world["objection_file"].pk,
        },
        "objections:act": {"number": world["objection"].number, "action": "accept"},
        "objections:repair_detail": {"number": world["repair"].number},
        "objections:repair_attachment": {
            "number": world["repair"].number,
            "pk": world["repair_file"].pk,
        },
        "objections:repair_act": {"number": world["repair"].number, "action": "refuse"},
        **{
            f"alerts:{name}": {"pk": world["warning"].pk}
            for name in ("detail", "acknowledge", "close")
        },
        **{
            f"alerts:rule_{name}": {"code": world["warning_rule"].code}
            for name in ("edit", "deactivate")
        },
        **{
            f"boards:folder_{action}": {"pk": world["board_folder"].pk}
            for action in ("rename", "move", "delete")
        },
        **{f"boards:{name}": {"pk": world["board"].pk} for name in BOARD_PAGES},
    }
    if name in by_name:
        return by_name[name]
    if name.startswith("gateway:client") and "<id:pk>" in pattern:
        return {"pk": world["client"].pk}
    params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern)
    return {a or b: values[a or b] for a, b in params}


def _url_patterns(resolver: URLResolver | None = None, prefix: str = "", ns: str = ""):
    """(name with namespace, pattern) of every page (the admin and the API are elsewhere)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if pattern.startswith(("admin/", "api/v1/")):
                continue
            namespace = f"{ns}:{entry.namespace}" if ns and entry.namespace else entry.namespace
            yield from _url_patterns(entry, pattern, namespace or ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{ns}:{entry.name}" if ns else entry.name), pattern


def test_every_page_is_in_the_matrix():
    missing = {name for name, _ in _url_patterns()} - set(PAGES)
    assert not missing, f"add these pages to the permission matrix: {sorted(missing)}"


def _outcome(response) -> str:
    status = response.status_code
    if status == 503:
        return UNAVAILABLE
    assert status < 500, (status, response.content[:300])
    if status == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    if status == 302 and response["Location"].startswith(reverse("identity:login")):
        return PORTAL_LOGIN
    return {403: FORBIDDEN, 404: HIDDEN}.get(status, OK)


def _users(make_user) -> dict[str, object]:
    return {
        who.name: make_user(who.role, region=who.region, department=who.department) for who in STAFF
    }


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page(name, world, make_user):
    method, rule = PAGES[name]
    pattern = dict(_url_patterns())[name]
    url = reverse(name, kwargs=_kwargs(world, name, pattern))
    if name in ("objections:new", "objections:repair_new"):
        url += f"?record={world['record'].pk}"
    users = _users(make_user)
    seen = {}
    for who in EVERYONE:
        client = Client()
        if who.role is not None:
            client.force_login(users[who.name])
        response = client.get(url) if method == "GET" else client.post(url, {})
        seen[who.name] = (_outcome(response), rule(who))
    wrong = {k: v for k, v in seen.items() if v[0] != v[1]}
    assert not wrong, f"{name} {url}: (got, expected) {wrong}"


# --------------------------------------------------------------------------------------------
# API operations
# --------------------------------------------------------------------------------------------

OPERATIONS = {
    (method.upper(), path): op
    for path, ops in api.get_openapi_schema()["paths"].items()
    for method, op in ops.items()
}

#: (method, path) → (the permission its service asks, whether its object is 天宁区's).
API: dict[tuple[str, str], tuple[Perm | None, bool]] = {
    ("GET", "/api/v1/regions"): (None, False),
    ("GET", "/api/v1/departments"): (None, False),
    ("GET", "/api/v1/accounts/me"): (None, False),
    ("GET", "/api/v1/catalog/items"): (Perm.CATALOG_VIEW, False),
    ("GET", "/api/v1/catalog/items/{code}"): (Perm.CATALOG_VIEW, False),
    ("GET", "/api/v1/catalog/items/{code}/template"): (Perm.CATALOG_TEMPLATE, False),
    ("POST", "/api/v1/subjects/search"): (Perm.SUBJECT_VIEW, False),
    ("GET", "/api/v1/subjects/{identifier}"): (Perm.SUBJECT_VIEW, False),
    ("POST", "/api/v1/ingest/{item}"): (Perm.RECORD_SUBMIT, False),
    ("GET", "/api/v1/ingest/batches/{batch_id}"): (Perm.RECORD_VIEW, True),
    ("GET", "/api/v1/ingest/batches/{batch_id}/feedback"): (Perm.RECORD_VIEW, True),
    ("GET", "/api/v1/sanctions/check"): (Perm.SANCTIONS_CHECK, False),
    ("GET", "/api/v1/sanctions/checks/{number}"): (Perm.SANCTIONS_CHECK, True),
    ("POST", "/api/v1/sanctions/checks/{number}/feedback"): (Perm.SANCTIONS_CHECK, True),
    ("GET", "/api/v1/sanctions/changes"): (Perm.SANCTIONS_CHECK, False),
    ("GET", "/api/v1/sanctions/subscriptions"): (Perm.API_CLIENT_MANAGE, False),
    ("POST", "/api/v1/sanctions/subscriptions"): (Perm.API_CLIENT_MANAGE, False),
    ("DELETE", "/api/v1/sanctions/subscriptions/{sub_id}"): (Perm.API_CLIENT_MANAGE, True),
    ("GET", "/api/v1/sanctions/deliveries"): (Perm.API_CLIENT_MANAGE, False),
    ("POST", "/api/v1/sanctions/deliveries/{delivery_id}/resend"): (Perm.API_CLIENT_MANAGE, True),
    ("GET", "/api/v1/warnings"): (Perm.WARNING_VIEW, False),
    ("POST", "/api/v1/reports"): (Perm.REPORT_REQUEST, False),
    ("GET", "/api/v1/reports/{number}"): (Perm.REPORT_VIEW, True),
    ("GET", "/api/v1/reports/{number}/status"): (Perm.REPORT_VIEW, True),
    ("POST", "/api/v1/integrity/civil-servants/search"): (Perm.INTEGRITY_VIEW, True),
    ("GET", "/api/v1/integrity/government-dishonesty"): (Perm.RECORD_VIEW, False),
    ("GET", "/api/v1/integrity/honour/{kind}"): (Perm.INTEGRITY_VIEW, False),
    ("GET", "/api/v1/commitments/coverage"): (Perm.COMMITMENT_VIEW, False),
    ("GET", "/api/v1/commitments"): (Perm.COMMITMENT_VIEW, False),
    ("POST", "/api/v1/commitments"): (Perm.COMMITMENT_ENTER, False),
    ("POST", "/api/v1/commitments/{number}/breach"): (Perm.COMMITMENT_REVIEW, True),
    ("GET", "/api/v1/assessment/{period}/results"): (Perm.ASSESSMENT_VIEW, False),
    ("GET", "/api/v1/changes"): (Perm.RECORD_VIEW, False),
}


def test_every_operation_is_in_the_matrix():
    missing = set(OPERATIONS) - set(API)
    assert not missing, f"add these operations to the permission matrix: {sorted(missing)}"


def _request(world: dict, method: str, path: str) -> tuple[str, str, bytes]:
    """(path, query, JSON body) of a call naming 天宁区's objects."""
    check = world["check"]
    hit = check.hits[0] if check.hits else None
    values = {
        "code": "admin-penalty",
        "item": "admin-penalty",
        "identifier": world["legal_person"].uscc,
        "batch_id": world["batch"].pk,
        "number": check.number,
        "sub_id": world["subscription"].pk,
        "delivery_id": world["delivery"].pk,
        "kind": "black",
    }
    if path.startswith("/api/v1/reports/"):
        values["number"] = world["report_application"].number
    if path.startswith("/api/v1/commitments/"):
        values["number"] = world["commitment"].number
    values["period"] = world["assessment"].period
    concrete = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    query = f"id={world['legal_person'].uscc}&reason=matrix" if path.endswith("/check") else ""
    bodies = {
        ("POST", "/api/v1/subjects/search"): {"q": world["legal_person"].uscc},
        ("POST", "/api/v1/ingest/{item}"): {"rows": []},
        ("POST", "/api/v1/sanctions/checks/{number}/feedback"): {
            "record": hit["record"] if hit else 1,
            "measure": world["measure"].code,
            "action": "applied",
        },
        ("POST", "/api/v1/sanctions/subscriptions"): {
            "name": "矩阵推送",
            "url": "https://example.org/matrix",
        },
        ("POST", "/api/v1/integrity/civil-servants/search"): {
            "id_number": integrity.id_number_of(world["civil_servant"]),
        },
        ("POST", "/api/v1/commitments"): {
            "subject": world["legal_person"].uscc,
            "item": world["commitment"].item.code,
            "committed_on": world["commitment"].committed_on.isoformat(),
        },
        ("POST", "/api/v1/commitments/{number}/breach"): {"facts": "矩阵：未履行承诺"},
        ("POST", "/api/v1/reports"): {
            "subject": world["legal_person"].uscc,
            "template": "matrix",
            "purpose": "general",
        },
    }
    body = json.dumps(bodies[(method, path)]).encode() if (method, path) in bodies else b""
    return concrete, query, body


def _api_outcome(response) -> str:
    status = response.status_code
    assert status < 500, (status, response.content[:300])
    return {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: HIDDEN}.get(status, OK)


def _staff_expected(who: Who, need: Perm | None, tianning: bool, method: str, path: str) -> str:
    if who.role is None:
        return UNAUTHENTICATED
    if need is not None and not who.has(need):
        return FORBIDDEN
    if tianning and not who.manages_tianning:
        return HIDDEN
    if path.endswith("/feedback") and method == "POST":
        # Feedback is given by whoever checked, or by the checking department.
        return OK if who.department == "TNQ-SCJG" else FORBIDDEN
    if path == "/api/v1/commitments" and method == "POST":
        # A commitment to 天宁区's bureau is recorded by those who manage that bureau.
        return OK if who.manages_tianning else FORBIDDEN
    if path == "/api/v1/reports" and method == "POST":
        # A report is requested for the caller's department; without one, only under a
        # subject's authorisation of the caller's organisation (none here).
        return OK if who.department else FORBIDDEN
    return OK


def _call(client: Client, method: str, path: str, query: str, body: bytes, **headers):
    url = path + (f"?{query}" if query else "")
    return client.generic(
        method, url, body, content_type="application/json", REMOTE_ADDR="127.0.0.1", **headers
    )


@pytest.mark.parametrize(("method", "path"), sorted(API))
def test_operation_for_staff(method, path, world, make_user):
    need, tianning = API[(method, path)]
    users = _users(make_user)
    concrete, query, body = _request(world, method, path)
    seen = {}
    for who in EVERYONE:
        client = Client()
        if who.role is not None:
            client.force_login(users[who.name])
        response = _call(client, method, concrete, query, body)
        seen[who.name] = (
            _api_outcome(response),
            _staff_expected(who, need, tianning, method, path),
        )
    wrong = {k: v for k, v in seen.items() if v[0] != v[1]}
    assert not wrong, f"{method} {path}: (got, expected) {wrong}"


def _signed(client: Client, api_client, secret, method, path, query, body):
    headers = signed_headers(api_client.key, secret, method, path, query, body)
    return _call(client, method, path, query, body, headers=headers)


@pytest.mark.parametrize(("method", "path"), sorted(API))
def test_operation_for_clients(method, path, world):
    """A client of 天宁区's bureau without the operation's scope is refused (403), except on
    the routes open to every client; with the scope, the same rules as staff: 天宁区's
    objects are its own, another client's subscription and deliveries are hidden."""
    relative = path.removeprefix("/api/v1")
    scope = scope_for(method, relative)
    is_open = (method, relative) in OPEN_ROUTES
    concrete, query, body = _request(world, method, path)
    tnq = Department.objects.get(code="TNQ-SCJG")
    without = [code for code in SCOPES if code != scope and SCOPES[code].routes][:1]
    lacking, lacking_secret = gateway.create_client(
        actor=None,
        name="无此权限的系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=tnq,
        ips=["127.0.0.1/32"],
        scopes=without,
    )
    outcome = _api_outcome(
        _signed(Client(), lacking, lacking_secret, method, concrete, query, body)
    )
    assert outcome == (OK if is_open else FORBIDDEN), (method, path, outcome)
    if scope is None:
        return  # open to every client, or the credit office's alone (re-send)
    holder, secret = gateway.create_client(
        actor=None,
        name="有此权限的系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=tnq,
        ips=["127.0.0.1/32"],
        scopes=[scope],
    )
    outcome = _api_outcome(_signed(Client(), holder, secret, method, concrete, query, body))
    owned_by_another_client = path.endswith("{sub_id}") or path.endswith("/resend")
    assert outcome == (HIDDEN if owned_by_another_client else OK), (method, path, outcome)


@pytest.mark.parametrize(("method", "path"), sorted(API))
def test_operation_for_a_third_party(method, path, world):
    """A third party's system with the scope: 天宁区's managed objects are not its own."""
    relative = path.removeprefix("/api/v1")
    scope = scope_for(method, relative)
    if scope is None or SCOPES[scope].department_only:
        return
    concrete, query, body = _request(world, method, path)
    holder, secret = gateway.create_client(
        actor=None,
        name="第三方机构系统",
        kind=ApiClient.Kind.THIRD_PARTY,
        ips=["127.0.0.1/32"],
        scopes=[scope],
    )
    outcome = _api_outcome(_signed(Client(), holder, secret, method, concrete, query, body))
    _, tianning = API[(method, path)]
    if (method, path) == ("POST", "/api/v1/reports"):
        # A third party obtains a report only under the subject's authorisation (none here).
        assert outcome == FORBIDDEN, (method, path, outcome)
        return
    assert outcome == (HIDDEN if tianning else OK), (method, path, outcome)
