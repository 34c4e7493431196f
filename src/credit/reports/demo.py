"""The demo's credit reports (信用报告), made through the real services so that a fresh demo
shows the whole workflow: three templates with two versions each — ``general`` 企业信用报告
（通用版）(issued at once for a department's own procedures), ``procurement`` 政府采购专用版 and
``personal`` 个人信用报告 — and applications in every state: submitted (one overdue),
returned with a reason, reviewed (awaiting the second review), issued (one for a company with a
record under objection, marked; one auto-issued for a department; one for procurement), one
superseded by its corrected re-issue, and a third party's request under a company's
authorisation (授权). The demo staff do the two reviews: ``reviewer`` 初审, ``admin`` 复核;
``scjg`` enters the service hall's applications.

The development signing keys are created first when no signer is configured and none exist.
Idempotent: templates are made when missing; applications only when there is none yet.
:func:`seed_reports` reports each demo number with its extraction code (提取码) and the
verification link of each issued report — the codes are shown only then (only their hashes
are kept).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from credit.accounts.models import User
from credit.catalog.constants import Category
from credit.catalog.models import CatalogItem
from credit.core.identifiers import make_resident_id, make_uscc
from credit.core.models import Department
from credit.objections.constants import OPEN
from credit.objections.models import Objection
from credit.objections.uploads import Upload
from credit.records.models import CreditRecord
from credit.records.publicity import public_q
from credit.reports import services
from credit.reports.constants import LEGAL_FACTS, NATURAL_FACTS, Purpose
from credit.reports.models import Application, Report, ReportTemplate
from credit.subjects.models import LegalPerson

#: A minimal PDF: what the material check accepts (by its content).
_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
#: The department's system that requests reports for its own procedures (信用核查).
DEPARTMENT_CLIENT = ("常州市住房和城乡建设局招投标监管系统", "ZJ")
#: The third party a company authorises, by its organisation's USCC.
THIRD_PARTY = ("常州信诚融资担保有限公司业务系统", "常州信诚融资担保有限公司")
THIRD_PARTY_USCC = make_uscc("91", "320400", "71358264")

#: Fields a report prints of each item, most telling first (文书号, 名称/内容, 日期, 机关);
#: an item's other public fields are left out, and only public fields are ever used.
PREFERRED_FIELDS = (
    "document_no",
    "case_no",
    "license_cert_name",
    "license_content",
    "violation_type",
    "penalty_content",
    "penalty_name",
    "dishonest_situation",
    "obligation",
    "case_nature",
    "main_facts",
    "reason",
    "credit_level",
    "evaluation_year",
    "list_status",
    "decision_date",
    "publish_date",
    "rating_date",
    "start_date",
    "valid_from",
    "valid_to",
    "authority",
    "court",
    "reporting_authority",
)
MAX_FIELDS = 5


def ensure_signing_keys() -> bool:
    """Create the development signing keys when no signer is configured and none exist
    (never in production). Returns whether keys were created."""
    from credit.reports.signing import P12_FILE, init_dev_keys

    configured = (
        settings.CREDIT_REPORT_SIGNER_CLASS
        or settings.CREDIT_REPORT_SIGNER_PKCS11
        or settings.CREDIT_REPORT_SIGNER_PKCS12
    )
    if configured or settings.PRODUCTION:
        return False
    if (Path(settings.CREDIT_REPORT_KEYS_DIR) / P12_FILE).exists():
        return False
    init_dev_keys()
    return True


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def _fields(public: dict[str, str]) -> list[str]:
    chosen = [code for code in PREFERRED_FIELDS if code in public][:MAX_FIELDS]
    return chosen or list(public)[:3]


def _records_section(
    title: str, codes: list[str], usable: dict[str, dict[str, str]]
) -> dict[str, Any] | None:
    items = [{"code": c, "fields": _fields(usable[c])} for c in codes if usable.get(c)]
    return {"kind": "records", "title": title, "items": items} if items else None


def _by_category(usable: dict[str, dict[str, str]], category: str) -> list[str]:
    return list(
        CatalogItem.objects.filter(code__in=usable, category=category)
        .order_by("sort_order", "code")
        .values_list("code", flat=True)
    )


def template_sections(code: str, *, first: bool = False) -> list[dict[str, Any]]:
    """The sections of demo template ``code`` (``first``: its first version, which the second
    changes by one item). A category without any usable item gets no section."""
    subject_type = "natural" if code == "personal" else "legal"
    usable = services.usable_items(subject_type)
    if subject_type == "natural":
        sections = [
            {"kind": "basic", "title": "基本信息", "facts": list(NATURAL_FACTS)},
            _records_section("行政处罚", ["admin-penalty"], usable),
            _records_section("失信被执行人", ["dishonest-judgment-debtor"], usable),
        ]
        if first:  # the first version also listed the tax cases; the second withdraws them
            sections.append(_records_section("重大税收违法", ["major-tax-violation"], usable))
        return [s for s in sections if s]
    black = _by_category(usable, Category.BLACK_LIST)
    red = _by_category(usable, Category.RED_LIST)
    if first and code == "general":  # the second version adds 严重质量失信企业
        black = [c for c in black if c != "quality-dishonest"]
    if not first and code == "procurement":  # the second version withdraws 海关高级认证企业
        red = [c for c in red if c != "customs-aeo"]
    sections = [
        {"kind": "basic", "title": "基本信息", "facts": list(LEGAL_FACTS)},
        _records_section("行政许可", ["admin-license"], usable) if code == "general" else None,
        _records_section("行政处罚", ["admin-penalty"], usable),
        _records_section("红名单", red, usable),
        _records_section("黑名单", black, usable),
        _records_section("重点关注名单", _by_category(usable, Category.ATTENTION_LIST), usable),
    ]
    return [s for s in sections if s]


#: code → (name, subject type, purposes, auto_issue, review_reissue, description, notes of v1, v2)
DEMO_TEMPLATES: dict[str, tuple] = {
    "general": (
        "企业信用报告（通用版）",
        "legal",
        list(Purpose.values),
        True,
        False,
        "适用于各类用途；部门为本部门办理事项核查时即时出具",
        ("初版", "黑名单增加严重质量失信企业"),
    ),
    "procurement": (
        "企业信用报告（政府采购专用版）",
        "legal",
        [Purpose.PROCUREMENT, Purpose.BIDDING],
        False,
        True,
        "政府采购、招标投标资格审查用，不含行政许可",
        ("初版", "红名单撤回海关高级认证企业"),
    ),
    "personal": (
        "个人信用报告",
        "natural",
        [Purpose.GENERAL, Purpose.HONOURS],
        False,
        True,
        "本人申请，用于一般用途和评优评先",
        ("初版", "撤回重大税收违法案件当事人"),
    ),
}


def seed_templates(actor: Any) -> int:
    """Save the missing demo templates, each in two versions; returns how many were made."""
    made = 0
    for code, (
        name,
        subject_type,
        purposes,
        auto,
        reissue,
        description,
        notes,
    ) in DEMO_TEMPLATES.items():
        if ReportTemplate.objects.filter(code=code).exists():
            continue
        common = {
            "actor": actor,
            "name": name,
            "subject_type": subject_type,
            "purposes": purposes,
            "period_months": 36,
            "valid_days": 90,
            "auto_issue": auto,
            "review_reissue": reissue,
            "description": description,
        }
        first = services.save_template(
            code=code, sections=template_sections(code, first=True), note=notes[0], **common
        )
        services.save_template(
            template=first.template, sections=template_sections(code), note=notes[1], **common
        )
        made += 1
    return made


# --------------------------------------------------------------------------------------------
# Applications and reports
# --------------------------------------------------------------------------------------------


def _companies(today: datetime.date, exclude: set[int]) -> list[LegalPerson]:
    """Enterprises (企业, type 91) first, then other legal persons, each with a public penalty
    decided in the last two years (so their reports say something), in a stable order."""
    penalties = (
        CreditRecord.objects.filter(
            public_q(today),
            item__code="admin-penalty",
            legal_person__isnull=False,
            decision_date__gte=today - datetime.timedelta(days=730),
        )
        .filter(~Q(legal_person__uscc=None))
        .exclude(legal_person_id__in=exclude)
    )
    ids: list[int] = []
    for qs in (penalties.filter(legal_person__org_type="91"), penalties):
        found = qs.exclude(legal_person_id__in=ids).order_by("legal_person_id")
        ids += list(found.values_list("legal_person_id", flat=True).distinct()[: 12 - len(ids)])
    order = {pk: n for n, pk in enumerate(ids)}
    return sorted(LegalPerson.objects.filter(pk__in=ids), key=lambda s: order[s.pk])


def _under_objection() -> LegalPerson | None:
    """A company one of whose penalties has an objection being handled."""
    found = (
        Objection.objects.filter(
            status__in=OPEN,
            record__item__code="admin-penalty",
            record__legal_person__isnull=False,
        )
        .filter(~Q(record__legal_person__uscc=None))
        .select_related("record__legal_person")
        .order_by("id")
        .first()
    )
    return found.record.legal_person if found else None


def _client(name: str, **grant: Any):
    from credit.gateway import services as gateway
    from credit.gateway.models import ApiClient

    found = ApiClient.objects.filter(name=name).first()
    if found is not None:
        return found
    client, _ = gateway.create_client(
        actor=None, name=name, ips=["127.0.0.1/32"], contact="演示数据", **grant
    )
    return client


def _agent(company: LegalPerson):
    """The company's real-name agent (经办人), as the identity platform would sign them in:
    with the development identity provider on (``make demo``), its person ``agent`` made the
    agent of ``company``, so that signing in as ``agent`` shows these demo applications."""
    from credit.identity.demo import demo_claims, seed_demo_identities
    from credit.identity.services import sign_in

    if seed_demo_identities(company_uscc=company.uscc):
        claims = demo_claims("agent")
        if claims is not None:
            return sign_in(issuer=settings.CREDIT_OIDC_ISSUER, claims=claims)
    names = settings.CREDIT_OIDC_CLAIMS
    kinds = {kind: value for value, kind in settings.CREDIT_OIDC_KIND_VALUES.items()}
    return sign_in(
        issuer=getattr(settings, "CREDIT_OIDC_ISSUER", "") or "https://idp.demo.invalid",
        claims={
            "sub": f"demo-report-agent-{company.pk}",
            names["kind"]: kinds.get("company", "company"),
            names["name"]: "周经办",
            names["id_number"]: make_resident_id("320402", datetime.date(1986, 3, 12), 17),
            names["uscc"]: company.uscc,
            names["org_name"]: company.name,
        },
    )


class _Made:
    """What the seed made, for its summary."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.applications = 0

    def add(self, application: Application, what: str, code: str = "") -> None:
        application.refresh_from_db()
        self.applications += 1
        code_part = f"  提取码 {code}" if code else ""
        self.lines.append(
            f"  {application.number}{code_part}  {application.get_status_display()}  "
            f"{application.template.name}  {application.subject_name}（{what}）"
        )


