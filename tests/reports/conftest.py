"""Fixtures of the report tests: the credit office's two reviewers, signing keys in a temporary
folder (never the real ``var/``) and a sample report content long enough for several pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit.reports.content import ReportContent, ReportSection

VERIFY_URL = "http://testserver/portal/reports/verify/CZXY-2025-000123?c=K7M2Q9"


@pytest.fixture
def office(make_user):
    """A reviewer of the credit office (初审)."""
    from credit.accounts.roles import Role

    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def second(make_user):
    """Another person of the credit office, the city administrator (复核)."""
    from credit.accounts.roles import Role

    return make_user(Role.CITY_ADMIN)


@pytest.fixture(autouse=True)
def _report_files_in_tmp(settings, tmp_path_factory):
    """Every report test keeps keys and the generated seal in a temporary folder with no keys
    yet; the configured signer and seal image are cleared."""
    folder = tmp_path_factory.mktemp("report-files") / "keys"
    settings.CREDIT_REPORT_KEYS_DIR = folder
    settings.CREDIT_REPORT_TRUST_ROOTS = [str(folder / "ca.pem")]
    settings.CREDIT_REPORT_SIGNER_CLASS = ""
    settings.CREDIT_REPORT_SIGNER_PKCS11 = None
    settings.CREDIT_REPORT_SIGNER_PKCS12 = ""
    settings.CREDIT_REPORT_SEAL_IMAGE = ""
    return folder


@pytest.fixture(scope="session")
def _dev_keys_once(tmp_path_factory) -> Path:
    """One set of development keys for the session (RSA key generation takes a second)."""
    from credit.reports.signing import init_dev_keys

    return init_dev_keys(tmp_path_factory.mktemp("report-keys") / "keys").directory


@pytest.fixture
def signing_keys(settings, _dev_keys_once):
    """Development keys in a temporary folder, used by the signer and trusted by verification.
    Returns the folder (ca.pem, signer.p12, password)."""
    settings.CREDIT_REPORT_KEYS_DIR = _dev_keys_once
    settings.CREDIT_REPORT_TRUST_ROOTS = [str(_dev_keys_once / "ca.pem")]
    return _dev_keys_once


def sample_content(*, rows: int = 60, preview: bool = False, **changes) -> ReportContent:
    """A company report: 基本信息 (facts), 行政许可 (empty) and 行政处罚 with ``rows`` records
    (the second under objection) — 60 rows fill three or more pages."""
    penalties = tuple(
        (
            f"常市监处罚〔2024〕{1000 + i}号",
            "违反《中华人民共和国产品质量法》第四十九条，生产、销售不符合保障人体健康和人身、"
            "财产安全的国家标准、行业标准的产品" + ("，情节较重" if i % 3 == 0 else ""),
            "罚款人民币" + f"{(i + 1) * 1000:,}" + "元，没收违法所得",
            "常州市市场监督管理局",
            f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
        )
        for i in range(rows)
    )
    values = {
        "number": "CZXY-2025-000123",
        "title": "企业信用报告",
        "subject_name": "常州市天宁区示例科技有限公司",
        "subject_code": "91320402MA1XXXXX0X",
        "subject_kind": "legal",
        "purpose": "政府采购",
        "template": "通用版（第3版）",
        "issuer": "常州市公共信用信息中心",
        "issued_on": "2025-03-01",
        "valid_until": "2025-05-30",
        "period_from": "2022-03-01",
        "period_to": "2025-03-01",
        "sources": ("常州市市场监督管理局", "常州市税务局", "常州市中级人民法院"),
        "sections": (
            ReportSection(
                number=1,
                title="基本信息",
                facts=(
                    ("统一社会信用代码", "91320402MA1XXXXX0X"),
                    ("主体类型", "有限责任公司"),
                    ("法定代表人", "张三"),
                    ("住所", "江苏省常州市天宁区青洋北路1号"),
                ),
            ),
            ReportSection(
                number=2,
                title="行政许可",
                items=("admin-license",),
                columns=("许可文书号", "许可内容"),
            ),
            ReportSection(
                number=3,
                title="行政处罚",
                items=("admin-penalty",),
                columns=(
                    "行政处罚决定书文号",
                    "违法行为类型",
                    "处罚内容",
                    "处罚机关",
                    "处罚决定日期",
                ),
                rows=penalties,
                marks=tuple(i == 1 for i in range(rows)),
            ),
        ),
        "verify_url": "" if preview else VERIFY_URL,
        "watermark": "信用常州 仅供政府采购使用",
        "notes": ("本报告内容以出具日期时平台归集的信息为准。",),
        "preview": preview,
    }
    values.update(changes)
    return ReportContent(**values)


@pytest.fixture(name="sample_content")
def sample_content_fixture():
    """The :func:`sample_content` builder (call it, with changes as keyword arguments)."""
    return sample_content
