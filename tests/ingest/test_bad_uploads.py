"""Bad files through the upload page and the background job, as a department data officer
(报送人员) of SCJG sends them for 行政处罚: every kind of file the platform refuses ends as a
failed batch with its code and a Chinese reason on the batch page, changes nothing in the
library, leaves no stored upload behind and never reaches outside (no file written by a
zip's path, no external entity fetched). A csv whose cells look like spreadsheet formulas is
accepted as text, and the feedback workbook shows those cells as text.

Each bad file carries rows that would change the library if they were read: an update of a
record loaded before it and a new record."""

from __future__ import annotations

import dataclasses
import html
import io
import socket
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from credit.accounts.roles import Role
from credit.core.identifiers import make_uscc
from credit.core.models import Department
from credit.ingest.models import Batch, BatchRow
from credit.records.models import CreditRecord, CreditRecordVersion
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
from tests.ingest.test_pipeline import HEADERS, _row
from tests.ingest.test_readers import cfb
from tests.ingest.test_upload_jobs import _csv_bytes, _job, _post

pytestmark = pytest.mark.django_db

BASE = 7100  # the rows loaded before the bad file: BASE + 1, BASE + 2


# --------------------------------------------------------------------------------------------
# helpers


def _penalty_rows() -> list[list[str]]:
    """What every bad file holds: an update of a loaded record and a new record."""
    return [_row(BASE + 1, **{"处罚内容": "罚款6000元"}), _row(BASE + 3)]


def _state() -> dict:
    """What a bad file must not change: the library and the rows of every batch."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                CreditRecord,
                CreditRecordVersion,
                LegalPerson,
                LegalPersonIdentifier,
                NaturalPerson,
                BatchRow,
            )
        },
        "records": sorted(CreditRecord.objects.values_list("pk", "version", "payload")),
    }


@pytest.fixture
def officer(client, make_user):
    """The data officer of SCJG, logged in."""
    user = make_user(Role.DEPT_OFFICER, department="SCJG")
    client.force_login(user)
    return user


@pytest.fixture
def loaded(client, officer, tmp_path, upload_dir, run_upload_jobs):
    """Two records of SCJG in the library, uploaded through the page."""
    _post(client, "基线.csv", _csv_bytes(tmp_path, [_row(BASE + 1), _row(BASE + 2)]))
    assert run_upload_jobs() == 1
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.inserted) == ("done", 2)
    return batch


@pytest.fixture
def canary():
    """A listening local port nothing should ever connect to: ``(url, connected)``."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)

    def connected() -> bool:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    yield f"http://127.0.0.1:{server.getsockname()[1]}/", connected
    server.close()


def _refused(client, run_upload_jobs, upload_dir, name, data, code, *, item="admin-penalty"):
    """Upload ``data`` as ``name``, run the job; check the batch failed with ``code``, nothing
    changed and the stored file is gone. Returns the batch and its page."""
    before = _state()
    response = _post(client, name, data, item=item)
    assert response.status_code == 302
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.file_name) == ("queued", name)
    stored = _job(batch).args["path"]
    assert run_upload_jobs() == 1

    batch.refresh_from_db()
    assert (batch.status, batch.error_code) == ("failed", code)
    assert batch.error_message  # the precise reason, or the code's standard line
    assert (batch.total, batch.inserted, batch.updated, batch.rejected) == (0, 0, 0, 0)
    assert not batch.rows.exists()
    assert _state() == before
    assert list(upload_dir.iterdir()) == []
    assert not Path(stored).exists() and Path(stored).parent == upload_dir

    page = client.get(response["Location"]).content.decode()
    assert f"文件被拒收：{html.escape(batch.error_message)}（{code}）" in page
    assert "文件被整体拒收，没有逐行结果" in page
    assert "下载反馈" not in page and "hx-get" not in page
    return batch, page


