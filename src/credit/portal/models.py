"""News and notices of the public portal (门户网站新闻动态、政策法规、通知公告)."""

from __future__ import annotations

from django.db import models

from credit.core.models import ChangeTracked
from credit.portal.constants import NoticeKind


class Notice(ChangeTracked):
    """A news item, policy document or announcement (公告) shown on the portal.

    Written by the credit office on the management pages through :mod:`credit.portal.services`
    (each change audited). The public sees it only while ``is_published``; ``published_at`` is
    set when it is first published and orders the lists. ``body`` is plain text (paragraphs
    separated by blank lines), never HTML, so nothing typed here can run in a reader's browser.
    """

    kind = models.CharField("栏目", max_length=10, choices=NoticeKind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    source = models.CharField("来源", max_length=100, blank=True)
    is_published = models.BooleanField("已发布", default=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "门户公告"
        verbose_name_plural = "门户新闻和公告"
        indexes = [
            models.Index(
                fields=["kind", "-published_at"],
                name="notice_published",
                condition=models.Q(is_published=True),
            )
        ]

    def __str__(self) -> str:
        return self.title
