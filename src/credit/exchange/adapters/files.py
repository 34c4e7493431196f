"""The data-file adapter (数据文件适配器): a partner reached through XML files in a folder, on
this machine (``local``), over SFTP (asyncssh) or over FTP (stdlib :mod:`ftplib`).

``partner.config``::

    {"transport": "local" | "sftp" | "ftp", "host": "…", "port": 22, "user": "…",
     "password": "…", "path": "/data/credit", "format": "xml", "zip": true,
     "message_code": "XZCF"}

``path`` is the partner's base folder (for ``local`` a directory of this machine). Under it:

- ``outbox/`` — files the platform writes (上报). Each :meth:`FilesAdapter.send` writes ONE file
  ``<报文号>_YYYYMMDD_NNNNN.xml`` (Beijing date, ``NNNNN`` the day's sequence, from the files
  already there), zipped as ``<same name>.zip`` (holding the ``.xml``) when ``zip`` is true.
  It is written under a temporary name and renamed, so the partner never reads half a file::

    <报文 报文号="XZCF" 文件名="XZCF_20260513_00001.xml" 生成时间="…" 记录数="2">
      <记录 键="123-1" 变更类型="created" 版本="1">
        <CF_WSH>常市监罚〔2026〕1号</CF_WSH> …
      </记录>
    </报文>

  The attribute ``键`` is the delivery's idempotent key ``<record id>-<version>``: a re-send (a
  failed run, a crash before our receipts were saved, 重新发送) writes a NEW file holding the
  same keys, and the partner must de-duplicate on ``键`` (keep the last). :meth:`send` returns
  an ok receipt for every key once the file is written (the transfer succeeded): the partner's
  own per-key receipts (``<path>/receipts/<name>.receipt.xml``) are NOT read back in this
  version — reading them in a later run is out of scope.
- ``inbox/`` — files the partner drops for 采集/下发 (``*.xml`` or ``*.zip`` holding one XML),
  in the same layout (``键`` or ``key`` attribute; when absent the record's position).
  :meth:`FilesAdapter.fetch` reads the files not processed yet, whole files, oldest name first,
  until ``limit`` rows (at least one file); :meth:`FilesAdapter.acknowledge` writes
  ``<path>/receipts/<name>.receipt.xml``::

    <回执 文件="HMD_20260513_00001.xml" 时间="…" 接收="2" 退回="1">
      <记录 键="7" 结果="accepted" 批次="31" 行号="2"/>
      <记录 键="8" 结果="rejected" 批次="31" 行号="3">统一社会信用代码格式不正确</记录>
    </回执>

  and moves the file to ``inbox/done/`` (so a file is processed once).

The channel's ``mapping`` is ``{"fields": {element name: field code or _record.<name>}}``
(:func:`validate_mapping`); element names are XML names. Every failure to reach the partner is
an :class:`~credit.exchange.adapters.ExchangeError` in Chinese, the password never in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ftplib
import io
import pathlib
import posixpath
import re
import zipfile
from typing import Any
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
    redact,
    register,
    unmapped_required,
)
from credit.exchange.constants import Direction, PartnerKind

TRANSPORTS = ("local", "sftp", "ftp")
FORMATS = ("xml",)
#: How mapping errors name a partner's XML element.
WORDS = Words(one="元素", two="两个元素", side="元素")
ACCEPTED = "accepted"
REJECTED = "rejected"

#: An XML element name (no namespace prefix; letters incl. Chinese, digits, ``_ - .``).
_XML_NAME = re.compile(r"^(?!(?i:xml))[^\W\d][\w.\-]{0,63}$")
_MESSAGE_CODE = re.compile(r"^[A-Za-z0-9]{1,20}$")
_OUT_NAME = re.compile(r"^(?P<code>[A-Za-z0-9]+)_(?P<day>\d{8})_(?P<n>\d{5})\.(xml|zip)$")


def validate_config(config: Any) -> list[str]:
    """The problems of a files partner's ``config`` (Chinese; empty when usable)."""
    if not isinstance(config, dict):
        return ["连接配置应为 JSON 对象"]
    errors = []
    transport = config.get("transport", "local")
    if transport not in TRANSPORTS:
        errors.append(f"传输方式 transport 应为 {'、'.join(TRANSPORTS)} 之一")
    if not isinstance(config.get("path"), str) or not config.get("path", "").strip():
        errors.append("数据文件的连接配置需要目录 path")
    if transport in ("sftp", "ftp"):
        if not isinstance(config.get("host"), str) or not config.get("host"):
            errors.append(f"{transport.upper()} 需要主机 host")
        port = config.get("port")
        if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
            errors.append("端口 port 应为 1–65535 的整数")
        if not isinstance(config.get("user"), str) or not config.get("user"):
            errors.append(f"{transport.upper()} 需要用户名 user")
    if transport == "sftp":
        check = config.get("host_key_check", True)
        if not isinstance(check, bool):
            errors.append("host_key_check 应为 true 或 false")
        elif check and not (isinstance(config.get("known_hosts"), str) and config["known_hosts"]):
            errors.append(
                "SFTP 需要对方主机公钥文件 known_hosts（防止连到冒充的服务器）；"
                "仅在测试环境可设 host_key_check 为 false"
            )
    if config.get("format", "xml") not in FORMATS:
        errors.append("文件格式 format 本版本仅支持 xml")
    if not isinstance(config.get("zip", True), bool):
        errors.append("zip 应为 true 或 false")
    if not _MESSAGE_CODE.match(str(config.get("message_code") or "")):
        errors.append("需要报文号 message_code（1–20 位字母或数字，如 XZCF）")
    return errors


