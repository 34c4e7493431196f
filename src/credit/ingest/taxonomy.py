"""Error classes of the tender's cleaning taxonomy (招标文件第 56 行): single-source or
multi-source × structure-level or record-level. Every error code maps to one class.

Beside the classes, what each frequent error code is called in Chinese and how a department
fixes it (:data:`PROBLEMS`), read by the department's data-quality page."""

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


# --------------------------------------------------------------------------------------------
# What each problem is called and how a clerk fixes it (数据质量页的“怎么改”)
# --------------------------------------------------------------------------------------------

#: error code → (the problem in a few Chinese words, what the department does about it). Kept
#: as data beside the taxonomy: the department's data-quality page ranks its problems by the
#: rows they cost and shows these texts; a code without an entry reads :data:`OTHER_PROBLEM`.
#: Identifier codes are :mod:`credit.core.identifiers`'s, row codes
#: :func:`credit.catalog.rules.validate_payload`'s and the loader's.
PROBLEMS: dict[str, tuple[str, str]] = {
    "required": (
        "必填项为空",
        "在报送模板中补齐标 * 的列；业务系统导出时不要漏掉这些字段。",
    ),
    "conditionally_required": (
        "条件必填项为空",
        "按反馈中的条件补填（如行政相对人类别为自然人时须填证件类型和证件号码）。",
    ),
    "must_be_empty": (
        "不应填写的项填了值",
        "按反馈中的条件清空该列（如自然人的行不填统一社会信用代码）。",
    ),
    "too_long": (
        "内容超过长度上限",
        "删去多余内容（如重复的说明、换行和空格），或核对是否填错了列。",
    ),
    "date_invalid": (
        "日期无法识别",
        "日期写成 YYYY-MM-DD（如 2025-03-05）；Excel 中把日期列设为日期或文本格式，"
        "不要写成“2025.3.5号”等。",
    ),
    "date_in_future": (
        "日期晚于今天",
        "核对年份和月日是否写反或多打了数字；决定日期不能晚于报送当天。",
    ),
    "date_too_early": (
        "日期早于 1949 年",
        "核对年份是否少打或多打了数字。",
    ),
    "date_order": (
        "日期先后顺序不对",
        "核对两个日期是否填反（如有效期自应早于有效期至、决定日期应早于处罚有效期）。",
    ),
    "number_invalid": (
        "数值无法识别",
        "金额列只填数字，单位以表头为准（如表头为“万元”时 5000 元填 0.5）；不要写文字或多个数字。",
    ),
    "code_invalid": (
        "取值不在代码表中",
        "从报送模板的下拉列表中选择，或对照资源目录中该字段的代码表填写。",
    ),
    "field_unknown": (
        "数据项不属于该目录项",
        "使用该目录项的报送模板，删除模板以外的列，或确认选择了正确的目录项。",
    ),
    "invalid_characters": (
        "含有不允许的字符",
        "删除单元格中的控制字符（多由系统导出或复制粘贴带入），可先粘贴到记事本再复制回来。",
    ),
    "duplicate_in_batch": (
        "同一文件中重复报送",
        "删除重复的行，同一决定只保留一行；若确为不同决定，请核对决定书文号。",
    ),
    "subject_mismatch": (
        "主体信息与已登记的不一致",
        "核对统一社会信用代码与主体名称是否对应；主体已更名的，请填写现名称。",
    ),
    "identifier_conflict": (
        "主体代码与已登记的主体冲突",
        "核对统一社会信用代码和其他登记代码是否属于同一主体；有疑问请联系市信用办。",
    ),
    "identifier_missing": (
        "缺少主体代码",
        "法人和非法人组织至少填写统一社会信用代码或一种登记代码（工商注册号、组织机构代码等）。",
    ),
    "payload_invalid": (
        "数据不符合目录规格",
        "按反馈中的说明逐项修改后重新报送。",
    ),
    "uscc_checksum": (
        "统一社会信用代码校验位错误",
        "对照营业执照逐位核对（常见为 0 与 O、1 与 I 混淆或漏打一位）。",
    ),
    "uscc_length": (
        "统一社会信用代码位数不对",
        "统一社会信用代码为 18 位，核对是否多打、漏打或混入空格。",
    ),
    "uscc_charset": (
        "统一社会信用代码含有不允许的字符",
        "统一社会信用代码只含数字和大写字母（不含 I、O、Z、S、V），核对是否混入汉字或符号。",
    ),
    "uscc_authority": (
        "统一社会信用代码的登记管理部门码不对",
        "对照营业执照或登记证书核对前两位。",
    ),
    "uscc_division": (
        "统一社会信用代码的行政区划码不对",
        "对照营业执照核对第 3 至 8 位。",
    ),
    "uscc_org_code": (
        "统一社会信用代码中的组织机构代码校验错误",
        "对照营业执照核对第 9 至 17 位。",
    ),
    "uscc_placeholder": (
        "统一社会信用代码为占位值",
        "填写主体真实的统一社会信用代码；个体工商户没有代码的，按填报说明处理。",
    ),
    "id_checksum": (
        "身份证号码校验位错误",
        "对照身份证逐位核对，最后一位 X 用大写。",
    ),
    "id_length": (
        "身份证号码位数不对",
        "居民身份证号码为 18 位（旧证 15 位），核对是否多打、漏打或被 Excel 改成了科学计数。",
    ),
    "id_charset": (
        "身份证号码含有不允许的字符",
        "身份证号码前 17 位只能是数字，最后一位为数字或 X；把该列设为文本格式后重新填写。",
    ),
    "id_birth_date": (
        "身份证号码中的出生日期不存在",
        "对照身份证核对第 7 至 14 位。",
    ),
    "id_future_birth": (
        "身份证号码中的出生日期晚于今天",
        "对照身份证核对第 7 至 14 位。",
    ),
    "id_province": (
        "身份证号码的地址码不对",
        "对照身份证核对前两位。",
    ),
    "org_code_checksum": (
        "组织机构代码校验位错误",
        "对照组织机构代码证逐位核对。",
    ),
    "org_code_length": (
        "组织机构代码位数不对",
        "组织机构代码为 9 位（可带连字符），核对是否多打或漏打。",
    ),
    "org_code_charset": (
        "组织机构代码含有不允许的字符",
        "组织机构代码只含数字和大写字母。",
    ),
    # Warnings: the row is accepted, the department checks it.
    "uscc_category_mismatch": (
        "统一社会信用代码与主体类别不一致（提示）",
        "代码以 92 开头的是个体工商户、以 N 开头的是农村集体经济组织：核对行政相对人类别是否填对。",
    ),
    "amount_implausible": (
        "金额异常偏大（提示）",
        "核对金额的单位：万元列填的是万元，不要把以元为单位的金额直接填入。",
    ),
    "id_division_not_in_force": (
        "身份证号码的地区码在出生时不存在（提示）",
        "此类号码真实存在（如行政区划调整前后颁发），已照收；请核对号码是否抄错。",
    ),
}

#: The words and the fix of a code that :data:`PROBLEMS` does not know.
OTHER_PROBLEM = ("其他问题", "按反馈文件中的错误说明逐行修改后重新报送；有疑问请联系市信用办。")


def problem_label(code: str) -> str:
    """The problem an error code names, in Chinese (:data:`PROBLEMS`)."""
    return PROBLEMS.get(code, OTHER_PROBLEM)[0]


def how_to_fix(code: str) -> str:
    """What a department does about an error code, in Chinese (:data:`PROBLEMS`)."""
    return PROBLEMS.get(code, OTHER_PROBLEM)[1]
