"""The upload flow's pages on a desktop (1366 px) and a phone (390 px): none scrolls sideways —
wide tables scroll inside their own box — and the receipt's way on is visible."""

from __future__ import annotations

import uuid

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, login
from tests.conftest import remove_uploads

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
DOC_PREFIX = f"常市监罚〔2025〕版式{uuid.uuid4().hex[:6]}-"
WIDTHS = [(1366, 768), (390, 844)]


@pytest.fixture(scope="module")
def officer_batch(django_db_setup, django_db_blocker, tmp_path_factory):
    """A committed 市场监管局 officer and a finished batch of theirs with rejected rows and a
    long file name; removed afterwards."""
    from credit.accounts.services import create_user
    from credit.core.models import Department
    from credit.ingest.pipeline import ingest_file
    from tests.ingest.test_pipeline import _csv, _row

    with django_db_blocker.unblock():
        user = create_user(
            actor=None,
            username=f"layout-{uuid.uuid4().hex[:8]}",
            password=PASSWORD,
            role=Role.DEPT_OFFICER,
            department=Department.objects.get(code="SCJG"),
        )
        path = _csv(
            tmp_path_factory.mktemp("layout") / ("很长的文件名" * 12 + ".csv"),
            [
                _row(n, **{"行政处罚决定书文号": f"{DOC_PREFIX}{n}", **bad})
                for n, bad in (
                    (1, {}),
                    (2, {"处罚决定日期": "2025-13-01"}),
                    (3, {"处罚类别": "罚金", "处罚内容": ""}),
                )
            ],
        )
        batch = ingest_file(
            actor=user, path=path, item_code="admin-penalty", department_code="SCJG"
        )
    yield user, batch
    with django_db_blocker.unblock():
        remove_uploads(user, DOC_PREFIX)


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_upload_flow_pages_do_not_scroll_sideways(officer_batch, page, live_url, width, height):
    user, batch = officer_batch
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_url, user)
    for path in (
        "/",
        "/ingest/",
        f"/ingest/?resubmits={batch.pk}",
        "/ingest/batches/",
        f"/ingest/batches/{batch.pk}/",
        "/ingest/quality/SCJG/",
    ):
        page.goto(f"{live_url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} at {width} px scrolls sideways by {overflow} px"
    page.goto(f"{live_url}/ingest/batches/{batch.pk}/")
    assert page.get_by_test_id("rejected-template").is_visible()
    assert page.get_by_test_id("resubmit").is_visible()
