"""``/api/v1/integrity``: government integrity (政务诚信) for the organisation and HR
departments' systems and the credit office.

- ``POST /civil-servants/search`` ``{"id_number": …}``: a civil servant's integrity archive by
  resident ID number — the masked name, the unit, the score, the grade and the explained
  items that make it up (which record, how many points, until when). POST keeps the number
  out of URLs and access logs; the call log keeps it masked, and every search — found or
  not, valid or not — is audited with the number's masked form and blind index only.
- ``GET /government-dishonesty``: the government dishonesty records (政务失信记录) in force
  that the caller may use by their usage scope (信息使用范围), with the reasons, handling and
  accountability results, paged.
- ``GET /honour/{kind}``: the 红榜 (``red``) or 黑榜 (``black``) as the rule in force draws it,
  within the archives the caller may read.

Callers: API clients holding the scope ``integrity:read`` (the archives and the 红黑榜; a
department's system only) or ``integrity:government`` (the government dishonesty records, any
client, by its usage scopes); staff sessions holding the permission 查阅公务员诚信档案, or
查看信用记录 for the government dishonesty records. Which archives a caller reads is decided
by one rule for both (:func:`credit.integrity.selectors.archive_q`): the credit office every
archive, a district its district's, an organisation or HR department (组织部、人社局) its
region's, any other department its own unit's. A person outside that scope answers 404
exactly like an unknown number.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from credit.core import audit
from credit.core.access import Perm, Principal
from credit.core.crypto import id_index
from credit.core.errors import NotFound, ValidationFailed
from credit.core.identifiers import IdentifierError, normalize_code, parse_resident_id
from credit.core.inputs import Offset
from credit.core.masking import mask_id_number, mask_name
from credit.core.schemas import BODY_ERRORS, responses
from credit.integrity.constants import Grade, HonourKind
from credit.integrity.models import CivilServant
from credit.integrity.selectors import civil_servants_for, explanation
from credit.integrity.selectors import government as gov
from credit.integrity.selectors import honour as honours
from credit.subjects.constants import IdType
from credit.subjects.selectors import natural_person_by_id

router = Router(tags=["政务诚信"])

NOT_FOUND_MESSAGE = "未找到该身份证号码对应的公务员诚信档案"


class SearchIn(Schema):
    id_number: str = Field(
        ...,
        min_length=1,
        max_length=40,
        description="公务人员的居民身份证号码（18位，或15位旧号码）",
    )


class ScoreItemOut(Schema):
    kind: str = Field(..., description="信息类别（目录项名称），如 纪律处分信息")
    record: str = Field(
        ..., description="所依据的记录：文书号（处分文号、判决书编号 …），无文号时为记录编号"
    )
    record_id: int = Field(..., description="记录编号")
    rule: str = Field(..., description="评分规则中的扣分（加分）事项")
    points: int = Field(..., description="分值：负数为扣分，正数为加分")
    counts_from: datetime.date = Field(..., description="计分起始日")
    valid_until: datetime.date | None = Field(
        None, description="最后计分日（含当日）；null 为记录有效期间一直计分"
    )


class ArchiveOut(Schema):
    name: str = Field(..., description="姓名（脱敏）")
    unit: str = Field(..., description="现工作单位")
    score: int | None = Field(..., description="当前诚信分（基准分加减各项分值）；尚未计分为 null")
    grade: Literal[tuple(Grade.values)] | None = Field(
        ..., description="等级：A ≥ 500 分，B 451–499，C 351–450，D ≤ 350；尚未计分为 null"
    )
    items: list[ScoreItemOut] = Field(..., description="计入当前得分的各项加减分及其依据")
    ruleset: str | None = Field(..., description="计分所用的评分规则版本标识")
    computed_at: datetime.datetime | None = Field(..., description="计分时间")


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="id_number_invalid")


def _resident_id(value: str) -> str:
    """The 18-character form of a valid resident ID number (a 15-digit one upgraded)."""
    try:
        return parse_resident_id(value).number
    except IdentifierError as exc:
        raise _invalid(f"身份证号码不正确：{exc.message}") from None


def archive_out(cs: CivilServant) -> dict:
    """The archive as the search answers it: the point changes counting now."""
    items = explanation.explained_items(cs, in_force_only=True)
    return {
        "name": mask_name(cs.natural_person.name),
        "unit": cs.unit_name,
        "score": cs.score,
        "grade": cs.grade or None,
        "items": [
            {
                "kind": i.kind,
                "record": i.document_no or str(i.record_id),
                "record_id": i.record_id,
                "rule": i.rule,
                "points": i.points,
                "counts_from": i.counts_from,
                "valid_until": i.last_day,
            }
            for i in sorted(items, key=lambda i: (i.counts_from, i.record_id))
        ],
        "ruleset": cs.ruleset.code if cs.ruleset_id else None,
        "computed_at": cs.computed_at,
    }


@router.post(
    "/civil-servants/search",
    response=responses(ArchiveOut, 404, *BODY_ERRORS),
    summary="按身份证号码查询公务员诚信档案",
    description=(
        "按居民身份证号码（18位，15位旧号码自动升位）查询一名公务人员的诚信档案：姓名（脱敏）、"
        "工作单位、诚信分、等级和计入当前得分的各项加减分（信息类别、所依据的记录、分值、"
        "最后计分日）。使用 POST，身份证号码不出现在地址和访问日志中；每次查询（无论是否查到）"
        "记入审计日志，只记录号码的脱敏形式和索引。只能查询调用方数据范围内的档案：信用办全市，"
        "辖市区本辖区，组织部、人社局本辖区，其他单位本单位。错误码：422 id_number_invalid"
        "（号码格式、校验码或出生日期不正确）；404 civil_servant_not_found（无此人、不是公务人员，"
        "或不在数据范围内，三者不作区分）；403 permission_denied、scope_not_granted。"
    ),
    operation_id="credit_integrity_api_search_civil_servant",
)
def search_civil_servant(request: HttpRequest, body: SearchIn):
    """Validate, look up through the blind index within the caller's archives, audit."""
    principal: Principal = request.auth
    principal.require(Perm.INTEGRITY_VIEW)
    request.call_subject = body.id_number  # the call log masks a resident ID number
    raw = normalize_code(body.id_number)
    try:
        number = _resident_id(raw)
    except ValidationFailed:
        _audit(principal, None, mask_id_number(raw), "", valid=False)
        raise
    person = natural_person_by_id(number)
    cs = (
        civil_servants_for(principal).filter(natural_person=person).first()
        if person is not None
        else None
    )
    _audit(principal, cs, mask_id_number(number), id_index(IdType.RESIDENT_ID, number), valid=True)
    request.call_result = {"found": cs is not None}
    if cs is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="civil_servant_not_found")
    return archive_out(cs)


