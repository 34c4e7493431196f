"""The city, its districts and departments are data, loaded idempotently and validated."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from credit.core.errors import ValidationFailed
from credit.core.identifiers import is_valid_uscc
from credit.core.models import AuditEntry, Department, Region
from credit.core.selectors import region_for_division_code
from credit.core.services import load_city_config

pytestmark = pytest.mark.django_db

DISTRICTS = {
    "320402": "天宁区",
    "320404": "钟楼区",
    "320411": "新北区",
    "320412": "武进区",
    "320413": "金坛区",
    "320481": "溧阳市",
}
SEED_PROVIDERS = [
    "市场监管局",
    "税务局",
    "法院",
    "统计局",
    "海关",
    "应急局",
    "交通局",
    "生态环境局",
    "公安局",
    "人社局",
    "组织部",
    "纪委监委",
    "住建局",
    "卫健委",
    "文旅局",
    "教育局",
    "司法局",
    "发改委/信用办",
    "金融监管",
    "医保局",
]


def test_changzhou_and_its_six_districts_with_gbt2260_codes():
    city = Region.objects.get(code="320400")
    assert city.name == "常州市" and city.level == "city" and city.parent is None
    districts = {r.code: r.name for r in Region.objects.filter(parent=city)}
    assert districts == DISTRICTS


def test_every_data_provider_named_in_the_seed_is_a_department_with_valid_uscc_and_region():
    short_names = set(Department.objects.values_list("short_name", flat=True))
    assert set(SEED_PROVIDERS) <= short_names
    for dept in Department.objects.all():
        assert is_valid_uscc(dept.uscc), dept
        assert dept.region_id in {"320400", *DISTRICTS}


def test_historic_division_codes_resolve_to_todays_region():
    assert region_for_division_code("320482").code == "320413"  # 金坛市 → 金坛区
    assert region_for_division_code("320421").code == "320412"  # 武进县 → 武进区
    assert region_for_division_code("320402").code == "320402"
    assert region_for_division_code("110101") is None


def test_loading_the_configuration_twice_changes_nothing():
    audits = AuditEntry.objects.count()
    counts = load_city_config()
    assert counts == {
        "regions_created": 0,
        "regions_updated": 0,
        "departments_created": 0,
        "departments_updated": 0,
    }
    assert AuditEntry.objects.count() == audits


def test_a_changed_department_is_updated_and_audited(tmp_path, settings):
    config = json.loads(Path(settings.CREDIT_CITY_CONFIG).read_text(encoding="utf-8"))
    config["departments"][1]["short_name"] = "市监局"
    path = tmp_path / "city.json"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    counts = load_city_config(path)
    assert counts["departments_updated"] == 1
    dept = Department.objects.get(code=config["departments"][1]["code"])
    assert dept.short_name == "市监局"
    entry = AuditEntry.objects.filter(event_type="department.updated").latest("id")
    assert entry.before["short_name"] != "市监局" and entry.after["short_name"] == "市监局"


def test_a_bad_uscc_rejects_the_whole_file_and_writes_nothing(tmp_path, settings):
    config = json.loads(Path(settings.CREDIT_CITY_CONFIG).read_text(encoding="utf-8"))
    config["departments"].append(
        {
            "code": "NEW1",
            "name": "新部门",
            "short_name": "新",
            "uscc": "113204000000000000",
            "region": "320400",
        }
    )
    config["departments"][0]["short_name"] = "改过的名字"
    path = tmp_path / "city.json"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        load_city_config(path)
    assert err.value.code == "department_uscc_invalid"
    assert "新部门" in err.value.message
    assert not Department.objects.filter(code="NEW1").exists()
    assert Department.objects.get(code=config["departments"][0]["code"]).short_name != "改过的名字"


def test_departments_command_lists_code_name_region_as_json(capsys):
    call_command("departments", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == Department.objects.count()
    scjg = next(r for r in rows if r["code"] == "SCJG")
    assert scjg["name"] == "常州市市场监督管理局" and scjg["region"] == "320400"
    call_command("departments", "--region", "320402")
    text = capsys.readouterr().out
    assert "TNQ-SCJG" in text and "SCJG " not in text.replace("TNQ-SCJG", "")
