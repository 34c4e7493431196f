"""The data-file adapter (数据文件适配器): a partner reached through data files in a folder — on
this machine (``local``), over SFTP (asyncssh), over FTP (stdlib :mod:`ftplib`), or through any
other registered transport (:func:`register_transport`).

``partner.config``::

    {"transport": "local" | "sftp" | "ftp" | …, "host": "…", "port": 22, "user": "…",
     "password": "…", "path": "/data/credit", "format": "xml" | "xlsx" | "txt", "zip": true,
     "message_code": "XZCF", "delimiter": "|", "receipts": false, "receipt_timeout_hours": 24}

The transport checks its own keys (``path``, ``host``, ``port``, ``user`` …); this module the
common ones (:func:`validate_config`). Folders under the partner's base folder:

- ``outbox/`` — files the platform writes (上报). Each :meth:`FilesAdapter.send` writes ONE file
  ``<报文号>_YYYYMMDD_NNNNN.<xml|xlsx|txt>`` (Beijing date; ``NNNNN`` the day's sequence, taken
  from :class:`~credit.exchange.models.OutboundFile` and from the files listed in ``outbox/``),
  as ``<same stem>.zip`` holding it when ``zip`` is true, and records it as an
  :class:`~credit.exchange.models.OutboundFile`. The transport writes it atomically (a hidden
  temporary name renamed), so the partner never reads half a file. XML::

    <报文 报文号="XZCF" 文件名="XZCF_20260513_00001.xml" 生成时间="…" 记录数="2">
      <记录 键="123-1" 变更类型="created" 版本="1">
        <CF_WSH>常市监罚〔2026〕1号</CF_WSH> …
      </记录>
    </报文>

  xlsx (one worksheet) and txt (UTF-8, a header line, fields separated by ``delimiter``, ``|``
  by default, quoted as CSV) hold the columns ``键``, ``变更类型``, ``版本`` then the mapped names.
  ``键`` is the delivery's idempotent key ``<record id>-<version>``: a re-send writes a NEW file
  holding the same keys, and the partner de-duplicates on ``键`` (keeps the last).
- ``outbox_receipts/`` — with ``"receipts": true`` the partner answers each file ``<stem>`` with
  ``<stem>.receipt.<xml|xlsx|txt>`` (or a zip holding it), in the layout of our receipts below
  (键, 结果 accepted/rejected, 原因). :meth:`send` then returns pending receipts (已发送待回执);
  :meth:`FilesAdapter.collect_receipts` reads the receipt files of the channel's files and
  :meth:`FilesAdapter.receipts_saved` moves them to ``outbox_receipts/done/`` and notes the
  counts on the :class:`~credit.exchange.models.OutboundFile`. Without it a delivery is
  acknowledged once its file is written.
- ``inbox/`` — files the partner drops for 采集/下发 (``.xml``, ``.xlsx``, ``.txt``, or a ``.zip``
  holding exactly one of them), in the same layouts: XML ``<记录>`` with a ``键`` (or ``key``)
  attribute; xlsx/txt with the mapped columns and optionally a ``键`` (or ``key``) column — the
  row's position otherwise. :meth:`FilesAdapter.fetch` reads the files not processed yet, whole
  files, oldest name first, until ``limit`` rows (at least one file);
  :meth:`FilesAdapter.acknowledge` writes ``receipts/<stem>.receipt.<format>``::

    <回执 文件="HMD_20260513_00001.xml" 时间="…" 接收="2" 退回="1">
      <记录 键="7" 结果="accepted" 批次="31" 行号="2"/>
      <记录 键="8" 结果="rejected" 批次="31" 行号="3">统一社会信用代码格式不正确</记录>
    </回执>

  (xlsx/txt: columns 键, 结果, 批次, 行号, 原因) and moves the file to ``inbox/done/`` (so a file
  is processed once). A file that cannot be read (a broken zip or workbook, XML with a DTD, a
  header missing mapped columns) fails the run in Chinese and stays where it is.

The channel's ``mapping`` is ``{"fields": {element or column name: field code or
_record.<name>}}`` (:func:`validate_mapping`). Every failure to reach the partner is an
:class:`~credit.exchange.adapters.ExchangeError` in Chinese, the password never in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime
import ftplib
import io
import pathlib
import posixpath
import re
import zipfile
from collections.abc import Callable
from typing import Any, Protocol
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET

from credit.exchange.adapters import (
    ExchangeError,
    InboundReceipt,
    Incoming,
    Outgoing,
    Receipt,
    Words,
    field_errors,
    hide,
    mapped_fields,
    register,
    unmapped_required,
)
from credit.exchange.constants import Direction, PartnerKind

FORMATS = ("xml", "xlsx", "txt")
#: How mapping errors name a partner's XML element or column.
WORDS = Words(one="元素", two="两个元素", side="元素")
ACCEPTED = "accepted"
REJECTED = "rejected"
#: The result words a partner's receipt may use (lower case), besides accepted / rejected.
ACCEPTED_WORDS = frozenset({ACCEPTED, "接收"})
REJECTED_WORDS = frozenset({REJECTED, "退回"})
#: The leading columns of an upward xlsx/txt file, and of a receipt file.
DATA_COLUMNS = ("键", "变更类型", "版本")
RECEIPT_COLUMNS = ("键", "结果", "批次", "行号", "原因")
KEY_COLUMNS = ("键", "key")
DEFAULT_DELIMITER = "|"
#: The largest data file a zip may unpack to (a zip bomb is refused, not expanded).
MAX_UNPACKED = 256 * 1024 * 1024
#: How many sequence numbers :meth:`FilesAdapter.send` tries when another writer took one.
CLAIM_ATTEMPTS = 20

#: An XML element name (no namespace prefix; letters incl. Chinese, digits, ``_ - .``).
_XML_NAME = re.compile(r"^(?!(?i:xml))[^\W\d][\w.\-]{0,63}$")
_MESSAGE_CODE = re.compile(r"^[A-Za-z0-9]{1,20}$")
_OUT_NAME = re.compile(
    r"^(?P<code>[A-Za-z0-9]+)_(?P<day>\d{8})_(?P<n>\d{5})\.(xml|xlsx|txt|zip)$", re.IGNORECASE
)
_RECEIPT_NAME = re.compile(
    r"^(?P<stem>[^/]+?)\.receipt(?:\.(?P<ext>xml|xlsx|txt))?(?P<zip>\.zip)?$", re.IGNORECASE
)


# --------------------------------------------------------------------------------------------
# Transports: one folder tree, reached one way or another. Paths are POSIX, relative to the
# partner's base folder.
# --------------------------------------------------------------------------------------------


class Transport(Protocol):
    """How the adapter reaches the partner's folder tree (``config["transport"]``)."""

    #: Where the files are, for people (Chinese, no password), e.g. ``SFTP host:22/data``.
    where: str

    def __init__(self, config: dict[str, Any]) -> None: ...

    def listdir(self, sub: str) -> list[str]:
        """The file names directly in folder ``sub`` (``""`` the base), sorted; ``[]`` when
        ``sub`` is missing; raises when the base cannot be reached."""

    def read(self, rel: str) -> bytes:
        """The bytes of ``rel`` (e.g. ``inbox/NAME``)."""

    def write(self, rel: str, data: bytes) -> None:
        """Write ``rel`` so that a reader never sees half of it."""

    def move(self, rel: str, dest: str) -> None:
        """Move ``rel`` to ``dest`` (replacing it), e.g. ``inbox/X`` → ``inbox/done/X``."""

    def close(self) -> None:
        """Release the connection."""