def _audit(
    principal: Principal, cs: CivilServant | None, masked: str, index: str, *, valid: bool
) -> None:
    """Record the search: who, whose archive (if found), the number masked and its blind
    index — never the number itself."""
    audit.record(
        "integrity.archive_searched",
        actor=principal,
        obj=cs,
        object_type="" if cs is not None else "integrity.civilservant",
        object_repr="" if cs is not None else "（未查到）",
        after={
            "channel": "api",
            "id_masked": masked,
            "id_index": index,
            "valid": valid,
            "found": cs is not None,
        },
    )


# --------------------------------------------------------------------------------------------
# Government dishonesty records
# --------------------------------------------------------------------------------------------


class GovRecordOut(Schema):
    id: int = Field(..., description="记录编号")
    subject_name: str = Field(..., description="失信主体名称")
    uscc: str = Field(..., description="统一社会信用代码")
    dishonesty_type: str = Field(..., description="失信类型")
    behaviour: str = Field(..., description="失信行为")
    reason: str = Field(..., description="具体原因")
    handling: str = Field(..., description="处理结果")
    accountability: str = Field(..., description="追责结果")
    document_no: str = Field(..., description="认定文书号")
    decision_date: datetime.date | None = Field(None, description="认定日期")
    authority: str = Field(..., description="认定单位")
    department: str = Field(..., description="报送部门")
    region: str = Field(..., description="所属区划")
    publicity_end: datetime.date | None = Field(None, description="公示截止期；null 为长期")


class GovPageOut(Schema):
    count: int = Field(..., description="符合筛选条件的记录总数（分页前）")
    records: list[GovRecordOut]


@router.get(
    "/government-dishonesty",
    response=responses(GovPageOut),
    summary="政务失信记录",
    description=(
        "调用方按信息使用范围可以使用的、有效的政务失信记录（政府机关被列为失信被执行人、违约毁约、"
        "拖欠企业账款、不履行行政诉讼生效裁判等），含具体原因、处理结果和追责结果，按认定日期从新到旧。"
        "已撤销（统一撤销）、已修复、已过公示期的记录不再返回。"
    ),
    operation_id="credit_integrity_api_government_dishonesty",
)
def government_dishonesty(
    request: HttpRequest,
    type: str = Query("", max_length=40, description="失信类型，如 拖欠企业账款"),
    region: str = Query("", pattern=r"^([0-9]{6})?$", description="行政区划代码"),
    year: int | None = Query(None, ge=1949, le=2999, description="认定年度"),
    name: str = Query("", max_length=100, description="失信主体名称（部分）"),
    limit: int = Query(50, ge=1, le=500),
    offset: Offset = 0,
):
    principal: Principal = request.auth
    principal.require(Perm.RECORD_VIEW)
    filters = gov.GovFilters(type=type.strip(), region=region, year=year, name=name.strip())
    qs = gov.records_for(principal, filters)
    found = list(qs[offset : offset + limit])
    request.call_result = {"records": len(found)}
    return {
        "count": qs.count(),
        "records": [gov.row_for(r, principal).__dict__ for r in found],
    }


