"""Closed vocabularies of the exchange app."""

from __future__ import annotations

from django.db import models


class PartnerKind(models.TextChoices):
    #: An intermediate database (中间库/前置库) read and written through SQLAlchemy Core.
    DATABASE = "database", "中间库"
    #: Data files (xml, xlsx, txt; zipped) in a folder, over SFTP or FTP.
    FILES = "files", "数据文件"
    #: A REST API (pulled on schedule; pushes arrive through the ingest API).
    REST = "rest", "REST 接口"
    #: A SOAP WebService.
    SOAP = "soap", "WebService"


class Direction(models.TextChoices):
    UP = "up", "上报"
    DOWN = "down", "下发"
    #: Inbound (采集): the partner's rows collected into the platform's ingest pipeline.
    IN = "in", "采集"


class Period(models.TextChoices):
    ON_CHANGE = "on_change", "变更即时"
    DAILY = "daily", "每天"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    YEARLY = "yearly", "每年"
    IRREGULAR = "irregular", "不定期"


class RunStatus(models.TextChoices):
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "成功"
    PARTIAL = "partial", "部分失败"
    FAILED = "failed", "失败"


class DeliveryStatus(models.TextChoices):
    #: Taken from the outbox, not yet acknowledged: sent again at the next run (after the
    #: back-off when an attempt failed).
    PENDING = "pending", "待发送"
    #: Delivered (a file written, a message published) and waiting for the partner's own
    #: receipt, read back at a later run; sent again when none comes in time.
    SENT = "sent", "已发送待回执"
    #: Acknowledged by the partner's receipt.
    ACKED = "acked", "已确认"
    #: Refused by the partner, with its reason.
    REJECTED = "rejected", "被拒收"


class Content(models.TextChoices):
    """What a channel exchanges about its catalog item."""

    #: The item's credit records (every change of every record: the record change feed).
    RECORDS = "records", "信用记录"
    #: The outcomes of objections, corrections and credit repairs on the item's records
    #: (异议处理和信息更正结果, seed L103, L466–L467).
    OBJECTIONS = "objections", "异议和更正结果"
    #: The item's definition (信用信息资源目录): its fields, period and sources, per version.
    CATALOG = "catalog", "资源目录"