_transports: dict[str, tuple[type, Callable[[dict[str, Any]], list[str]]]] = {}


def register_transport(
    name: str, cls: type, config_errors: Callable[[dict[str, Any]], list[str]]
) -> None:
    """Make ``cls(config)`` (a :class:`Transport`) the transport ``name`` of files partners,
    with the check of its own configuration keys (Chinese problems; empty when fine)."""
    _transports[name] = (cls, config_errors)


def transports() -> tuple[str, ...]:
    """The names of the registered transports (every transport module loaded)."""
    from credit.exchange.adapters import amqp  # noqa: F401  (registers itself)

    return tuple(_transports)


def _path_errors(config: dict[str, Any]) -> list[str]:
    if not isinstance(config.get("path"), str) or not config.get("path", "").strip():
        return ["数据文件的连接配置需要目录 path"]
    return []


def _server_errors(config: dict[str, Any], label: str) -> list[str]:
    errors = []
    if not isinstance(config.get("host"), str) or not config.get("host"):
        errors.append(f"{label} 需要主机 host")
    port = config.get("port")
    if port is not None and (
        isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536
    ):
        errors.append("端口 port 应为 1–65535 的整数")
    if not isinstance(config.get("user"), str) or not config.get("user"):
        errors.append(f"{label} 需要用户名 user")
    return errors


def local_errors(config: dict[str, Any]) -> list[str]:
    """The problems of a ``local`` transport's keys: ``path``."""
    return _path_errors(config)


def sftp_errors(config: dict[str, Any]) -> list[str]:
    """The problems of an ``sftp`` transport's keys: ``path``, ``host``, ``port``, ``user``,
    ``known_hosts`` (or ``host_key_check`` false, a test set-up)."""
    errors = _path_errors(config) + _server_errors(config, "SFTP")
    check = config.get("host_key_check", True)
    if not isinstance(check, bool):
        errors.append("host_key_check 应为 true 或 false")
    elif check and not (isinstance(config.get("known_hosts"), str) and config["known_hosts"]):
        errors.append(
            "SFTP 需要对方主机公钥文件 known_hosts（防止连到冒充的服务器）；"
            "仅在测试环境可设 host_key_check 为 false"
        )
    return errors


