"""Pages of long lists whose total is counted only up to a cap (the portal's lists, the
dashboards' drill-down lists).

An exact ``COUNT(*)`` over hundreds of thousands of matches costs more than the page itself;
a list counts at most ``cap + 1`` rows (``SELECT count(*) FROM (… LIMIT cap + 1)``), shows
"1000+" beyond the cap and lets the reader page only that far — a narrower query finds the
rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

#: The public's lists (the portal's publicity columns and every app's portal column): page
#: size, how many rows are counted at most (beyond it "1000+": narrow the filters, or export),
#: and how many rows a public export holds at most (well below the staff pages'
#: ``credit.core.http.EXPORT_LIMIT``: the public may download without logging in).
PUBLIC_PAGE_SIZE = 20
PUBLIC_COUNT_CAP = 1000
PUBLIC_EXPORT_LIMIT = 10_000


@dataclass
class CappedPage:
    """One page of rows, with the attributes the templates' pager reads."""

    object_list: Sequence[Any]
    number: int
    per_page: int
    count: int  # rows counted, at most ``cap``
    more: bool  # there are more than ``cap``

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def total_label(self) -> str:
        return f"{self.count}+" if self.more else str(self.count)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def page_number(raw: Any) -> int:
    """The requested page number; anything unreadable is page 1."""
    try:
        return max(1, int(str(raw or "1")[:6]))
    except ValueError:
        return 1


def page_within(raw: Any, count: int, per_page: int) -> int:
    """The requested page number, past the last page of ``count`` rows the last one."""
    return min(page_number(raw), max(1, -(-count // per_page)))


def capped_page(queryset: QuerySet, raw_page: Any, *, per_page: int, cap: int) -> CappedPage:
    """The page ``raw_page`` of the ordered ``queryset``, counting at most ``cap`` rows; a page
    past the last one gives the last one. Two queries (the capped count and the page), or one
    when the first page holds every row."""
    number = page_number(raw_page)
    if number == 1:
        first = list(queryset[: per_page + 1])
        if len(first) <= per_page:
            return CappedPage(first, 1, per_page, len(first), False)
    counted = queryset.order_by()[: cap + 1].count()
    more = counted > cap
    count = min(counted, cap)
    if number == 1:
        return CappedPage(first[:per_page], 1, per_page, count, more)
    number = page_within(number, count, per_page)
    start = (number - 1) * per_page
    rows = list(queryset[start : min(start + per_page, count)]) if count else []
    return CappedPage(rows, number, per_page, count, more)
