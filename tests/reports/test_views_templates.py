"""The template designer: settings and sections as ticks, the buttons that add, move and
remove sections without saving, saving a new version (earlier ones kept, listed with who,
when and why, each readable), the live preview that follows every tick on a demo subject,
enabling and disabling, and who may do what."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from credit.accounts.roles import Role
from credit.core.models import AuditEntry
from credit.reports import html
from credit.reports.models import ReportTemplate, TemplateVersion
from tests.reports.factories import make_template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_demo_subject():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def penalised(legal_person):
    """The demo subject: the legal person with the most records (two penalties)."""
    from tests.records.factories import penalty

    penalty(legal_person, "SCJG", "常市监罚〔2026〕701号")
    penalty(legal_person, "SCJG", "常市监罚〔2026〕702号")
    return legal_person


def designer_form(penalty_fields=("document_no", "penalty_content"), **changes) -> dict:
    """The designer's form as a browser posts it: 基本信息 and 行政处罚 (``penalty_fields``)."""
    data = {
        "subject_type": "legal",
        "code": "t-designer",
        "name": "企业信用报告（招投标）",
        "purposes": ["general", "bidding"],
        "period_months": "36",
        "valid_days": "90",
        "review_reissue": "on",
        "description": "",
        "note": "首版",
        "demo": "",
        "sections": "2",
        "s0-kind": "basic",
        "s0-title": "基本信息",
        "s0-facts": ["uscc", "region"],
        "s1-kind": "records",
        "s1-title": "行政处罚",
        "s1-items": ["admin-penalty"],
        "s1-f-admin-penalty": list(penalty_fields),
    }
    data.update(changes)
    return data


def _headers(page: str) -> list[str]:
    return re.findall(r"<th>([^<]+)</th>", page)


def test_the_designer_saves_a_template_as_its_first_version(client, office, penalised):
    client.force_login(office)
    page = client.get("/reports/templates/new/").content.decode()
    assert 'hx-post="/reports/templates/preview/"' in page and 'hx-trigger="change"' in page
    assert 'name="s0-facts" value="uscc" checked' in page  # 基本信息 starts with every fact
    response = client.post("/reports/templates/new/", designer_form(op="save"))
    assert response.status_code == 302
    template = ReportTemplate.objects.get(code="t-designer")
    assert response["Location"] == f"/reports/templates/{template.pk}/"
    version = template.current
    assert version.version == 1 and version.note == "首版" and version.created_by == office
    assert version.sections == [
        {"kind": "basic", "title": "基本信息", "facts": ["uscc", "region"]},
        {
            "kind": "records",
            "title": "行政处罚",
            "items": [{"code": "admin-penalty", "fields": ["document_no", "penalty_content"]}],
        },
    ]
    assert template.purposes == ["bidding", "general"] and template.review_reissue
    assert AuditEntry.objects.filter(event_type="report_template.saved").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "已保存“企业信用报告（招投标）”第1版" in page


def test_saving_again_makes_a_new_version_and_the_history_lists_both(client, office, penalised):
    template = make_template(office, code="t-history")
    client.force_login(office)
    form = designer_form(("document_no",), op="save", note="只列决定书文号", name=template.name)
    del form["code"]
    assert client.post(f"/reports/templates/{template.pk}/", form).status_code == 302
    template.refresh_from_db()
    assert template.current.version == 2
    first = TemplateVersion.objects.get(template=template, version=1)
    assert len(first.sections[1]["items"][0]["fields"]) == 4  # as it was
    page = client.get(f"/reports/templates/{template.pk}/").content.decode()
    history = page[page.index('data-testid="versions"') :]
    assert "第2版" in history and "第1版" in history and "只列决定书文号" in history
    assert str(office) in history
    old = client.get(f"/reports/templates/{template.pk}/versions/1/").content.decode()
    assert "行政相对人名称、行政相对人类别" in old  # the first version's four fields
    assert "当前版本" not in old
    assert client.get(f"/reports/templates/{template.pk}/versions/9/").status_code == 404


def test_the_preview_follows_each_tick(client, office, penalised):
    client.force_login(office)
    both = client.post("/reports/templates/preview/", designer_form()).content.decode()
    assert "常州市测试机械制造有限公司" in both  # the demo subject: the most records
    assert "常市监罚〔2026〕701号" in both and "常市监罚〔2026〕702号" in both
    assert {"行政处罚决定书文号", "处罚内容"} <= set(_headers(both))
    assert "一、基本信息" in both and "二、行政处罚" in both and "一、一、" not in both
    one = client.post(
        "/reports/templates/preview/", designer_form(("document_no",))
    ).content.decode()
    assert "行政处罚决定书文号" in _headers(one) and "处罚内容" not in _headers(one)
    # Unticking the item leaves the section empty; unticking a fact drops its line.
    none = designer_form(**{"s1-items": [], "s0-facts": ["uscc"]})
    empty = client.post("/reports/templates/preview/", none).content.decode()
    assert "常市监罚〔2026〕701号" not in empty and "暂无记录" in empty
    assert "所属区划" not in empty and "统一社会信用代码" in empty
    assert "至少选择一个目录项" in empty  # what would stop the save, listed