def ftp_errors(config: dict[str, Any]) -> list[str]:
    """The problems of an ``ftp`` transport's keys: ``path``, ``host``, ``port``, ``user``."""
    return _path_errors(config) + _server_errors(config, "FTP")


def validate_config(config: Any) -> list[str]:
    """The problems of a files partner's ``config`` (Chinese; empty when usable): the
    transport's own keys (its registered check), then ``format``, ``zip``, ``receipts``,
    ``delimiter``, ``receipt_timeout_hours`` and ``message_code``."""
    if not isinstance(config, dict):
        return ["连接配置应为 JSON 对象"]
    names = transports()
    errors = []
    transport = config.get("transport", "local")
    found = _transports.get(transport) if isinstance(transport, str) else None
    if found is None:
        errors.append(f"传输方式 transport 应为 {'、'.join(names)} 之一")
    else:
        errors += found[1](config)
    if config.get("format", "xml") not in FORMATS:
        errors.append(f"文件格式 format 应为 {'、'.join(FORMATS)} 之一")
    for key in ("zip", "receipts"):
        if key in config and not isinstance(config[key], bool):
            errors.append(f"{key} 应为 true 或 false")
    delimiter = config.get("delimiter", DEFAULT_DELIMITER)
    if (
        not isinstance(delimiter, str)
        or len(delimiter) != 1
        or delimiter in '"\r\n'
        or delimiter.isalnum()
    ):
        errors.append(
            "分隔符 delimiter 应为一个符号（如 | , 或制表符），不能是引号、换行、字母或数字"
        )
    hours = config.get("receipt_timeout_hours", 24)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 720:
        errors.append("回执等待时间 receipt_timeout_hours 应为大于 0、不超过 720 的数（小时）")
    if not _MESSAGE_CODE.match(str(config.get("message_code") or "")):
        errors.append("需要报文号 message_code（1–20 位字母或数字，如 XZCF）")
    return errors


def _name_error(name: str) -> str | None:
    if name in (*DATA_COLUMNS, *KEY_COLUMNS):
        return f"元素名“{name}”已用作键、变更类型或版本的列名，请换一个名称"
    if not _XML_NAME.match(name):
        return f"元素名“{name}”不合法（字母或汉字开头，可含数字、下划线、连字符、点）"
    return None


def validate_mapping(direction: str, mapping: Any, item: Any) -> list[str]:
    """The problems of a files channel's ``mapping`` (Chinese; empty when usable):
    ``{"fields": {element or column name: field code or _record.<name>}}`` — names are XML
    names whatever the format, so a partner may switch formats without a new mapping."""
    if not isinstance(mapping, dict):
        return ["字段映射应为 JSON 对象"]
    upward = direction == Direction.UP
    known = ("fields",) if upward else ("fields", "message_code")
    errors = [f"未知的映射项 {key}" for key in mapping if key not in known]
    if "message_code" in mapping and not upward:
        code = mapping["message_code"]
        if not (isinstance(code, str) and _MESSAGE_CODE.match(code)):
            errors.append(
                "报文号 message_code 应为 1–20 位字母或数字（只读取以“报文号_”开头的文件）"
            )
    fields = mapping.get("fields")
    if not isinstance(fields, dict) or not fields:
        return [*errors, "缺少字段对应 fields（元素名 → 字段标识）"]
    found, seen = field_errors(
        fields,
        upward=upward,
        item=item,
        words=WORDS,
        name_error=_name_error,
    )
    errors += found
    if not upward:
        errors += unmapped_required(item, seen, WORDS)
    return errors


