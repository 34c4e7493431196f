"""Builders shared by the catalog tests: valid 行政处罚 payloads and throw-away catalog items."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import credit.catalog
from credit.core.identifiers import make_resident_id, make_uscc

BUNDLED_PATH = Path(credit.catalog.__file__).resolve().parent / "data" / "catalog.json"
BUNDLED: dict = json.loads(BUNDLED_PATH.read_text(encoding="utf-8"))

#: A fixed "today" for payload validation, so date rules do not depend on the clock.
TODAY = datetime.date(2025, 6, 1)
AUTHORITY_USCC = make_uscc("11", "320400", "01234567")
SUBJECT_USCC = make_uscc("91", "320402", "MA1X2Y3Q")
RESIDENT_ID = make_resident_id("320402", datetime.date(1980, 5, 17), 123)
USCC_PLACEHOLDER = "00000000000000000X"
CONFISCATION = "没收违法所得、没收非法财物的金额(万元)"


def bundled_doc() -> dict:
    """A fresh deep copy of the bundled ``catalog.json``, safe to modify."""
    return copy.deepcopy(BUNDLED)


def _compact(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if v is not None}


def legal_person_payload(**overrides: object) -> dict:
    """A complete, valid 行政处罚 payload of a legal person (法人及非法人组织);
    an override of ``None`` removes the key."""
    payload = {
        "subject_name": "常州市测试机械制造有限公司",
        "subject_category": "法人及非法人组织",
        "uscc": SUBJECT_USCC,
        "legal_rep": "张三",
        "document_no": "常市监处罚〔2025〕12号",
        "violation_type": "未按规定公示年度报告",
        "violation_facts": "当事人未按规定公示2024年度报告。",
        "penalty_basis": "《企业信息公示暂行条例》第十八条",
        "penalty_category": "警告;罚款",
        "penalty_content": "警告，并处罚款人民币壹万伍仟元。",
        "fine_amount": "1.5",
        "decision_date": "2025-03-01",
        "valid_to": "2026-03-01",
        "publicity_end": "2026-03-01",
        "authority": "常州市市场监督管理局",
        "authority_uscc": AUTHORITY_USCC,
        "source_dept": "常州市市场监督管理局",
        "source_dept_uscc": AUTHORITY_USCC,
    }
    payload.update(overrides)
    return _compact(payload)


def natural_person_payload(**overrides: object) -> dict:
    """A complete, valid 行政处罚 payload of a natural person (自然人)."""
    payload = legal_person_payload(
        subject_name="李四",
        subject_category="自然人",
        uscc=None,
        legal_rep=None,
        id_type="居民身份证",
        id_number=RESIDENT_ID,
    )
    payload.update(overrides)
    return _compact(payload)


def minimal_item(code: str = "sample", **overrides: object) -> dict:
    """The smallest valid catalog item document."""
    item = {
        "code": code,
        "name": "样例目录项",
        "category": "other",
        "subject_type": "legal",
        "update_period": "irregular",
        "usage_scope": "public",
        "fields": [
            {"code": "subject_name", "name": "主体名称", "type": "string", "max_length": 50}
        ],
    }
    item.update(overrides)
    return item


def make_items(count: int, *, category: str = "other", prefix: str = "extra") -> list:
    """Save ``count`` extra catalog items (one field each), listed after the bundled ones."""
    from credit.catalog.models import CatalogItem, FieldSpec

    items = CatalogItem.objects.bulk_create(
        CatalogItem(
            code=f"{prefix}-{n:03d}",
            name=f"测试目录项{n:03d}",
            category=category,
            subject_type="legal",
            update_period="irregular",
            usage_scope="public",
            sort_order=900 + n,
        )
        for n in range(count)
    )
    FieldSpec.objects.bulk_create(
        FieldSpec(item=item, position=1, code="subject_name", name="主体名称", data_type="string")
        for item in items
    )
    return items