def test_the_preview_shows_the_problems_a_save_would_meet_and_never_errs(client, office):
    client.force_login(office)
    twice = designer_form(
        sections="3",
        **{"s2-kind": "records", "s2-title": "行政处罚", "s2-items": ["admin-penalty"],
           "s2-f-admin-penalty": ["document_no"]},
    )  # fmt: skip
    page = client.post("/reports/templates/preview/", twice).content.decode()
    assert 'data-testid="problems"' in page and "重复" in page
    junk = {"subject_type": "x", "sections": "99999", "s0-kind": "records", "s0-items": ["nope"]}
    assert client.post("/reports/templates/preview/", junk).status_code == 200
    assert client.get("/reports/templates/preview/").status_code == 405


def test_a_refused_save_keeps_the_form_and_says_why(client, office, penalised):
    client.force_login(office)
    form = designer_form(op="save", **{"s1-f-admin-penalty": []})
    response = client.post("/reports/templates/new/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "至少选择一个字段" in page and 'value="企业信用报告（招投标）"' in page
    assert not ReportTemplate.objects.filter(code="t-designer").exists()
    taken = make_template(office, code="t-taken")
    response = client.post("/reports/templates/new/", designer_form(op="save", code=taken.code))
    assert response.status_code == 400 and "已被使用" in response.content.decode()


def test_the_buttons_add_move_and_remove_sections_without_saving(client, office, penalised):
    client.force_login(office)
    added = client.post("/reports/templates/new/", designer_form(op="add_records")).content.decode()
    assert 'name="sections" value="3"' in added and 'value="新章节3"' in added
    moved = client.post("/reports/templates/new/", designer_form(op="up-1")).content.decode()
    assert moved.index('name="s0-title" value="行政处罚"') < moved.index(
        'name="s1-title" value="基本信息"'
    )
    # The preview of the page follows the new order.
    preview = moved[moved.index('id="preview"') :]
    assert preview.index("行政处罚") < preview.index("基本信息")
    removed = client.post("/reports/templates/new/", designer_form(op="remove-0")).content.decode()
    assert 'name="sections" value="1"' in removed and 'name="s0-kind" value="records"' in removed
    # Settings typed so far survive a button; nothing was saved.
    assert 'value="企业信用报告（招投标）"' in removed
    assert not ReportTemplate.objects.exists() and not TemplateVersion.objects.exists()


def test_an_item_in_one_section_is_not_offered_in_another(client, office, penalised):
    client.force_login(office)
    page = client.post("/reports/templates/new/", designer_form(op="add_records")).content.decode()
    third = page[page.index('name="s2-kind"') :]
    assert 'value="admin-penalty" disabled' in third and "（已在第2章）" in third


def test_a_viewer_reads_the_designer_but_cannot_change_a_template(client, make_user, office):
    template = make_template(office, code="t-read")
    auditor = make_user(Role.AUDITOR)
    client.force_login(auditor)
    page = client.get(f"/reports/templates/{template.pk}/").content.decode()
    assert 'data-testid="read-only"' in page and '<fieldset class="plain" disabled>' in page
    assert (
        client.post(f"/reports/templates/{template.pk}/", designer_form(op="save")).status_code
        == 403
    )
    assert client.get("/reports/templates/new/").status_code == 403
    assert client.post(f"/reports/templates/{template.pk}/disable/").status_code == 403
    assert ReportTemplate.objects.get(pk=template.pk).current.version == 1


@pytest.mark.parametrize("role", [None, Role.LEADER])
def test_the_public_and_a_leader_are_refused(client, make_user, office, role):
    template = make_template(office, code="t-refused")
    if role is not None:
        client.force_login(make_user(role))
    for url in ("/reports/templates/", f"/reports/templates/{template.pk}/"):
        assert client.get(url).status_code == (302 if role is None else 403)
    assert client.post("/reports/templates/preview/", {}).status_code == (
        302 if role is None else 403
    )


def test_disabling_and_enabling_a_template(client, office):
    template = make_template(office, code="t-toggle")
    client.force_login(office)
    response = client.post(f"/reports/templates/{template.pk}/disable/")
    assert response.status_code == 302 and response["Location"] == "/reports/templates/"
    assert not ReportTemplate.objects.get(pk=template.pk).is_active
    listed = client.get("/reports/templates/?state=inactive").content.decode()
    assert template.name in listed and "停用" in listed
    assert template.name not in client.get("/reports/templates/?state=active").content.decode()
    client.post(f"/reports/templates/{template.pk}/enable/")
    assert ReportTemplate.objects.get(pk=template.pk).is_active
    events = AuditEntry.objects.filter(event_type__startswith="report_template.")
    assert {"report_template.disabled", "report_template.enabled"} <= set(
        events.values_list("event_type", flat=True)
    )


def test_the_list_exports_the_templates_and_says_when_there_are_none(client, office):
    client.force_login(office)
    assert (
        "还没有报告模板，请点击“新建企业报告模板”开始设计。"
        in client.get("/reports/templates/").content.decode()
    )
    make_template(office, code="t-export")
    response = client.get("/reports/templates/export.xlsx")
    from tests.conftest import response_text

    assert "t-export" in response_text(response) and "企业" in response_text(response)


def test_the_html_rendering_marks_records_under_objection_and_empty_sections(sample_content):
    content = sample_content(rows=3)
    out = html.render_html(content)
    assert out.count('data-testid="objection-mark"') == 1  # the second row only
    assert "一、基本信息" in out and "二、行政许可" in out and "暂无记录" in out
    assert "常州市天宁区示例科技有限公司" in out
    assert 'data-testid="preview-stamp"' not in out
    assert 'data-testid="preview-stamp"' in html.render_html(sample_content(preview=True))