class _Local:
    """A directory of this machine."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.base = pathlib.Path(config["path"])
        self.where = f"本机目录 {self.base}"

    def listdir(self, sub: str) -> list[str]:
        folder = self.base / sub if sub else self.base
        if not folder.is_dir():
            if sub:
                return []
            raise FileNotFoundError(f"目录不存在：{folder}")
        return sorted(p.name for p in folder.iterdir() if p.is_file())

    def read(self, rel: str) -> bytes:
        return (self.base / rel).read_bytes()

    def write(self, rel: str, data: bytes) -> None:
        target = self.base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name("." + target.name + ".part")
        part.write_bytes(data)
        part.replace(target)

    def move(self, rel: str, dest: str) -> None:
        target = self.base / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        (self.base / rel).replace(target)

    def close(self) -> None:
        pass


class _Sftp:
    """A folder on an SFTP server (asyncssh on a private event loop, one connection)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.base = config["path"].rstrip("/") or "/"
        self.where = f"SFTP {config.get('host')}:{config.get('port') or 22}{self.base}"
        self._loop = asyncio.new_event_loop()
        self._conn = None
        self._sftp = None

    def _run(self, coro: Any) -> Any:
        return self._loop.run_until_complete(coro)

    async def _client(self) -> Any:
        if self._sftp is None:
            import asyncssh

            self._conn = await asyncio.wait_for(
                asyncssh.connect(
                    self.config["host"],
                    port=int(self.config.get("port") or 22),
                    username=self.config.get("user"),
                    password=self.config.get("password") or None,
                    # The partner's host key is checked against known_hosts; only an
                    # explicit host_key_check false (a test set-up) skips the check.
                    known_hosts=(
                        self.config.get("known_hosts")
                        if self.config.get("host_key_check", True)
                        else None
                    ),
                    client_keys=None,
                ),
                timeout=10,
            )
            self._sftp = await self._conn.start_sftp_client()
        return self._sftp

    def _path(self, rel: str) -> str:
        return posixpath.join(self.base, rel) if rel else self.base

    def listdir(self, sub: str) -> list[str]:
        async def go() -> list[str]:
            sftp = await self._client()
            path = self._path(sub)
            if not await sftp.isdir(path):
                if sub:
                    return []
                raise FileNotFoundError(f"目录不存在：{path}")
            names = []
            for entry in await sftp.readdir(path):
                if entry.attrs.type == 1:  # FILEXFER_TYPE_REGULAR
                    names.append(entry.filename)
            return sorted(names)

        return self._run(go())

    def read(self, rel: str) -> bytes:
        async def go() -> bytes:
            sftp = await self._client()
            async with sftp.open(self._path(rel), "rb") as f:
                return await f.read()

        return self._run(go())

    def write(self, rel: str, data: bytes) -> None:
        async def go() -> None:
            sftp = await self._client()
            target = self._path(rel)
            await sftp.makedirs(posixpath.dirname(target), exist_ok=True)
            part = posixpath.join(posixpath.dirname(target), "." + posixpath.basename(target))
            async with sftp.open(part + ".part", "wb") as f:
                await f.write(data)
            await sftp.rename(part + ".part", target)

        self._run(go())

    def move(self, rel: str, dest: str) -> None:
        async def go() -> None:
            sftp = await self._client()
            target = self._path(dest)
            await sftp.makedirs(posixpath.dirname(target), exist_ok=True)
            if await sftp.exists(target):
                await sftp.remove(target)
            await sftp.rename(self._path(rel), target)

        self._run(go())

    def close(self) -> None:
        async def go() -> None:
            if self._conn is not None:
                self._conn.close()
                await self._conn.wait_closed()

        with contextlib.suppress(Exception):
            self._run(go())
        self._loop.close()


