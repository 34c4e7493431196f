"""The assessment metrics (监测指标): what an automatic indicator measures of a unit in a
period, straight from the platform's tables.

A metric (:class:`Metric`) measures every :class:`Target` (a department, or a district with
all its departments) of a period at once (``measure``: a bounded number of grouped queries,
never one per target) and answers a :class:`Measure` per target — the value, the counts
behind it and a Chinese sentence; ``rows`` gives the rows it counted for one target, for the
export that lets a unit check its figure. The families: :mod:`.reporting` (批次),
:mod:`.publicity` (信用记录), :mod:`.objections` (异议), :mod:`.checks` (联合奖惩核查) and
:mod:`.other` (信用承诺, 接口调用).
"""

from __future__ import annotations

from collections.abc import Iterable

from credit.alerts.periods import Span
from credit.assessment.metrics import checks, objections, other, publicity, reporting
from credit.assessment.metrics.base import Measure, Metric, Target, department_q, target_of

__all__ = [
    "METRICS",
    "Measure",
    "Metric",
    "Target",
    "choices",
    "department_q",
    "get",
    "measure",
    "rows",
    "target_of",
]

_SCOPE = "部门按本部门统计；辖市区按其所有部门（含辖市区信用办）合计；"

METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric(
            code="reporting_channel",
            name="报送渠道",
            unit="级",
            definition=_SCOPE + "统计周期内接收完成且有有效入库数据（新增、更新或未变化的行）的"
            "报送批次：有批次通过数据接口推送或数据交换（中间库、前置文件）的为2级；只有页面上传或命令行导入的为1级；没有报送"
            "的为0级。接收失败和全部退回的批次不计。",
            measure=reporting.channel_measure,
            rows=reporting.channel_rows,
        ),
        Metric(
            code="reporting_volume",
            name="数据报送量",
            unit="%",
            definition=_SCOPE + "对每个启用的、按固定周期（每天、每周、每月、每季度、每年）更新"
            "且本单位为来源部门的目录项，统计其在统计周期内结束且已经结束的更新周期（每天更新的"
            "按工作日计）为应报送期数；在该更新周期内有接收完成且有有效入库数据的批次的为已报送。"
            "数值＝已报送期数÷应报送期数×100%；实时和不定期更新的目录项不计；没有应报送的期数时"
            "不计算。",
            measure=reporting.volume_measure,
            rows=reporting.volume_rows,
        ),
        Metric(
            code="publicity_timeliness",
            name="双公示报送及时率",
            unit="%",
            definition=_SCOPE + "统计周期内作出决定的双公示信息（行政许可、行政处罚，已撤销的不计）"
            "中，在决定之日后7个工作日内（决定当日不计，按国务院公布的节假日和调休计算）入库的"
            "占比。本期没有作出决定的双公示信息时不计算。",
            measure=publicity.timeliness_measure,
            rows=publicity.timeliness_rows,
        ),
        Metric(
            code="monthly_reporting",
            name="其他信用信息按月报送",
            unit="%",
            definition=_SCOPE + "统计周期内已开始的各月中，有接收完成且有有效入库数据的双公示以外"
            "目录项（名单、基础信息、其他信息）报送批次的月数占比。",
            measure=reporting.monthly_measure,
            rows=reporting.monthly_rows,
        ),
        Metric(
            code="valid_entry_rate",
            name="有效入库率",
            unit="%",
            definition=_SCOPE + "统计周期内接收完成的报送批次中，有效入库的行（新增、更新或未变化）"
            "占全部行的比例；被拒收的文件不计。没有报送数据时不计算。",
            measure=reporting.valid_entry_measure,
            rows=reporting.entry_rows,
        ),
        Metric(
            code="normativity",
            name="数据规范率",
            unit="%",
            definition=_SCOPE + "统计周期内接收完成的报送批次中，有效入库的行里无需平台自动纠正"
            "（如全角半角、日期格式）即符合规范的占比：（有效入库行数－经纠正后入库行数）÷有效入库"
            "行数。没有有效入库数据时不计算。",
            measure=reporting.normativity_measure,
            rows=reporting.entry_rows,
        ),
        Metric(
            code="list_reports",
            name="红黑名单报送",
            unit="条",
            definition=_SCOPE + "统计周期内入库的红名单和黑名单信息条数（按入库时间），已撤销的"
            "不计；重点关注名单不计。",
            measure=publicity.lists_measure,
            rows=publicity.lists_rows,
        ),
        Metric(
            code="objection_timeliness",
            name="异议核实及时率",
            unit="%",
            definition="转交本部门（辖市区：其所有部门）核实、在统计周期内完成核实且有核实期限"
            "的信用异议中，在核实期限当日或之前完成核实的占比。本期没有完成核实的异议时不计算。",
            measure=objections.verification_measure,
            rows=objections.verification_rows,
        ),
        Metric(
            code="overdue_objections",
            name="超期未核实异议",
            unit="件",
            definition="转交本部门（辖市区：其所有部门）核实、目前仍在办理中且尚未核实的信用异议"
            "中，核实期限早于统计周期最后一天（统计周期尚未结束的，早于今天）的件数。为扣分指标，"
            "越少越好。",
            measure=objections.overdue_measure,
            rows=objections.overdue_rows,
            higher_is_better=False,
        ),
        Metric(
            code="check_feedback_rate",
            name="核查反馈率",
            unit="%",
            definition="本部门（辖市区：其所有部门）在统计周期内进行的联合奖惩核查中，发现名单"
            "信息的核查有至少一条措施实施反馈的占比。本期没有发现名单信息的核查时不计算。",
            measure=checks.feedback_measure,
            rows=checks.feedback_rows,
        ),
        Metric(
            code="commitment_coverage",
            name="信用承诺覆盖率",
            unit="%",
            definition="按信用承诺覆盖率页面的口径，在统计周期最后一天（尚未结束的为今天）计算："
            "部门为本部门的告知承诺事项、容缺受理事项中有有效承诺的比例（辖市区部门只计本辖市区"
            "作出的承诺）；辖市区为本辖市区的主动承诺和行业自律覆盖市场主体、告知承诺事项使用、"
            "容缺受理事项使用、黑名单主体信用修复承诺四项。数值为各项“覆盖率÷目标值”（最高"
            "100%）的平均数，没有应覆盖对象的项不计入；各项都没有应覆盖对象时不计算。",
            measure=other.coverage_measure,
            rows=other.coverage_rows,
        ),
        Metric(
            code="interface_calls",
            name="数据归集接口调用",
            unit="次",
            definition="统计周期内属于本部门（辖市区：其所有部门）的接口调用方成功（状态码2xx）"
            "调用平台数据接口（/api/v1）的次数；工作人员在页面上的操作和失败的调用不计。",
            measure=other.calls_measure,
            rows=other.calls_rows,
        ),
        Metric(
            code="portal_publicity",
            name="门户网站专栏公示率",
            unit="%",
            definition=_SCOPE + "统计周期内作出决定、今天仍应公示的双公示信息（有效或异议中暂停"
            "公示，按公示规则应当公示，未过有效期和公示截止日）中，今天在门户网站双公示专栏公示的"
            "占比（信息使用范围为社会公开、未暂停公示、已到公示起始日）。没有应公示的信息时不计算。",
            measure=publicity.portal_measure,
            rows=publicity.portal_rows,
        ),
    )
}


def get(code: str) -> Metric:
    """The metric ``code``; KeyError for an unknown one."""
    return METRICS[code]


def measure(code: str, targets: list[Target], span: Span) -> dict[Target, Measure]:
    """Every target's measure of metric ``code`` in ``span``."""
    return get(code).measure(list(targets), span)


def rows(code: str, target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    """The export headers and the rows metric ``code`` counted for ``target`` in ``span``."""
    return get(code).rows(target, span)


def choices() -> list[tuple[str, str]]:
    """(code, name) of every metric, for forms."""
    return [(m.code, m.name) for m in METRICS.values()]
