"""A department's own data-quality page (issue 14 item 10): its officers reach it from the
home page (the ranking stays the reviewers'), see only their own department, and find their
problems ranked by the rejected rows they cost, with what to do about each (kept as data
beside the error taxonomy) and an example row."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from credit.accounts.roles import Role
from credit.ingest.models import Batch, BatchRow
from credit.ingest.quality import problems
from credit.ingest.taxonomy import OTHER_PROBLEM, PROBLEMS, how_to_fix, problem_label
from tests.ingest.test_pipeline import _csv, _row

pytestmark = pytest.mark.django_db


def _ingest(tmp_path, rows, department="SCJG", name="p.csv") -> Batch:
    call_command(
        "ingest",
        str(_csv(tmp_path / name, rows)),
        "--item",
        "admin-penalty",
        "--department",
        department,
    )
    return Batch.objects.latest("id")


@pytest.fixture
def scjg_batches(tmp_path, capsys):
    """Two batches of 市场监管局: three rows with a wrong code, two without 处罚内容 (one of
    them also with a wrong code), one good row; and a batch of 税务局."""
    first = _ingest(
        tmp_path,
        [
            _row(8101, **{"处罚类别": "罚金"}),
            _row(8102, **{"处罚类别": "罚金", "处罚内容": ""}),
            _row(8103),
        ],
        name="a.csv",
    )
    second = _ingest(
        tmp_path, [_row(8104, **{"处罚类别": "罚金"}), _row(8105, **{"处罚内容": ""})], name="b.csv"
    )
    other = _ingest(tmp_path, [_row(8106, **{"处罚类别": "罚金"})], "SW", name="c.csv")
    return first, second, other


def test_problems_are_ranked_by_the_rejected_rows_they_cost(scjg_batches):
    first, second, _ = scjg_batches
    ranked = problems(Batch.objects.filter(pk__in=[first.pk, second.pk]))
    assert [(p["code"], p["rows"]) for p in ranked] == [("code_invalid", 3), ("required", 2)]
    top, _ = ranked
    assert top["label"] == "取值不在代码表中" and top["fix"] == how_to_fix("code_invalid")
    assert top["share"] == 0.6 and top["of_top"] == 1.0  # 3 of the 5 rows received
    assert top["class_label"] == "单数据源·记录级"
    example = BatchRow.objects.get(pk=top["example"]["id"])
    assert example.batch_id == second.pk  # the newest batch that had it
    assert example.status == "rejected" and "code_invalid" in {e["code"] for e in example.errors}
    assert problems(Batch.objects.none()) == []


def test_an_officer_sees_its_own_quality_page_with_problems_fixes_and_examples(
    client, make_user, scjg_batches
):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    response = client.get("/ingest/quality/SCJG/")
    assert response.status_code == 200
    page = response.content.decode()
    table = re.search(r'data-testid="problems">(.*?)</table>', page, re.S).group(1)
    codes = re.findall(r'<tr data-code="([a-z_]+)">', table)
    assert codes == ["code_invalid", "required"]
    assert how_to_fix("code_invalid") in table and how_to_fix("required") in table
    assert "取值不在代码表中" in table and "必填项为空" in table
    example = response.context["problems"][0]["example"]
    link = f'href="/ingest/batches/{example["batch_id"]}/?code=code_invalid#row-{example["id"]}"'
    assert link in table
    # the example row is where the link leads, kept to its error code
    shown = client.get(f"/ingest/batches/{example['batch_id']}/?code=code_invalid")
    assert f'<tr id="row-{example["id"]}">' in shown.content.decode()


def test_an_officer_cannot_see_another_departments_page_nor_the_ranking(
    client, make_user, scjg_batches
):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    assert client.get("/ingest/quality/SW/").status_code == 404
    assert client.get("/ingest/quality/NOPE/").status_code == 404
    assert client.get("/ingest/quality/").status_code == 403
    client.force_login(make_user(Role.DEPT_OFFICER, department="SW"))
    page = client.get("/ingest/quality/SW/")
    assert [p["rows"] for p in page.context["problems"]] == [1]  # its own batch only


def test_a_department_without_problems_or_batches_is_told_so(client, make_user, tmp_path, capsys):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    body = client.get("/ingest/quality/SCJG/").content.decode()
    assert "统计期内没有已完成的报送批次，报送后这里会列出" in body
    _ingest(tmp_path, [_row(8201)])
    body = client.get("/ingest/quality/SCJG/").content.decode()
    assert "统计期内没有被退回的行" in body


def test_the_home_page_leads_an_officer_to_its_own_quality_page(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"))
    page = client.get("/").content.decode()
    assert 'href="/ingest/quality/TNQ-SCJG/"' in page and "本部门数据质量" in page
    assert 'href="/ingest/quality/"' not in page
    for role in (Role.CITY_REVIEWER, Role.DISTRICT_ADMIN):
        client.force_login(make_user(role))
        page = client.get("/").content.decode()
        assert 'href="/ingest/quality/"' in page and "本部门数据质量" not in page
    client.force_login(make_user(Role.AUDITOR))  # city-wide, no department of its own
    assert "/ingest/quality/" not in client.get("/").content.decode()


def test_the_ranking_names_the_problems_in_chinese(client, make_user, scjg_batches):
    client.force_login(make_user(Role.CITY_REVIEWER))
    page = client.get("/ingest/quality/").content.decode()
    assert "取值不在代码表中（3 行）" in page  # 市场监管局: two rows, then one more
    assert "取值不在代码表中（1 行）" in page  # 税务局
    assert '<code class="muted">code_invalid</code>' in page


def test_every_frequent_error_code_has_a_chinese_name_and_a_fix():
    frequent = {
        "required", "conditionally_required", "must_be_empty", "too_long", "date_invalid",
        "date_in_future", "date_order", "number_invalid", "code_invalid", "invalid_characters",
        "duplicate_in_batch", "subject_mismatch", "identifier_conflict", "uscc_checksum",
        "uscc_length", "id_checksum", "id_length", "id_birth_date", "org_code_checksum",
    }  # fmt: skip
    assert frequent <= set(PROBLEMS)
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for code, (label, fix) in PROBLEMS.items():
        assert cjk.search(label) and cjk.search(fix), code
        assert code not in label and code not in fix  # words for people, not codes
    assert (problem_label("who_knows"), how_to_fix("who_knows")) == OTHER_PROBLEM