class _Ftp:
    """A folder on an FTP server (stdlib :mod:`ftplib`, passive mode, UTF-8 names)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.base = config["path"].rstrip("/") or "/"
        self.where = f"FTP {config.get('host')}:{config.get('port') or 21}{self.base}"
        self._ftp: ftplib.FTP | None = None

    def _client(self) -> ftplib.FTP:
        if self._ftp is None:
            ftp = ftplib.FTP(timeout=10, encoding="utf-8")  # noqa: S321 (the partner's choice)
            ftp.connect(self.config["host"], int(self.config.get("port") or 21))
            ftp.login(self.config.get("user") or "anonymous", self.config.get("password") or "")
            ftp.set_pasv(True)
            self._ftp = ftp
        return self._ftp

    def _path(self, rel: str) -> str:
        return posixpath.join(self.base, rel) if rel else self.base

    def _makedirs(self, path: str) -> None:
        ftp = self._client()
        parts = [p for p in path.split("/") if p]
        current = "/" if path.startswith("/") else ""
        for part in parts:
            current = posixpath.join(current, part)
            with contextlib.suppress(ftplib.error_perm):
                ftp.mkd(current)

    def listdir(self, sub: str) -> list[str]:
        ftp = self._client()
        path = self._path(sub)
        try:
            entries = list(ftp.mlsd(path, facts=["type"]))
        except ftplib.error_perm as exc:
            if sub:
                return []
            raise FileNotFoundError(f"目录不存在：{path}（{exc}）") from exc
        return sorted(name for name, facts in entries if facts.get("type") == "file")

    def read(self, rel: str) -> bytes:
        buffer = io.BytesIO()
        self._client().retrbinary(f"RETR {self._path(rel)}", buffer.write)
        return buffer.getvalue()

    def write(self, rel: str, data: bytes) -> None:
        ftp = self._client()
        target = self._path(rel)
        self._makedirs(posixpath.dirname(target))
        part = posixpath.join(posixpath.dirname(target), "." + posixpath.basename(target) + ".part")
        ftp.storbinary(f"STOR {part}", io.BytesIO(data))
        ftp.rename(part, target)

    def move(self, rel: str, dest: str) -> None:
        ftp = self._client()
        target = self._path(dest)
        self._makedirs(posixpath.dirname(target))
        with contextlib.suppress(ftplib.error_perm):
            ftp.delete(target)
        ftp.rename(self._path(rel), target)

    def close(self) -> None:
        if self._ftp is not None:
            with contextlib.suppress(Exception):
                self._ftp.quit()
            with contextlib.suppress(Exception):
                self._ftp.close()
            self._ftp = None


register_transport("local", _Local, local_errors)
register_transport("sftp", _Sftp, sftp_errors)
register_transport("ftp", _Ftp, ftp_errors)


# --------------------------------------------------------------------------------------------
# Formats: encoding and decoding xml, xlsx and txt
# --------------------------------------------------------------------------------------------


def _xlsx_bytes(sheet: str, header: list[str], rows: list[list[str | None]]) -> bytes:
    """One worksheet of text cells (never formulas, whatever a value starts with)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    for values in [header, *rows]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value) if value else None)
            if value:
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _txt_bytes(header: list[str], rows: list[list[str | None]], delimiter: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([v or "" for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _zip_bytes(inner: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(inner, data)
    return buffer.getvalue()


def _unpack(name: str, data: bytes, what: str = "数据文件") -> tuple[str, bytes]:
    """``(name, data)`` of the data file ``name`` is, or holds when a zip: exactly one file,
    an ``.xml``, ``.xlsx`` or ``.txt``."""
    if not name.lower().endswith(".zip"):
        return name, data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inner = [i for i in archive.infolist() if not i.is_dir()]
            if len(inner) != 1 or not inner[0].filename.lower().endswith(
                tuple(f".{f}" for f in FORMATS)
            ):
                raise ExchangeError(
                    f"{what} {name} 应包含且仅包含一个 xml、xlsx 或 txt 文件"
                    f"（其中有 {len(inner)} 个文件）"
                )
            if inner[0].file_size > MAX_UNPACKED:
                raise ExchangeError(f"{what} {name} 解压后过大（超过 {MAX_UNPACKED >> 20} MB）")
            return posixpath.basename(inner[0].filename), archive.read(inner[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise ExchangeError(f"{what} {name} 不是有效的 zip 压缩包") from exc


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _xml_root(name: str, data: bytes, what: str = "数据文件") -> Any:
    try:
        return SafeET.fromstring(data)
    except Exception as exc:  # ParseError, defusedxml refusals (entities, DTDs)
        raise ExchangeError(f"{what} {name} 不是有效的 XML：{exc}") from exc


def _table(name: str, data: bytes, ext: str, delimiter: str, what: str) -> list[list[str]]:
    """The non-empty rows of an xlsx (its first worksheet) or txt file as stripped texts,
    the header first."""
    if ext == "xlsx":
        import python_calamine

        from credit.ingest.readers.xlsx import is_breakage, render_cell

        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            raw = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except BaseException as exc:
            if not is_breakage(exc):
                raise
            raise ExchangeError(f"{what} {name} 不是有效的 xlsx 工作簿") from exc
        rows = [[render_cell(v)[0].strip() for v in row] for row in raw]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ExchangeError(f"{what} {name} 不是 UTF-8 编码的文本") from exc
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
            rows = [[cell.strip() for cell in row] for row in reader]
        except csv.Error as exc:
            raise ExchangeError(f"{what} {name} 的文本格式有误：{exc}") from exc
    rows = [row for row in rows if any(row)]
    if not rows:
        raise ExchangeError(f"{what} {name} 是空文件，没有表头")
    if ext == "txt":
        width = len(rows[0])
        for n, row in enumerate(rows[1:], start=2):
            if len(row) > width and any(row[width:]):
                raise ExchangeError(
                    f"{what} {name} 第 {n} 行有 {len(row)} 列，多于表头的 {width} 列"
                    f"（分隔符为“{delimiter}”）"
                )
    return rows


def _columns(name: str, header: list[str], required: list[str], what: str) -> dict[str, int]:
    """Column name → position in ``header``; :class:`ExchangeError` naming the ``required``
    columns missing."""
    index: dict[str, int] = {}
    for n, title in enumerate(header):
        index.setdefault(title, n)
    missing = [c for c in required if c not in index]
    if missing:
        shown = "、".join(h for h in header if h)[:200]
        raise ExchangeError(f"{what} {name} 缺少列：{'、'.join(missing)}（表头为：{shown}）")
    return index


def _cell(row: list[str], at: int | None) -> str:
    return row[at] if at is not None and at < len(row) else ""


def _key_column(index: dict[str, int]) -> int | None:
    return next((index[k] for k in KEY_COLUMNS if k in index), None)


# --------------------------------------------------------------------------------------------
# The adapter
# --------------------------------------------------------------------------------------------


class FilesAdapter:
    """Data files (数据文件) in a partner's folder; see the module's description."""

    def __init__(self, partner: Any) -> None:
        self.partner = partner
        config = dict(partner.config or {})
        errors = validate_config(config)
        if errors:
            raise ExchangeError(f"交换伙伴“{partner.name}”的连接配置有误：" + "；".join(errors))
        self.config = config
        self.password = str(config.get("password") or "")
        self.zip = bool(config.get("zip", True))
        self.format = str(config.get("format", "xml"))
        self.delimiter = str(config.get("delimiter", DEFAULT_DELIMITER))
        self.receipts = bool(config.get("receipts", False))
        self.message_code = str(config["message_code"])
        self.transport = _transports[config.get("transport", "local")][0](config)
        #: fetch() → acknowledge(): the inbox file and the partner's key of each offered row.
        self._offered: dict[str, tuple[str, str]] = {}
        self._files: list[str] = []
        #: collect_receipts() → receipts_saved(): (receipt file, OutboundFile id, accepted,
        #: rejected).
        self._collected: list[tuple[str, int, int, int]] = []

    @property
    def where(self) -> str:
        return self.transport.where

    def _hide(self, text: str) -> str:
        return hide(text, self.password)

    @contextlib.contextmanager
    def _guard(self, action: str):
        """Transport errors as :class:`ExchangeError` (Chinese, password hidden)."""
        try:
            yield
        except ExchangeError as exc:
            if self.password and self.password in str(exc):
                raise ExchangeError(self._hide(str(exc))) from exc
            raise
        except Exception as exc:  # OSError, ftplib errors, asyncssh errors, timeouts
            detail = self._hide(str(exc) or type(exc).__name__)[:400]
            raise ExchangeError(f"数据文件 {self.where} {action}失败：{detail}") from exc

    # -- check --------------------------------------------------------------------------------

    def check(self, channel: Any = None) -> str:
        """List the base folder, e.g. 数据文件 SFTP host:22/data 已连接；目录中 3 个文件，
        待取文件 1 个."""
        with self._guard("连接"):
            names = self.transport.listdir("")
            inbox = [n for n in self.transport.listdir("inbox") if _inbound_name(n)]
        return f"数据文件 {self.where} 已连接；目录中 {len(names)} 个文件，待取文件 {len(inbox)} 个"

    # -- up -----------------------------------------------------------------------------------

    def _listed_seq(self, day: str) -> int:
        """The highest sequence of the day's files in ``outbox/`` (0 when none, or when the
        transport cannot list it)."""
        taken = [
            int(m["n"])
            for m in map(_OUT_NAME.match, self.transport.listdir("outbox"))
            if m and m["code"] == self.message_code and m["day"] == day
        ]
        return max(taken, default=0)

    def _claim(self, channel: Any, day: datetime.date, listed: int, records: int) -> Any:
        """The :class:`~credit.exchange.models.OutboundFile` of the next file of ``day``: the
        sequence after those recorded and ``listed``; when another writer took it meanwhile
        (the unique constraint), the one after."""
        from django.db import IntegrityError, transaction
        from django.db.models import Max

        from credit.exchange.constants import RunStatus
        from credit.exchange.models import OutboundFile, Run

        run = (
            Run.objects.filter(channel_id=channel.pk, status=RunStatus.RUNNING)
            .order_by("-started_at", "-id")
            .first()
        )
        ext = "zip" if self.zip else self.format
        floor = listed
        for _ in range(CLAIM_ATTEMPTS):
            recorded = OutboundFile.objects.filter(
                partner_id=self.partner.pk, message_code=self.message_code, day=day
            ).aggregate(m=Max("seq"))["m"]
            seq = max(recorded or 0, floor) + 1
            if seq > 99999:
                raise ExchangeError(f"报文号 {self.message_code} 当日的文件序号已用完（99999）")
            name = f"{self.message_code}_{day:%Y%m%d}_{seq:05d}.{ext}"
            try:
                with transaction.atomic():
                    return OutboundFile.objects.create(
                        partner_id=self.partner.pk,
                        channel_id=channel.pk,
                        run=run,
                        name=name,
                        message_code=self.message_code,
                        day=day,
                        seq=seq,
                        records=records,
                    )
            except IntegrityError:
                floor = seq
        raise ExchangeError("未能取得新的文件序号（同时写入的文件过多），请稍后重试")

    def _encode(
        self, inner: str, now: datetime.datetime, fields: dict[str, str], items: list[Outgoing]
    ) -> bytes:
        if self.format == "xml":
            root = ET.Element(
                "报文",
                {
                    "报文号": self.message_code,
                    "文件名": inner,
                    "生成时间": now.isoformat(timespec="seconds"),
                    "记录数": str(len(items)),
                },
            )
            for out in items:
                record = ET.SubElement(
                    root,
                    "记录",
                    {"键": out.key, "变更类型": out.change_kind, "版本": str(out.version)},
                )
                for element, code in fields.items():
                    ET.SubElement(record, element).text = _text(out.value(code))
            ET.indent(root)
            return ET.tostring(root, encoding="utf-8", xml_declaration=True)
        header = [*DATA_COLUMNS, *fields]
        rows = [
            [out.key, out.change_kind, str(out.version)]
            + [_text(out.value(code)) for code in fields.values()]
            for out in items
        ]
        if self.format == "xlsx":
            return _xlsx_bytes("记录", header, rows)
        return _txt_bytes(header, rows, self.delimiter)

    def send(self, channel: Any, items: list[Outgoing]) -> list[Receipt]:
        """Write one file with every item (see the module's description) and record it; an
        ok receipt per key once the file is in ``outbox/`` — pending (已发送待回执) when the
        partner sends receipts back (``"receipts": true``)."""
        if not items:
            return []
        from django.db import transaction
        from django.utils import timezone

        now = timezone.localtime()
        fields = mapped_fields(channel.mapping)
        with self._guard("写入"):
            listed = self._listed_seq(now.strftime("%Y%m%d"))
            # The row is committed with the file: a failed write leaves no row, and a second
            # writer waits on the row's unique name, then takes the next sequence.
            with transaction.atomic():
                row = self._claim(channel, now.date(), listed, len(items))
                stem = row.name.rsplit(".", 1)[0]
                inner = f"{stem}.{self.format}"
                data = self._encode(inner, now, fields, items)
                if self.zip:
                    data = _zip_bytes(inner, data)
                self.transport.write(f"outbox/{row.name}", data)
        return [Receipt(out.key, True, pending=self.receipts) for out in items]

    # -- the partner's receipts for our files ---------------------------------------------------

    def _receipt_rows(self, name: str, data: bytes) -> list[tuple[str, str, str]]:
        """``(key, result, reason)`` of each record of the partner's receipt file ``name``."""
        what = "回执文件"
        inner, data = _unpack(name, data, what)
        ext = _extension(inner)
        rows: list[tuple[str, str, str]] = []
        if ext == "xml":
            for n, record in enumerate(_xml_root(name, data, what).iter("记录"), start=1):
                key = (record.get("键") or record.get("key") or "").strip()
                if not key:
                    raise ExchangeError(f"{what} {name} 第 {n} 条记录缺少键")
                result = record.get("结果") or record.get("result") or ""
                reason = record.get("原因") or (record.text or "")
                rows.append((key, result.strip(), reason.strip()))
            return rows
        table = _table(name, data, ext, self.delimiter, what)
        index = _columns(name, table[0], ["结果"], what)
        key_at = _key_column(index)
        if key_at is None:
            raise ExchangeError(f"{what} {name} 缺少列：键")
        for n, row in enumerate(table[1:], start=2):
            key = _cell(row, key_at)
            if not key:
                raise ExchangeError(f"{what} {name} 第 {n} 行缺少键")
            rows.append((key, _cell(row, index["结果"]), _cell(row, index.get("原因"))))
        return rows

    def collect_receipts(self, channel: Any) -> list[Receipt]:
        """The partner's receipts (``outbox_receipts/<stem>.receipt.*``) for the files written
        on ``channel`` that were not read yet: one receipt per key, accepted or rejected with
        the partner's reason (an unknown result is a rejection saying so). Nothing without
        ``"receipts": true``."""
        self._collected = []
        if not self.receipts:
            return []
        from credit.exchange.models import OutboundFile

        found: list[Receipt] = []
        collected = []
        with self._guard("读取回执"):
            names = {
                m["stem"]: name
                for name in self.transport.listdir("outbox_receipts")
                if not name.startswith(".")
                and (m := _RECEIPT_NAME.match(name))
                and (m["ext"] or m["zip"])
            }
            candidates = [f"{stem}.{ext}" for stem in names for ext in (*FORMATS, "zip")]
            files = OutboundFile.objects.filter(
                partner_id=self.partner.pk, channel_id=channel.pk, name__in=candidates
            ).order_by("name")
            for record in files:
                name = names[record.name.rsplit(".", 1)[0]]
                accepted = rejected = 0
                for key, result, reason in self._receipt_rows(
                    name, self.transport.read(f"outbox_receipts/{name}")
                ):
                    word = result.lower()
                    if word in ACCEPTED_WORDS:
                        found.append(Receipt(key, True))
                        accepted += 1
                        continue
                    if word not in REJECTED_WORDS:
                        reason = (
                            f"回执文件 {name} 中键 {key} 的结果“{result[:40]}”无法识别"
                            "（应为 accepted 或 rejected）"
                        )
                    found.append(Receipt(key, False, reason or "交换伙伴退回，未说明原因"))
                    rejected += 1
                collected.append((name, record.pk, accepted, rejected))
        self._collected = collected
        return found

    def receipts_saved(self, channel: Any) -> None:
        """The receipts read by :meth:`collect_receipts` are saved: note them on their
        files and move the receipt files to ``outbox_receipts/done/``."""
        from django.utils import timezone

        from credit.exchange.models import OutboundFile

        now = timezone.now()
        with self._guard("归档回执"):
            for name, pk, accepted, rejected in self._collected:
                OutboundFile.objects.filter(pk=pk).update(
                    receipt_at=now, accepted=accepted, rejected=rejected
                )
                self.transport.move(f"outbox_receipts/{name}", f"outbox_receipts/done/{name}")
        self._collected = []

    # -- down / in ----------------------------------------------------------------------------

    def fetch(self, channel: Any, limit: int) -> list[Incoming]:
        """The rows of the inbox files not processed yet (whole files, oldest name first, up
        to ``limit`` rows but at least one file), fields keyed by the platform's field codes;
        with a ``message_code`` in the channel's mapping, only the files named
        ``<message_code>_…`` (so several inbound channels can share one inbox)."""
        fields = mapped_fields(channel.mapping)
        # Channels sharing the partner's inbox each read the files of their own 报文号.
        code = (channel.mapping or {}).get("message_code")
        self._offered, self._files = {}, []
        result: list[Incoming] = []
        with self._guard("读取"):
            names = [
                n
                for n in self.transport.listdir("inbox")
                if _inbound_name(n) and (not code or n.startswith(f"{code}_"))
            ]
            for name in names:
                rows = self._parse(name, self.transport.read(f"inbox/{name}"), fields)
                if result and len(result) + len(rows) > limit:
                    break
                self._files.append(name)
                for n, (key, values) in enumerate(rows, start=1):
                    handle = f"{name}#{n}"
                    self._offered[handle] = (name, key)
                    result.append(Incoming(key=handle, fields=values))
                if len(result) >= limit:
                    break
        return result

    def _parse(
        self, name: str, data: bytes, fields: dict[str, str]
    ) -> list[tuple[str, dict[str, Any]]]:
        """``(key, values)`` of each record of the inbox file ``name`` (any format, zipped or
        not); :class:`ExchangeError` when it cannot be read."""
        inner, data = _unpack(name, data)
        ext = _extension(inner)
        rows = []
        if ext == "xml":
            for n, record in enumerate(_xml_root(name, data).iter("记录"), start=1):
                key = record.get("键") or record.get("key") or str(n)
                values: dict[str, Any] = {}
                for element, code in fields.items():
                    child = record.find(element)
                    text = child.text if child is not None else None
                    values[code] = text.strip() if text and text.strip() else None
                rows.append((key, values))
            return rows
        table = _table(name, data, ext, self.delimiter, "数据文件")
        index = _columns(name, table[0], list(fields), "数据文件")
        key_at = _key_column(index)
        for n, row in enumerate(table[1:], start=1):
            key = _cell(row, key_at) or str(n)
            rows.append((key, {code: _cell(row, index[c]) or None for c, code in fields.items()}))
        return rows

    def _receipt_bytes(self, name: str, results: list[tuple[str, InboundReceipt]]) -> bytes:
        from django.utils import timezone

        if self.format == "xml":
            ok = sum(1 for _, r in results if r.ok)
            root = ET.Element(
                "回执",
                {
                    "文件": name,
                    "时间": timezone.localtime().isoformat(timespec="seconds"),
                    "接收": str(ok),
                    "退回": str(len(results) - ok),
                },
            )
            for key, r in results:
                attrs = {"键": key, "结果": ACCEPTED if r.ok else REJECTED}
                if r.batch_id is not None:
                    attrs["批次"] = str(r.batch_id)
                if r.row_no is not None:
                    attrs["行号"] = str(r.row_no)
                ET.SubElement(root, "记录", attrs).text = r.reason or None
            ET.indent(root)
            return ET.tostring(root, encoding="utf-8", xml_declaration=True)
        rows = [
            [
                key,
                ACCEPTED if r.ok else REJECTED,
                _text(r.batch_id),
                _text(r.row_no),
                r.reason or None,
            ]
            for key, r in results
        ]
        if self.format == "xlsx":
            return _xlsx_bytes("回执", list(RECEIPT_COLUMNS), rows)
        return _txt_bytes(list(RECEIPT_COLUMNS), rows, self.delimiter)

    def acknowledge(self, channel: Any, receipts: list[InboundReceipt]) -> None:
        """Write ``receipts/<stem>.receipt.<format>`` for each fetched file and move the file
        to ``inbox/done/``."""
        by_file: dict[str, list[tuple[str, InboundReceipt]]] = {name: [] for name in self._files}
        for r in receipts:
            name, key = self._offered.get(r.key) or (r.key.rpartition("#")[0], r.key)
            by_file.setdefault(name, []).append((key, r))
        with self._guard("回写"):
            for name, results in by_file.items():
                if not name:
                    continue
                stem = name.rsplit(".", 1)[0]
                data = self._receipt_bytes(name, results)
                self.transport.write(f"receipts/{stem}.receipt.{self.format}", data)
                self.transport.move(f"inbox/{name}", f"inbox/done/{name}")
        self._offered, self._files = {}, []

    def close(self) -> None:
        """Close the connection (SFTP, FTP, …)."""
        with contextlib.suppress(Exception):
            self.transport.close()


def _inbound_name(name: str) -> bool:
    return not name.startswith(".") and name.lower().endswith(
        tuple(f".{f}" for f in (*FORMATS, "zip"))
    )


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        return "；".join(str(v) for v in value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


register(
    PartnerKind.FILES,
    FilesAdapter,
    config_errors=validate_config,
    mapping_errors=validate_mapping,
)
