"""Every list page, staff and public, says why it is empty when it has nothing to show: a
Chinese sentence (what is missing, and where it helps, what to do), never a bare table header
nor a lone "暂无".

The pages are opened on a database that holds only the city configuration and the catalog;
a list that always holds something (the catalog, the users — the one signed in) is opened
with a filter that matches nothing.
"""

from __future__ import annotations

import html
import re

import pytest

from credit.accounts.roles import Role

pytestmark = pytest.mark.django_db

#: (url, who opens it: a role, or None for the public).
LISTS: list[tuple[str, str | None]] = [
    # Data collection
    ("/ingest/batches/", Role.CITY_ADMIN),
    ("/ingest/quality/", Role.CITY_ADMIN),
    # Joint reward and punishment
    ("/sanctions/lists/", Role.CITY_ADMIN),
    ("/sanctions/measures/", Role.CITY_ADMIN),
    ("/sanctions/checks/", Role.CITY_ADMIN),
    ("/sanctions/push/subscriptions/", Role.CITY_ADMIN),
    ("/sanctions/push/deliveries/", Role.CITY_ADMIN),
    # API clients and calls
    ("/gateway/clients/", Role.CITY_ADMIN),
    ("/gateway/calls/?path=/api/v1/none/", Role.CITY_ADMIN),
    ("/gateway/calls/stats/?path=/api/v1/none/", Role.CITY_ADMIN),
    # Objections and repair
    ("/objections/manage/", Role.CITY_ADMIN),
    ("/objections/manage/repairs/", Role.CITY_ADMIN),
    ("/objections/manage/stats/", Role.CITY_ADMIN),
    # Credit reports
    ("/reports/applications/", Role.CITY_ADMIN),
    ("/reports/applications/?q=没有这份报告", Role.DEPT_OFFICER),
    ("/reports/templates/", Role.CITY_ADMIN),
    # Performance assessment
    ("/assessment/", Role.CITY_ADMIN),
    ("/assessment/quality/", Role.CITY_ADMIN),
    ("/assessment/self-check/", Role.DISTRICT_ADMIN),
    ("/assessment/rubrics/?year=2099", Role.CITY_ADMIN),
    # Exchange
    ("/exchange/", Role.CITY_ADMIN),
    ("/exchange/runs/", Role.CITY_ADMIN),
    ("/exchange/partners/", Role.CITY_ADMIN),
    ("/exchange/", Role.DISTRICT_ADMIN),
    # System
    ("/portal/manage/notices/", Role.CITY_ADMIN),
    ("/accounts/users/?q=没有这个人", Role.CITY_ADMIN),
    ("/accounts/users/lockouts/", Role.CITY_ADMIN),
    ("/catalog/?q=没有这个目录项", Role.CITY_ADMIN),
    # The portal
    ("/portal/", None),
    ("/portal/search/?q=没有这家企业", None),
    ("/portal/publicity/license/", None),
    ("/portal/publicity/penalty/", None),
    ("/portal/lists/red_list/", None),
    ("/portal/lists/black_list/", None),
    ("/portal/lists/attention_list/", None),
    ("/portal/notices/", None),
    ("/portal/notices/?kind=news", None),
    ("/portal/notices/?kind=policy", None),
    ("/portal/assessment/", None),
]

_TBODY = re.compile(r"<tbody[^>]*>(.*?)</tbody>", re.S)
_ROWS_LIST = re.compile(r'<ul class="rows"[^>]*>(.*?)</ul>', re.S)
_EMPTY_CELL = re.compile(r"<td[^>]*\bcolspan=[^>]*>(.*?)</td>", re.S)
_EMPTY_ITEM = re.compile(r'<li class="muted"[^>]*>(.*?)</li>', re.S)
_EMPTY_BLOCK = re.compile(
    r'<(div|p|section)[^>]*data-testid="(?:search-)?empty"[^>]*>(.*?)</\1>', re.S
)
_TAGS = re.compile(r"<[^>]+>")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())


def empty_messages(page: str) -> tuple[list[str], list[str]]:
    """(the messages a page shows in place of rows, its problems: a table body or a list
    with neither rows nor a message)."""
    messages, problems = [], []
    for body in _TBODY.findall(page):
        rows = body.count("<tr")
        if rows == 0:
            problems.append("a table header without rows or a message")
        elif rows == 1 and (cell := _EMPTY_CELL.search(body)):
            messages.append(_text(cell.group(1)))
    for items in _ROWS_LIST.findall(page):
        if "<li" not in items:
            problems.append("a list without items or a message")
        messages += [_text(m) for m in _EMPTY_ITEM.findall(items)]
    messages += [_text(m[1]) for m in _EMPTY_BLOCK.findall(page)]
    return messages, problems


def is_a_sentence(message: str) -> bool:
    """Chinese, at least six characters of it, ending like a sentence."""
    return len(_HAN.findall(message)) >= 6 and message.rstrip().endswith(("。", "！", "）"))


@pytest.mark.parametrize(("url", "role"), LISTS)
def test_an_empty_list_says_why(client, make_user, url, role):
    if role is not None:
        client.force_login(make_user(role))
    response = client.get(url)
    assert response.status_code == 200, url
    messages, problems = empty_messages(response.content.decode())
    assert not problems, f"{url}: {problems}"
    assert messages, f"{url} shows no message where its rows would be"
    bare = [m for m in messages if not is_a_sentence(m)]
    assert not bare, f"{url} says only {bare}"


@pytest.mark.parametrize(
    ("page", "fine"),
    [
        ("<table><thead><tr><th>名称</th></tr></thead><tbody></tbody></table>", False),
        ('<table><tbody><tr><td colspan="3" class="muted">暂无</td></tr></tbody></table>', False),
        ('<ul class="rows"><li class="muted">暂无</li></ul>', False),
        ('<ul class="rows"></ul>', False),
        (
            '<table><tbody><tr><td colspan="3">没有符合条件的用户，请更换查询条件。</td></tr>'
            "</tbody></table>",
            True,
        ),
        ('<ul class="rows"><li class="muted">暂无行政许可公示信息。</li></ul>', True),
    ],
)
def test_the_check_tells_a_message_from_a_bare_header(page, fine):
    messages, problems = empty_messages(page)
    assert (not problems and bool(messages) and all(map(is_a_sentence, messages))) is fine