# --------------------------------------------------------------------------------------------
# 红黑榜
# --------------------------------------------------------------------------------------------


class HonourRuleOut(Schema):
    name: str = Field(..., description="规则名称")
    effective_from: datetime.date = Field(..., description="施行日期")
    years: int = Field(..., description="统计年限（年）")
    min_count: int = Field(..., description="黑榜：最少失信记录数")
    require_excellent: bool = Field(..., description="红榜：须有优秀考核结果")
    published: bool = Field(..., description="是否在门户网站公示")
    measures: str = Field(..., description="处理措施（如 评优评先限制）")
    basis: str = Field(..., description="依据")


class OutcomeOut(Schema):
    item: str = Field(..., description="信息类别")
    result: str = Field(..., description="处理结果")
    decision_date: datetime.date | None = Field(None, description="决定日期")
    document_no: str = Field(..., description="文书号")


class HonourEntryOut(Schema):
    civil_servant: int = Field(..., description="档案编号")
    name: str = Field(..., description="姓名（接口调用方为脱敏姓名）")
    unit: str = Field(..., description="工作单位")
    region: str = Field(..., description="所属区划")
    count: int | None = Field(None, description="黑榜：计入的失信记录数")
    outcomes: list[OutcomeOut] | None = Field(None, description="黑榜：各记录及其处理结果")
    faith_since: datetime.date | None = Field(None, description="红榜：守信起始日")
    kept: str | None = Field(None, description="红榜：持续守信时长")
    honours: list[str] | None = Field(None, description="红榜：评优评先结果（优秀年度）")
    score: int | None = Field(None, description="红榜：诚信分")


class HonourOut(Schema):
    kind: Literal[tuple(HonourKind.values)] = Field(..., description="red 红榜 / black 黑榜")
    rule: HonourRuleOut | None = Field(None, description="施行中的规则；null 为尚无规则")
    as_of: datetime.date = Field(..., description="统计日期")
    count: int = Field(..., description="榜单人数（分页前）")
    entries: list[HonourEntryOut]


def _entry(row: honours.BlackRow | honours.RedRow, principal: Principal) -> dict:
    out = {
        "civil_servant": row.civil_servant_id,
        "name": mask_name(row.name) if principal.masked_names else row.name,
        "unit": row.unit,
        "region": row.region,
    }
    if isinstance(row, honours.BlackRow):
        out["count"] = row.count
        out["outcomes"] = [o.__dict__ for o in row.outcomes]
    else:
        out.update(
            faith_since=row.faith_since,
            kept=row.kept_text,
            honours=list(row.honours),
            score=row.score,
        )
    return out


@router.get(
    "/honour/{kind}",
    response=responses(HonourOut),
    summary="红黑榜",
    description=(
        "按施行中的红黑榜规则生成的红榜（red：长期守信，无扣分且有优秀考核结果）或黑榜（black："
        "有政务失信等记录），限调用方数据范围内的档案；姓名对接口调用方脱敏。"
    ),
    operation_id="credit_integrity_api_honour",
)
def honour(
    request: HttpRequest,
    kind: Literal[tuple(HonourKind.values)] = Path(..., description="red 红榜 / black 黑榜"),
    region: str = Query("", pattern=r"^([0-9]{6})?$", description="行政区划代码"),
    unit: str = Query("", max_length=32, description="工作单位（部门编码）"),
    limit: int = Query(50, ge=1, le=500),
    offset: Offset = 0,
):
    principal: Principal = request.auth
    principal.require(Perm.INTEGRITY_VIEW)
    found = honours.honour_list(
        kind, principal, filters=honours.HonourFilters(region=region, unit=unit.strip())
    )
    rule = found.rule
    entries = [_entry(r, principal) for r in found.slice(offset, limit)]
    request.call_result = {"entries": len(entries)}
    return {
        "kind": kind,
        "rule": None
        if rule is None
        else {
            "name": rule.name,
            "effective_from": rule.effective_from,
            "years": rule.years,
            "min_count": rule.min_count,
            "require_excellent": rule.require_excellent,
            "published": rule.published,
            "measures": rule.measures,
            "basis": rule.basis,
        },
        "as_of": found.today,
        "count": found.count(),
        "entries": entries,
    }
