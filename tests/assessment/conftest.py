"""Fixtures of the assessment tests. The city rubric of 2026 (``data/rubric.json``) is loaded
once per test database with the catalog (``tests/conftest.py``); builders of the data the
metrics count are in ``factories.py``.

- ``mini_rubric``: a small city rubric of 2025 whose points a test can add up by hand
  (:data:`MINI_RUBRIC`): 1.1 红黑名单报送 (auto, 2 records → 4, 1 → 2), 1.2 接口调用 (auto,
  departments only, 2 calls → 2, 1 → 1), 1.3 工作机制 (manual, 4), 2.1 创新 (bonus, 3), 3.1
  超期未核实异议 (deduction, 0.5 each, at most 2);
- ``users``: one user of each role that matters here, by name.
"""

from __future__ import annotations

import json

import pytest

from credit.accounts.roles import Role

MINI_RUBRIC = {
    "year": 2025,
    "version": 1,
    "name": "2025年度测试考核细则",
    "indicators": [
        {
            "code": "1",
            "name": "基础工作",
            "kind": "section",
            "points": 10,
            "method": "sum",
            "children": [
                {
                    "code": "1.1",
                    "name": "红黑名单报送",
                    "kind": "item",
                    "points": 4,
                    "method": "auto",
                    "metric": "list_reports",
                    "formula": {
                        "type": "thresholds",
                        "steps": [[2, 4], [1, 2]],
                        "when_none": "zero",
                    },
                },
                {
                    "code": "1.2",
                    "name": "接口调用",
                    "kind": "item",
                    "points": 2,
                    "method": "auto",
                    "metric": "interface_calls",
                    "applies_to": "department",
                    "formula": {
                        "type": "thresholds",
                        "steps": [[2, 2], [1, 1]],
                        "when_none": "zero",
                    },
                },
                {
                    "code": "1.3",
                    "name": "工作机制",
                    "kind": "item",
                    "points": 4,
                    "method": "manual",
                    "criteria": "建立工作机制得4分。",
                },
            ],
        },
        {
            "code": "2",
            "name": "创新工作",
            "kind": "section",
            "points": 3,
            "method": "sum",
            "children": [
                {"code": "2.1", "name": "创新", "kind": "bonus", "points": 3, "method": "manual"}
            ],
        },
        {
            "code": "3",
            "name": "扣分项",
            "kind": "section",
            "points": 2,
            "method": "sum",
            "children": [
                {
                    "code": "3.1",
                    "name": "超期未核实异议",
                    "kind": "deduction",
                    "points": 2,
                    "method": "auto",
                    "metric": "overdue_objections",
                    "formula": {"type": "per_count", "each": 0.5},
                }
            ],
        },
    ],
}


@pytest.fixture
def mini_rubric(db, tmp_path):
    from credit.assessment.services.rubrics import import_rubric

    path = tmp_path / "rubric.json"
    path.write_text(json.dumps(MINI_RUBRIC, ensure_ascii=False), encoding="utf-8")
    return import_rubric(path)


@pytest.fixture
def users(make_user):
    """city admin, reviewer, leader, the SCJG officer, the SW officer, 天宁区's and 钟楼区's
    administrators, an officer of 天宁区市场监管局."""
    return {
        "admin": make_user(Role.CITY_ADMIN),
        "reviewer": make_user(Role.CITY_REVIEWER),
        "leader": make_user(Role.LEADER),
        "auditor": make_user(Role.AUDITOR),
        "scjg": make_user(Role.DEPT_OFFICER, department="SCJG"),
        "sw": make_user(Role.DEPT_OFFICER, department="SW"),
        "tianning": make_user(Role.DISTRICT_ADMIN, region="320402"),
        "zhonglou": make_user(Role.DISTRICT_ADMIN, region="320404"),
        "tnq_scjg": make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"),
    }
