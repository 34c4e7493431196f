"""Fixtures of the report catalogue: datasets registered for the tests (removed after), the
credit office's designer, a folder and a board."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from credit.accounts.roles import Role
from credit.boards import services
from credit.boards.models import Board, Folder
from credit.core.access import Perm, Principal
from credit.dashboard import datasets
from credit.dashboard.datasets import Dataset, Filters, Result

COUNTS = "boards_test_counts"
SECRET = "boards_test_secret"


def _counts(principal: Principal, filters: Filters) -> Result:
    return Result(
        code=COUNTS,
        title="测试计数",
        unit="条",
        columns=[("district", "辖市区"), ("n", "数量")],
        rows=[{"district": "天宁区", "n": 3, "_key": "320402", "_link": None}],
    )


@pytest.fixture
def test_datasets() -> Iterator[dict[str, Dataset]]:
    """Two datasets in the registry: 测试计数 (bar, table) for everyone who views dashboards,
    and one that needs the audit permission as well."""
    added = {
        COUNTS: Dataset(COUNTS, "测试计数", "collection", "测试用的按辖市区计数", "条",
                        ("bar", "table"), _counts),
        SECRET: Dataset(SECRET, "测试审计数", "status", "只有审计员能看的计数", "条",
                        ("table",), _counts, extra_perms=(Perm.AUDIT_VIEW,)),
    }  # fmt: skip
    datasets.catalogue(None)  # the platform's own datasets first
    for d in added.values():
        datasets.register(d)
    yield added
    for code in added:
        datasets.REGISTRY.pop(code, None)


@pytest.fixture
def designer(make_user):
    """A reviewer of the credit office (市信用办审核员: dashboard.design)."""
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def service_account(db):
    """The service account of an API client: signed in on its own, it holds no permission."""
    from credit.gateway import services as gateway
    from credit.gateway.models import ApiClient

    client, _ = gateway.create_client(
        actor=None,
        name="测试系统",
        kind=ApiClient.Kind.THIRD_PARTY,
        ips=["127.0.0.1/32"],
        scopes=[],
    )
    return client.user


@pytest.fixture
def folder(designer) -> Folder:
    return services.add_folder(actor=designer, name="综合分析")


def panel(**changes) -> dict:
    """A valid panel of 测试计数, with ``changes``."""
    return {
        "title": "各区计数",
        "dataset": COUNTS,
        "chart": "bar",
        "options": {"top": 5},
        "filters": {},
        "x": 0,
        "y": 0,
        "w": 6,
        "h": 4,
        **changes,
    }


@pytest.fixture
def board(designer, folder, test_datasets) -> Board:
    """A board of two panels side by side, unpublished."""
    board = services.create_board(actor=designer, folder=folder, title="归集看板")
    data = {
        **services.board_data(board),
        "panels": [
            panel(),
            panel(title="明细", chart="table", options={}, x=6, filters={"region": "320402"}),
        ],
    }
    return services.save_board(actor=designer, board=board, data=data)
