"""News and notices: managed by the credit office (portal.manage) on staff pages, every change
audited; the public reads published ones only."""

from __future__ import annotations

import pytest

from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry
from credit.portal import services
from credit.portal.models import Notice

pytestmark = pytest.mark.django_db

MANAGE = "/portal/manage/notices/"


def _notice(actor, **kw) -> Notice:
    fields = {
        "kind": "news",
        "title": "我市召开社会信用体系建设推进会",
        "body": "第一段。\n\n第二段。",
    }
    return services.create_notice(actor=actor, **{**fields, **kw})


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("city_admin", 200),
        ("city_reviewer", 200),
        ("dept_officer", 403),
        ("district_admin", 403),
        ("auditor", 403),
    ],
)
def test_only_portal_managers_open_the_management_pages(client, make_user, role, status):
    client.force_login(make_user(role))
    assert client.get(MANAGE).status_code == status
    assert client.get(f"{MANAGE}new/").status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, admin_user):
    notice = _notice(admin_user)
    for url in (MANAGE, f"{MANAGE}new/", f"{MANAGE}{notice.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(f"{MANAGE}{notice.pk}/publish/").status_code == 302
    assert not Notice.objects.get(pk=notice.pk).is_published


def test_a_wrong_role_cannot_publish(client, make_user, admin_user):
    notice = _notice(admin_user)
    client.force_login(make_user("dept_officer"))
    assert client.post(f"{MANAGE}{notice.pk}/publish/").status_code == 403
    assert not Notice.objects.get(pk=notice.pk).is_published
    with pytest.raises(PermissionDenied):
        services.publish_notice(actor=make_user("auditor"), notice=notice)


def test_create_edit_publish_and_unpublish_through_the_pages(client, make_user):
    reviewer = make_user("city_reviewer")
    client.force_login(reviewer)
    response = client.post(
        f"{MANAGE}new/",
        {
            "kind": "policy",
            "title": "常州市信用修复办法",
            "body": "第一条 为规范……",
            "source": "市信用办",
        },
    )
    notice = Notice.objects.get(title="常州市信用修复办法")
    assert response.status_code == 302 and not notice.is_published
    assert client.get(f"/portal/notices/{notice.pk}/").status_code == 404  # a draft

    client.post(
        f"{MANAGE}{notice.pk}/edit/",
        {
            "kind": "policy",
            "title": "常州市信用修复管理办法",
            "body": "第一条 为规范信用修复……",
            "source": "市信用办",
        },
    )
    client.post(f"{MANAGE}{notice.pk}/publish/")
    notice.refresh_from_db()
    assert notice.is_published and notice.published_at and notice.title == "常州市信用修复管理办法"
    public = client.get(f"/portal/notices/{notice.pk}/")
    assert public.status_code == 200 and "第一条 为规范信用修复" in public.content.decode()

    client.post(f"{MANAGE}{notice.pk}/unpublish/")
    assert client.get(f"/portal/notices/{notice.pk}/").status_code == 404

    events = list(
        AuditEntry.objects.filter(object_type="portal.notice", object_id=str(notice.pk))
        .order_by("id")
        .values_list("event_type", "actor_id")
    )
    assert events == [
        ("notice.created", reviewer.pk),
        ("notice.updated", reviewer.pk),
        ("notice.published", reviewer.pk),
        ("notice.unpublished", reviewer.pk),
    ]
    updated = AuditEntry.objects.get(event_type="notice.updated", object_id=str(notice.pk))
    assert updated.before["title"] == "常州市信用修复办法"
    assert updated.after["title"] == "常州市信用修复管理办法" and updated.after["body_changed"]


def test_publishing_needs_a_post(client, admin_user):
    notice = _notice(admin_user)
    client.force_login(admin_user)
    assert client.get(f"{MANAGE}{notice.pk}/publish/").status_code == 405


def test_a_notice_needs_a_title_and_a_body(client, admin_user):
    with pytest.raises(ValidationFailed) as err:
        _notice(admin_user, title="  ")
    assert err.value.code == "notice_title_required"
    client.force_login(admin_user)
    response = client.post(f"{MANAGE}new/", {"kind": "news", "title": "标题", "body": ""})
    assert response.status_code == 200 and "form" in response.context
    assert Notice.objects.count() == 0


def test_the_public_reads_published_notices_by_column(client, admin_user):
    news = services.publish_notice(actor=admin_user, notice=_notice(admin_user))
    policy = services.publish_notice(
        actor=admin_user, notice=_notice(admin_user, kind="policy", title="信用信息管理条例")
    )
    draft = _notice(admin_user, kind="notice", title="尚未发布的公告")
    everything = client.get("/portal/notices/")
    assert {n.pk for n in everything.context["page"]} == {news.pk, policy.pk}
    only_policy = client.get("/portal/notices/", {"kind": "policy"})
    assert [n.pk for n in only_policy.context["page"]] == [policy.pk]
    home = client.get("/portal/").content.decode()
    assert news.title in home and policy.title in home and draft.title not in home
    detail = client.get(f"/portal/notices/{news.pk}/").content.decode()
    assert "<p>第一段。</p>" in detail and "<p>第二段。</p>" in detail


def test_a_notice_body_is_text_not_html(client, admin_user):
    notice = services.publish_notice(
        actor=admin_user, notice=_notice(admin_user, body="<script>alert(1)</script>")
    )
    html = client.get(f"/portal/notices/{notice.pk}/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_the_notice_list_is_paginated(client, admin_user, monkeypatch):
    from credit.portal import selectors

    monkeypatch.setattr(selectors.c, "NOTICE_PAGE_SIZE", 2)
    for n in range(3):
        services.publish_notice(actor=admin_user, notice=_notice(admin_user, title=f"新闻{n}"))
    first = client.get("/portal/notices/", {"kind": "news"})
    assert first.context["page"].num_pages == 2 and "page=2" in first.content.decode()
    assert [
        n.title for n in client.get("/portal/notices/", {"kind": "news", "page": 2}).context["page"]
    ] == ["新闻0"]