def _zip(members: dict[str, bytes], *, compresslevel: int | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _workbook(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xml(rows: list[list[str]], *, doctype: str = "", facts: str | None = None) -> bytes:
    """The field form of the XML interface; ``facts`` replaces 违法事实 unescaped."""
    records = []
    for row in rows:
        fields = []
        for header, value in zip(HEADERS, row, strict=True):
            text = facts if header == "违法事实" and facts is not None else html.escape(value)
            fields.append(f'<field name="{header}">{text}</field>')
        records.append(f"<record>{''.join(fields)}</record>")
    body = f'<records item="admin-penalty">{"".join(records)}</records>'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{body}\n'.encode()


# --------------------------------------------------------------------------------------------
# the bad files: (upload name, content, expected code, a phrase of the Chinese reason)


def _truncated_xlsx(tmp_path, url):
    data = _workbook(_penalty_rows() * 150)
    return "五月处罚.xlsx", data[: len(data) // 2], "file_truncated", "文件不完整"


def _encrypted_xlsx(tmp_path, url):
    # What Excel writes for a workbook with an opening password: an OLE2 container.
    path = cfb(tmp_path / "加密.xlsx", ["EncryptionInfo", "EncryptedPackage"])
    return "五月处罚.xlsx", path.read_bytes(), "file_encrypted", "请取消密码后重新上传"


def _zip_bomb(tmp_path, url):
    data = _zip(
        {"处罚.csv": _csv_bytes(tmp_path, _penalty_rows()), "zeros.csv": bytes(20 * 1024**2)},
        compresslevel=9,
    )
    assert len(data) < 100 * 1024  # 20 MB of zeros in ~20 KB
    return "五月处罚.zip", data, "zip_bomb", "解压后过大或压缩比异常"


def _xml_external_entity(tmp_path, url):
    doctype = f'<!DOCTYPE records [<!ENTITY xxe SYSTEM "{url}xxe">]>'
    data = _xml(_penalty_rows(), doctype=doctype, facts="&xxe;")
    return "五月处罚.xml", data, "xml_forbidden", "不允许的 DOCTYPE 或实体声明"


def _xml_parameter_entity(tmp_path, url):
    doctype = f'<!DOCTYPE records [<!ENTITY % ext SYSTEM "{url}ext.dtd"> %ext;]>'
    data = _xml(_penalty_rows(), doctype=doctype)
    return "五月处罚.xml", data, "xml_forbidden", "不允许的 DOCTYPE 或实体声明"


def _xml_billion_laughs(tmp_path, url):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10)
    )
    data = _xml(_penalty_rows(), doctype=f"<!DOCTYPE records [{entities}]>", facts="&lol9;")
    return "五月处罚.xml", data, "xml_forbidden", "不允许的 DOCTYPE 或实体声明"


LICENSE_HEADERS = [
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1(统一社会信用代码)",
    "法定代表人",
    "行政许可决定文书名称",
    "行政许可决定文书号",
    "许可类别",
    "许可证书名称",
    "许可编号",
    "许可内容",
    "有效期自",
    "有效期至",
    "许可机关",
    "许可机关统一社会信用代码",
    "当前状态",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "信息使用范围",
]


def _license_row(n: int) -> list[str]:
    dept = Department.objects.get(code="SCJG")
    values = {
        "行政相对人名称": f"常州市测试{n}有限公司",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": make_uscc("91", "320402", f"{n:08d}"),
        "法定代表人": "李四",
        "行政许可决定文书名称": "食品经营许可决定书",
        "行政许可决定文书号": f"常市监许〔2025〕{n}号",
        "许可类别": "普通",
        "许可证书名称": "食品经营许可证",
        "许可编号": f"JY1320402{n:07d}",
        "许可内容": "预包装食品销售",
        "有效期自": "2025-03-05",
        "有效期至": "2030-03-04",
        "许可机关": dept.name,
        "许可机关统一社会信用代码": dept.uscc,
        "当前状态": "有效",
        "数据来源单位": dept.name,
        "数据来源单位统一社会信用代码": dept.uscc,
        "信息使用范围": "社会公开",
    }
    return [values[h] for h in LICENSE_HEADERS]


def _license_csv() -> bytes:
    lines = [LICENSE_HEADERS, _license_row(BASE + 1), _license_row(BASE + 3)]
    return ("\ufeff" + "".join(",".join(cells) + "\r\n" for cells in lines)).encode()


def _wrong_item(tmp_path, url):
    return "五月许可.csv", _license_csv(), "wrong_item", "与目录项“行政处罚”不符"


BAD_FILES = {
    "truncated_xlsx": _truncated_xlsx,
    "encrypted_xlsx": _encrypted_xlsx,
    "zip_bomb": _zip_bomb,
    "xml_external_entity": _xml_external_entity,
    "xml_parameter_entity": _xml_parameter_entity,
    "xml_billion_laughs": _xml_billion_laughs,
    "wrong_item": _wrong_item,
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_reason_and_changes_nothing(
    client, loaded, tmp_path, upload_dir, run_upload_jobs, canary, kind
):
    url, connected = canary
    name, data, code, phrase = BAD_FILES[kind](tmp_path, url)
    batch, page = _refused(client, run_upload_jobs, upload_dir, name, data, code)
    assert phrase in batch.error_message and phrase in page
    assert not connected()  # no external entity or DTD was fetched


def test_the_wrong_item_file_is_a_valid_license_file(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    """The file refused as ``wrong_item`` above is loaded under 行政许可: it was refused for
    its item, not for its content."""
    _post(client, "五月许可.csv", _license_csv(), item="admin-license")
    run_upload_jobs()
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.error_code, batch.total, batch.rejected) == ("done", "", 2, 0)
    records = CreditRecord.objects.filter(pk__in=batch.rows.values("record_id"))
    assert sorted(records.values_list("item__code", flat=True)) == ["admin-license"] * 2


@pytest.mark.parametrize(
    "member",
    [
        "{dots}{target}",  # ../../…/tmp/…/pwned.csv
        "/{target}",  # absolute
        "{backslash_dots}{target_windows}",  # ..\..\…\tmp\…\pwned.csv
        "报送/../../{dots}{target}",  # climbing out of a folder
        "C:\\pwned.csv",  # a Windows drive
    ],
)
def test_a_zip_with_path_traversal_is_refused_and_writes_nothing_outside(
    client, loaded, tmp_path, upload_dir, run_upload_jobs, member
):
    target = tmp_path / "outside" / "pwned.csv"
    target.parent.mkdir()
    relative = str(target).lstrip("/")
    name = member.format(
        dots="../" * 40,
        backslash_dots="..\\" * 40,
        target=relative,
        target_windows=relative.replace("/", "\\"),
    )
    penalty = _csv_bytes(tmp_path, _penalty_rows())
    data = _zip({"处罚.csv": penalty, name: penalty})
    batch, page = _refused(
        client, run_upload_jobs, upload_dir, "五月处罚.zip", data, "zip_path_traversal"
    )
    assert "不安全" in batch.error_message and "不安全" in page
    assert list(target.parent.iterdir()) == []
    assert not (tmp_path / "pwned.csv").exists()
    assert sorted(p.name for p in tmp_path.rglob("pwned*")) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    client, loaded, tmp_path, upload_dir, run_upload_jobs, monkeypatch
):
    """The limit is 2 GB (``Limits.max_file_bytes``). No 2 GB file is written: as in
    test_readers, the limit is lowered (to 1 KB) for the job, and a csv of a few KB of
    valid rows is uploaded."""
    from credit.ingest import pipeline
    from credit.ingest.readers import DEFAULT_LIMITS, GiB, KiB

    assert DEFAULT_LIMITS.max_file_bytes == 2 * GiB
    limits = dataclasses.replace(DEFAULT_LIMITS, max_file_bytes=KiB)
    read = pipeline.iter_tables
    seen = []

    def iter_tables(path, **kwargs):
        seen.append(path)
        return read(path, limits=limits, **kwargs)

    monkeypatch.setattr(pipeline, "iter_tables", iter_tables)
    data = _csv_bytes(tmp_path, _penalty_rows())
    assert len(data) > KiB
    batch, page = _refused(
        client, run_upload_jobs, upload_dir, "五月处罚.csv", data, "file_too_large"
    )
    assert len(seen) == 1  # the job read the file through the lowered limit
    assert "超过上限 1.0 KB，请拆分后分批上传" in batch.error_message
    assert "超过上限 1.0 KB" in page
    assert batch.file_size == len(data)


def test_damage_found_after_the_first_chunk_still_changes_nothing(
    client, loaded, tmp_path, upload_dir, run_upload_jobs
):
    """A zip whose first member holds one chunk of valid rows and more, and whose second
    member is a truncated xlsx: the damage is found only when the second member is read,
    after the first chunk was loaded. The file is refused, so nothing may stay loaded."""
    from credit.ingest.pipeline import CHUNK

    many = [_row(BASE + 10 + n) for n in range(CHUNK + 1)]
    truncated = _workbook(_penalty_rows() * 150)
    data = _zip(
        {
            "1-处罚.csv": _csv_bytes(tmp_path, many),
            "2-处罚.xlsx": truncated[: len(truncated) // 2],
        }
    )
    before = _state()
    _post(client, "五月处罚.zip", data)
    assert run_upload_jobs() == 1
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.error_code) == ("failed", "file_truncated")
    assert list(upload_dir.iterdir()) == []
    # Today: batch.total == inserted == CHUNK, and CHUNK new records stay in the library.
    assert (batch.total, batch.inserted) == (0, 0)
    assert _state() == before


# --------------------------------------------------------------------------------------------
# formula injection

FORMULAS = {
    "违法事实": "=cmd|' /C calc'!A0",
    "处罚内容": "+SUM(1)",
    "违法行为类型": "-1+2",
    "处罚依据": "@x",
}
FIELDS = {
    "违法事实": "violation_facts",
    "处罚内容": "penalty_content",
    "违法行为类型": "violation_type",
    "处罚依据": "penalty_basis",
}


def test_formula_like_cells_are_loaded_as_text_and_escaped_in_the_feedback(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    rows = [
        _row(7201, **FORMULAS),
        _row(7202, **{"违法事实": '=HYPERLINK("http://example.com","点击")'}),
        _row(7203, **{"处罚决定日期": "=TODAY()"}),  # a formula in a date: rejected, shown
    ]
    response = _post(client, "=1+2.csv", _csv_bytes(tmp_path, rows))
    assert run_upload_jobs() == 1
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.total, batch.inserted, batch.rejected) == ("done", 3, 2, 1)
    assert batch.file_name == "=1+2.csv"

    record = CreditRecord.objects.get(
        item__code="admin-penalty", document_no="常市监罚〔2025〕7201号"
    )
    for header, value in FORMULAS.items():
        assert record.payload[FIELDS[header]] == value  # verbatim, as text
    other = CreditRecord.objects.get(
        item__code="admin-penalty", document_no="常市监罚〔2025〕7202号"
    )
    assert other.payload["violation_facts"] == '=HYPERLINK("http://example.com","点击")'

    page = client.get(response["Location"]).content.decode()
    assert "下载反馈（Excel）" in page
    feedback = client.get(f"/ingest/batches/{batch.pk}/feedback.xlsx")
    assert feedback.status_code == 200
    data = b"".join(feedback.streaming_content) if feedback.streaming else feedback.content

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert parts and not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in parts)
    wb = load_workbook(io.BytesIO(data))
    sheet = wb["反馈"]
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]

    titles = [c.value for c in sheet[1]]
    first = dict(zip(titles, sheet[2], strict=True))
    for header, value in FORMULAS.items():
        assert (first[header].value, first[header].data_type) == ("'" + value, "s")
    second = {t: c.value for t, c in zip(titles, sheet[3], strict=True)}
    assert second["违法事实"] == '\'=HYPERLINK("http://example.com","点击")'
    third = {t: c.value for t, c in zip(titles, sheet[4], strict=True)}
    assert (third["处罚决定日期"], third["状态"]) == ("'=TODAY()", "退回")
    assert "date_invalid" in third["错误代码"]
    receipt = {row[0].value: row[1].value for row in wb["回执"].iter_rows()}
    assert receipt["文件"] == "'=1+2.csv" and receipt["总行数"] == 3
