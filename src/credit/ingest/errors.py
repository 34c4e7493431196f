"""Why a whole uploaded file is refused (文件被拒收) before any row is checked, and why a run
stops (:class:`BatchInterrupted`).

A :class:`FileRejected` carries a stable English ``code`` for programs and the API, and one
Chinese ``message`` line a clerk (报送人员) understands and can act on. Row-level problems are
not file rejections; they are reported per row by the validation step.
"""

from __future__ import annotations

from typing import Any

#: Every code a reader or the header check may raise, with its default message.
MESSAGES: dict[str, str] = {
    "file_too_large": "文件太大，请拆分成多个较小的文件后分批上传",
    "file_unreadable": "文件已损坏或格式不正确，无法读取，请重新导出后上传",
    "file_encrypted": "文件已加密，请取消密码后重新上传",
    "file_truncated": "文件不完整（可能上传中断），请重新上传",
    "format_unknown": "无法识别的文件格式，请上传 xlsx、csv、txt、xml 文件或其 zip 压缩包",
    "format_xls": "这是旧版 Excel（.xls）文件，请用 Excel 或 WPS 另存为 .xlsx 后重新上传",
    "encoding_unknown": "文件编码无法识别，请另存为 UTF-8 编码后重新上传",
    "no_header": "文件没有表头行，请使用报送模板，第一行填写字段名称",
    "wrong_item": "文件的表头与所选目录项不符，请确认选择了正确的目录项",
    "xml_forbidden": "XML 文件包含不允许的 DOCTYPE 或实体声明，请删除后重新上传",
    "xml_schema": "XML 文件结构不符合要求，请按接入说明中的格式生成",
    "zip_bomb": "压缩包解压后过大或压缩比异常，请直接上传数据文件或分批上传",
    "zip_nested": "压缩包中不能再包含压缩包，请解压后重新打包上传",
    "zip_path_traversal": "压缩包中含有不安全的文件路径，请重新打包后上传",
    "zip_too_many_files": "压缩包中的文件太多，请分批上传",
    "zip_no_data": "压缩包中没有可读取的数据文件（xlsx、csv、txt、xml）",
}


class FileRejected(Exception):
    """A file the platform will not read at all.

    ``code`` is one of :data:`MESSAGES`; ``message`` defaults to the code's standard Chinese
    line and may be made more precise (naming the sheet, the line or the archive member).
    ``source`` names the part of the upload concerned (``报送.zip!处罚.csv``) when known.
    ``details`` holds what the message lists, for programs and the receipt: for
    ``wrong_item`` the header row, the required columns not found (``missing_required``) and
    the columns not recognised (``unknown_columns``), each in full where the message stops
    after a few.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        source: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown rejection code: {code}")
        self.code = code
        self.message = message or MESSAGES[code]
        self.source = source
        self.details = details or {}
        super().__init__(f"{code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"code": self.code, "message": self.message, "source": self.source}
        if self.details:
            found["details"] = self.details
        return found


class BatchInterrupted(Exception):
    """A run of the pipeline no longer owns its batch: the batch was marked 处理中断
    (``stalled``) while the run was silent, or a newer run (重新处理) took it over. The run
    stops without writing anything more to the batch."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        super().__init__(f"batch {batch_id} is no longer this run's")
