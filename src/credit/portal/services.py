"""Writes of the portal: news, policy documents and announcements (:class:`Notice`).

Each service checks ``portal.manage`` first (市信用办管理员、审核员), runs in one transaction
and writes its audit entry in it, with the notice before and after the change.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.core import audit
from credit.core.access import Perm, principal_of, require
from credit.core.errors import ValidationFailed
from credit.portal.constants import NoticeKind
from credit.portal.models import Notice

TITLE_MAX = 200
BODY_MAX = 50_000


def _snapshot(notice: Notice) -> dict[str, Any]:
    return {
        "kind": notice.kind,
        "title": notice.title,
        "source": notice.source,
        "body_chars": len(notice.body),
        "is_published": notice.is_published,
        "published_at": notice.published_at.isoformat() if notice.published_at else None,
    }


def _clean(kind: str, title: str, body: str, source: str) -> tuple[str, str, str, str]:
    title, body, source = (title or "").strip(), (body or "").strip(), (source or "").strip()
    if kind not in NoticeKind.values:
        raise ValidationFailed(f"未知的栏目：{kind}", code="notice_kind_unknown")
    if not title:
        raise ValidationFailed("请填写标题", code="notice_title_required")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"标题不能超过{TITLE_MAX}字", code="notice_title_too_long")
    if not body:
        raise ValidationFailed("请填写正文", code="notice_body_required")
    if len(body) > BODY_MAX:
        raise ValidationFailed(f"正文不能超过{BODY_MAX}字", code="notice_body_too_long")
    return kind, title, body, source[:100]


@transaction.atomic
def create_notice(*, actor: Any, kind: str, title: str, body: str, source: str = "") -> Notice:
    """A new notice, as a draft (the public sees it once :func:`publish_notice` is called)."""
    require(actor, Perm.PORTAL_MANAGE)
    kind, title, body, source = _clean(kind, title, body, source)
    notice = Notice.objects.create(
        kind=kind,
        title=title,
        body=body,
        source=source,
        created_by_id=principal_of(actor).user_id,
    )
    audit.record("notice.created", actor=actor, obj=notice, after=_snapshot(notice))
    return notice


@transaction.atomic
def update_notice(
    *, actor: Any, notice: Notice, kind: str, title: str, body: str, source: str = ""
) -> Notice:
    """Change a notice's column, title, body or source (published or not; a published one
    changes on the portal at once)."""
    require(actor, Perm.PORTAL_MANAGE)
    kind, title, body, source = _clean(kind, title, body, source)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    before = _snapshot(notice)
    changed_body = notice.body != body
    notice.kind, notice.title, notice.body, notice.source = kind, title, body, source
    notice.save()
    after = _snapshot(notice)
    if before == after and not changed_body:
        return notice
    audit.record(
        "notice.updated",
        actor=actor,
        obj=notice,
        before=before,
        after={**after, "body_changed": changed_body},
    )
    return notice


@transaction.atomic
def publish_notice(*, actor: Any, notice: Notice) -> Notice:
    """Show the notice on the portal; the first publication stamps ``published_at``."""
    require(actor, Perm.PORTAL_MANAGE)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.is_published:
        return notice
    before = _snapshot(notice)
    notice.is_published = True
    notice.published_at = notice.published_at or timezone.now()
    notice.save(update_fields=["is_published", "published_at", "updated_at"])
    audit.record(
        "notice.published", actor=actor, obj=notice, before=before, after=_snapshot(notice)
    )
    return notice


@transaction.atomic
def unpublish_notice(*, actor: Any, notice: Notice) -> Notice:
    """Withdraw the notice from the portal (kept, and may be published again)."""
    require(actor, Perm.PORTAL_MANAGE)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if not notice.is_published:
        return notice
    before = _snapshot(notice)
    notice.is_published = False
    notice.save(update_fields=["is_published", "updated_at"])
    audit.record(
        "notice.unpublished", actor=actor, obj=notice, before=before, after=_snapshot(notice)
    )
    return notice
