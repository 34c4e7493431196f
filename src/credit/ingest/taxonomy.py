"""Error classes of the tender's cleaning taxonomy (招标文件第 56 行): single-source or
multi-source × structure-level or record-level. Every error code maps to one class."""

from __future__ import annotations

SINGLE_STRUCTURE = "single_source.structure"
SINGLE_RECORD = "single_source.record"
MULTI_STRUCTURE = "multi_source.structure"
MULTI_RECORD = "multi_source.record"

CLASS_LABELS = {
    SINGLE_STRUCTURE: "单数据源·结构级",
    SINGLE_RECORD: "单数据源·记录级",
    MULTI_STRUCTURE: "多数据源·结构级",
    MULTI_RECORD: "多数据源·记录级",
}

#: Codes that concern the file's structure (its columns), not one record.
_STRUCTURE = {"unknown_column", "missing_column", "duplicate_column", "ambiguous_column"}
#: Codes raised by comparing with what other sources put in the library.
_MULTI_SOURCE = {"identifier_conflict", "subject_mismatch", "name_conflict"}


def error_class(code: str) -> str:
    """The taxonomy class of an error code; record-level single-source unless listed."""
    if code in _MULTI_SOURCE:
        return MULTI_RECORD
    if code in _STRUCTURE:
        return SINGLE_STRUCTURE
    return SINGLE_RECORD