def validate_mapping(direction: str, mapping: Any, item: Any) -> list[str]:
    """The problems of a files channel's ``mapping`` (Chinese; empty when usable):
    ``{"fields": {element name: field code or _record.<name>}}``."""
    if not isinstance(mapping, dict):
        return ["字段映射应为 JSON 对象"]
    upward = direction == Direction.UP
    errors = [f"未知的映射项 {key}" for key in mapping if key != "fields"]
    fields = mapping.get("fields")
    if not isinstance(fields, dict) or not fields:
        return [*errors, "缺少字段对应 fields（元素名 → 字段标识）"]
    found, seen = field_errors(
        fields,
        upward=upward,
        item=item,
        words=WORDS,
        name_error=lambda element: (
            None
            if _XML_NAME.match(element)
            else f"元素名“{element}”不合法（字母或汉字开头，可含数字、下划线、连字符、点）"
        ),
    )
    errors += found
    if not upward:
        errors += unmapped_required(item, seen, WORDS)
    return errors


# --------------------------------------------------------------------------------------------
# Transports: one folder tree, three ways to reach it. Paths are POSIX, relative to ``path``.
# --------------------------------------------------------------------------------------------


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
        self.message_code = str(config["message_code"])
        kind = config.get("transport", "local")
        self.transport = {"local": _Local, "sftp": _Sftp, "ftp": _Ftp}[kind](config)
        #: fetch() → acknowledge(): the inbox file and the partner's key of each offered row.
        self._offered: dict[str, tuple[str, str]] = {}
        self._files: list[str] = []

    @property
    def where(self) -> str:
        return self.transport.where

    def _hide(self, text: str) -> str:
        text = redact(text)
        if self.password:
            text = text.replace(self.password, "***")
        return text

    @contextlib.contextmanager
    def _guard(self, action: str):
        """Transport errors as :class:`ExchangeError` (Chinese, password hidden)."""
        try:
            yield
        except ExchangeError:
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

    def _next_name(self, day: str) -> str:
        prefix = f"{self.message_code}_{day}_"
        taken = [
            int(m["n"])
            for m in map(_OUT_NAME.match, self.transport.listdir("outbox"))
            if m and m["code"] == self.message_code and m["day"] == day
        ]
        return f"{prefix}{max(taken, default=0) + 1:05d}"

    def send(self, channel: Any, items: list[Outgoing]) -> list[Receipt]:
        """Write one file with every item (see the module's description); an ok receipt per
        key once the file is in ``outbox/`` (the partner de-duplicates on the key)."""
        if not items:
            return []
        from django.utils import timezone

        now = timezone.localtime()
        fields = (channel.mapping or {}).get("fields") or {}
        with self._guard("写入"):
            stem = self._next_name(now.strftime("%Y%m%d"))
            xml_name = stem + ".xml"
            root = ET.Element(
                "报文",
                {
                    "报文号": self.message_code,
                    "文件名": xml_name,
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
            data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
            if self.zip:
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    archive.writestr(xml_name, data)
                self.transport.write(f"outbox/{stem}.zip", buffer.getvalue())
            else:
                self.transport.write(f"outbox/{xml_name}", data)
        return [Receipt(out.key, True) for out in items]

    # -- down / in ----------------------------------------------------------------------------

    def fetch(self, channel: Any, limit: int) -> list[Incoming]:
        """The rows of the inbox files not processed yet (whole files, oldest name first, up
        to ``limit`` rows but at least one file), fields keyed by the platform's field codes."""
        fields = (channel.mapping or {}).get("fields") or {}
        self._offered, self._files = {}, []
        result: list[Incoming] = []
        with self._guard("读取"):
            names = [n for n in self.transport.listdir("inbox") if _inbound_name(n)]
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
        if name.lower().endswith(".zip"):
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    inner = [n for n in archive.namelist() if n.lower().endswith(".xml")]
                    if len(inner) != 1:
                        raise ExchangeError(f"数据文件 {name} 应包含且仅包含一个 XML 文件")
                    data = archive.read(inner[0])
            except zipfile.BadZipFile as exc:
                raise ExchangeError(f"数据文件 {name} 不是有效的 zip 压缩包") from exc
        try:
            root = SafeET.fromstring(data)
        except Exception as exc:  # ParseError, defusedxml refusals (entities, DTDs)
            raise ExchangeError(f"数据文件 {name} 不是有效的 XML：{exc}") from exc
        rows = []
        for n, record in enumerate(root.iter("记录"), start=1):
            key = record.get("键") or record.get("key") or str(n)
            values: dict[str, Any] = {}
            for element, code in fields.items():
                child = record.find(element)
                text = child.text if child is not None else None
                values[code] = text.strip() if text and text.strip() else None
            rows.append((key, values))
        return rows

    def acknowledge(self, channel: Any, receipts: list[InboundReceipt]) -> None:
        """Write ``receipts/<file>.receipt.xml`` for each fetched file and move the file to
        ``inbox/done/``."""
        from django.utils import timezone

        by_file: dict[str, list[tuple[str, InboundReceipt]]] = {name: [] for name in self._files}
        for r in receipts:
            name, key = self._offered.get(r.key) or (r.key.rpartition("#")[0], r.key)
            by_file.setdefault(name, []).append((key, r))
        with self._guard("回写"):
            for name, results in by_file.items():
                if not name:
                    continue
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
                data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
                stem = name.rsplit(".", 1)[0]
                self.transport.write(f"receipts/{stem}.receipt.xml", data)
                self.transport.move(f"inbox/{name}", f"inbox/done/{name}")
        self._offered, self._files = {}, []

    def close(self) -> None:
        """Close the connection (SFTP, FTP)."""
        with contextlib.suppress(Exception):
            self.transport.close()


def _inbound_name(name: str) -> bool:
    return not name.startswith(".") and name.lower().endswith((".xml", ".zip"))


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
