"""Code tables and limits of the public portal."""

from __future__ import annotations

from django.db import models

from credit.catalog.constants import LIST_KIND_LABELS
from credit.core import paging


class NoticeKind(models.TextChoices):
    NEWS = "news", "新闻动态"
    POLICY = "policy", "政策法规"
    NOTICE = "notice", "通知公告"


#: The two 双公示 items and the slug of their public list (``/portal/publicity/<slug>/``).
LICENSE_ITEM, PENALTY_ITEM = "admin-license", "admin-penalty"
PUBLICITY_KINDS: dict[str, dict[str, str]] = {
    "license": {
        "item": LICENSE_ITEM,
        "title": "行政许可",
        "category_field": "license_category",
        "category_label": "许可类别",
        "content_field": "license_content",
        "date_label": "许可决定日期",
    },
    "penalty": {
        "item": PENALTY_ITEM,
        "title": "行政处罚",
        "category_field": "penalty_category",
        "category_label": "处罚类别",
        "content_field": "penalty_content",
        "date_label": "处罚决定日期",
    },
}

#: The list kinds of ``/portal/lists/<kind>/`` and their titles.
LIST_KINDS: dict[str, str] = LIST_KIND_LABELS

#: Search: shortest name fragment, longest query, page size, and how many matches are counted
#: at most (beyond it the page says "1000+" and pages stop there).
SEARCH_MIN_CHARS = 2
SEARCH_MAX_CHARS = 50
SEARCH_PAGE_SIZE = 20
SEARCH_COUNT_CAP = 1000

#: Publicity lists: page size, rows counted at most, rows a public export holds at most —
#: the kernel's (``credit.core.paging``), shared with the apps' own portal columns.
LIST_PAGE_SIZE = paging.PUBLIC_PAGE_SIZE
LIST_COUNT_CAP = paging.PUBLIC_COUNT_CAP
PUBLIC_EXPORT_LIMIT = paging.PUBLIC_EXPORT_LIMIT

#: Home page: rows per publicity column and notices per column.
HOME_ROWS = 8
HOME_NOTICES = 6

#: Records shown per section of a subject page (the section says when there are more).
SUBJECT_SECTION_LIMIT = 50

NOTICE_PAGE_SIZE = 20