def _change_a_shown_penalty(report: Report, actor: Any) -> None:
    """Correct one penalty the report shows through the records services, else revoke it."""
    from credit.catalog.rules import spec_for, validate_payload
    from credit.records import services as records
    from credit.records.constants import RecordStatus

    shown = [
        s.record
        for s in report.shown.filter(record__item__code="admin-penalty").select_related(
            "record__item"
        )
    ]
    for record in shown:
        payload = dict(record.payload)
        payload["penalty_content"] = f"{payload.get('penalty_content') or '警告'}（已更正）"
        if not validate_payload(spec_for(record.item), payload):
            records.correct_record(
                actor=actor, record=record, payload=payload, reason="来源部门更正处罚内容"
            )
            return
    if shown:
        records.change_status(
            actor=actor,
            record=shown[0],
            status=RecordStatus.REVOKED,
            reason="处罚决定经行政复议撤销",
        )


def _licence() -> list[Upload]:
    return [Upload("营业执照.pdf", _PDF, "licence")]


@transaction.atomic
def seed_reports(
    today: datetime.date | None = None, report: Callable[[str], None] = print
) -> dict[str, int]:
    """Make the demo templates and applications (see the module); returns what was made and
    reports the demo numbers, extraction codes and verification links through ``report``."""
    today = today or datetime.date.today()
    admin = User.objects.get(username="admin")
    reviewer = User.objects.get(username="reviewer")
    hall = User.objects.get(username="scjg")
    keys = int(ensure_signing_keys())
    templates = seed_templates(admin)
    if Application.objects.exists():
        return {"templates": templates, "applications": 0, "issued": 0, "keys_created": keys}
    general = ReportTemplate.objects.get(code="general")
    procurement = ReportTemplate.objects.get(code="procurement")
    marked = _under_objection()
    companies = _companies(today, {marked.pk} if marked else set())
    if not companies:
        return {"templates": templates, "applications": 0, "issued": 0, "keys_created": keys}

    def company(n: int) -> LegalPerson:
        return companies[n % len(companies)]

    made = _Made()

    def enter(template, subject, purpose, *, on=None):
        return services.enter_application(
            actor=hall,
            template=template,
            subject=subject,
            purpose=purpose,
            applicant_name=f"{subject.name}经办人",
            uploads=_licence(),
            contact="139****0001",
            today=on,
        )

    # Issued after both reviews, one with a penalty under objection (printed marked).
    application, code = enter(general, marked or company(0), Purpose.BIDDING)
    services.review_materials(actor=reviewer, application=application, passed=True)
    services.approve(actor=admin, application=application)
    made.add(application, "含异议处理中的记录" if marked else "两级审核后出具", code)

    application, code = enter(procurement, company(1), Purpose.PROCUREMENT)
    services.review_materials(actor=reviewer, application=application, passed=True)
    services.approve(actor=admin, application=application)
    made.add(application, "政府采购专用版", code)

    # A department's own procedure: issued at once, without manual review.
    department = _client(
        DEPARTMENT_CLIENT[0],
        kind="department",
        department=Department.objects.get(code=DEPARTMENT_CLIENT[1]),
        scopes=["reports:request"],
    )
    application = services.request_by_api(
        actor=department,
        template=general,
        subject=company(2),
        purpose=Purpose.BIDDING,
        purpose_text="房屋建筑工程施工招标资格审查",
    )
    made.add(application, "部门信用核查，即时出具")

    # Superseded: a penalty it shows is corrected (or, when its stored data cannot pass as a
    # correction — the synthetic data keep some identifiers masked — revoked), and the
    # corrected report follows at once.
    application = services.request_by_api(
        actor=department,
        template=general,
        subject=company(3),
        purpose=Purpose.BIDDING,
        purpose_text="市政工程招标资格审查",
    )
    _change_a_shown_penalty(Report.objects.get(application=application), admin)
    services.follow_changes(today=today)
    made.add(application, "所载信息更正后重出")

    # In the queue: awaiting the second review, returned, submitted, and one overdue.
    application, code = enter(general, company(4), Purpose.FUNDS)
    services.review_materials(actor=reviewer, application=application, passed=True)
    made.add(application, "待复核", code)
    application, code = enter(general, company(5), Purpose.HONOURS)
    services.review_materials(
        actor=reviewer,
        application=application,
        passed=False,
        reason="营业执照复印件不清晰，请上传加盖公章的营业执照扫描件",
    )
    made.add(application, "材料退回", code)
    application, code = enter(procurement, company(6), Purpose.BIDDING)
    made.add(application, "待初审", code)
    submitted_on = today - datetime.timedelta(days=10)
    application, code = enter(general, company(7), Purpose.GENERAL, on=submitted_on)
    # Received ten days ago, as its deadline says (the step log keeps the time it was written:
    # the database refuses to rewrite it).
    received = timezone.make_aware(datetime.datetime.combine(submitted_on, datetime.time(9, 30)))
    Application.objects.filter(pk=application.pk).update(created_at=received)
    made.add(application, "待初审，已超期", code)

    # A third party under the company's authorisation (授权), waiting for the reviews.
    lender = _client(
        THIRD_PARTY[0],
        kind="third_party",
        scopes=["reports:request"],
        org_uscc=THIRD_PARTY_USCC,
    )
    borrower = company(8)
    agent = _agent(borrower)
    services.authorise(
        account=agent,
        subject=borrower,
        grantee_uscc=THIRD_PARTY_USCC,
        grantee_name=THIRD_PARTY[1],
        purpose=Purpose.FINANCING,
        valid_from=today,
        valid_to=today + datetime.timedelta(days=180),
        today=today,
    )
    application = services.request_by_api(
        actor=lender, template=general, subject=borrower, purpose=Purpose.FINANCING
    )
    made.add(application, "第三方经授权请求")

    # The agent's own online application, issued: signed in as the demo person ``agent`` it
    # shows in 我的 with its download.
    application, code = services.apply_online(
        account=agent,
        template=general,
        subject=borrower,
        purpose=Purpose.FINANCING,
        purpose_text="流动资金贷款",
        uploads=_licence(),
    )
    services.review_materials(actor=reviewer, application=application, passed=True)
    services.approve(actor=admin, application=application)
    made.add(application, "企业经办人网上申请（实名登录 agent 可见）", code)

    issued = Report.objects.filter(application__in=Application.objects.all()).order_by("id")
    report("信用报告演示数据（报告编号、提取码只在此显示一次；门户“报告下载”凭二者下载）：")
    for line in made.lines:
        report(line)
    report("已出具报告的核验地址（报告二维码的内容）：")
    for r in issued.defer("pdf", "snapshot"):
        link = services.verify_path(r.number, r.verify_code)
        report(f"  {r.number}（{r.get_status_display()}）{link}")
    return {
        "templates": templates,
        "applications": made.applications,
        "issued": issued.count(),
        "keys_created": keys,
    }
