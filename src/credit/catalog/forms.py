"""Forms of the catalog editor (目录维护): an item's properties, a new item, one field.

Forms only parse and bound the input and show choices by their Chinese names; the catalog's
rules (those of the JSON import) live in :mod:`credit.catalog.services`, whose refusals
(:class:`~credit.catalog.services.CatalogEditRefused`) :meth:`EditorForm.show_refusal` puts
back on the fields they concern.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from credit.catalog.constants import (
    Category,
    DataType,
    FieldRole,
    PublicityMode,
    Sensitivity,
    SubjectType,
    Unit,
    UpdatePeriod,
    UsageScope,
    Validator,
)
from credit.catalog.models import CodeTable
from credit.catalog.services import CatalogEditRefused
from credit.catalog.spec import CODE_RE, ITEM_CODE_RE
from credit.core.errors import CreditError
from credit.core.models import Department, Region

item_code = RegexValidator(
    ITEM_CODE_RE, "目录项标识由小写字母开头，可含小写字母、数字和连字符，如 admin-penalty"
)
field_code = RegexValidator(
    CODE_RE, "字段标识由小写字母开头，可含小写字母、数字和下划线，如 document_no"
)
#: What separates aliases typed in one box: 、 ， , ； ; and line breaks.
ALIAS_SEPARATORS = re.compile(r"[、，,；;\n\r]+")


class EditorForm(forms.Form):
    """A form whose service may refuse with problems on several of its fields."""

    #: Document key (``type``) → form field (``data_type``), where they differ.
    key_fields: dict[str, str] = {}

    def show_refusal(self, exc: CreditError) -> None:
        """Put each problem of a :class:`CatalogEditRefused` on the field it concerns, or on
        the form; :func:`credit.core.forms.submit` then adds the summary to the form."""
        if not isinstance(exc, CatalogEditRefused):
            return
        for problem in exc.problems:
            name = self.key_fields.get(problem.key, problem.key)
            self.add_error(name if name in self.fields else None, problem.message)


def _department_choices(region: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Departments by region (市级部门 first), by their Chinese names; those of ``region``
    only when given (an extension item's source departments are its district's)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    departments = Department.objects.select_related("region").order_by(
        "region__sort_order", "region_id", "sort_order", "code"
    )
    if region:
        departments = departments.filter(region_id=region)
    for dept in departments:
        label = dept.name if dept.is_active else f"{dept.name}（已停用）"
        groups.setdefault(dept.region.name, []).append((dept.code, label))
    return list(groups.items())


class ItemForm(EditorForm):
    """An item's properties (:data:`credit.catalog.services.ITEM_PROPERTIES`)."""

    name = forms.CharField(label="名称", max_length=100)
    category = forms.ChoiceField(label="分类", choices=Category.choices)
    subject_type = forms.ChoiceField(label="主体类型", choices=SubjectType.choices)
    update_period = forms.ChoiceField(label="更新周期", choices=UpdatePeriod.choices)
    usage_scope = forms.ChoiceField(
        label="信息使用范围",
        choices=UsageScope.choices,
        help_text="各字段默认沿用此范围",
    )
    publicity_mode = forms.ChoiceField(
        label="公示方式", choices=PublicityMode.choices, initial=PublicityMode.VALIDITY
    )
    source_departments = forms.MultipleChoiceField(
        label="来源部门",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选则任何部门都可以报送",
    )
    description = forms.CharField(
        label="说明", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    basis = forms.CharField(label="依据", max_length=300, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    sort_order = forms.IntegerField(
        label="排序", min_value=0, max_value=32767, initial=0, help_text="数字小的排在前面"
    )

    def __init__(
        self, *args: Any, item: dict | None = None, region: str | None = None, **kwargs: Any
    ):
        """``region``: the district whose extension item this is (its departments are
        offered as source departments), None for a city item."""
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = {k: item[k] for k in self.base_fields if k in item}
        super().__init__(*args, **kwargs)
        self.fields["source_departments"].choices = _department_choices(region)

    def properties(self) -> dict[str, Any]:
        """The arguments of :func:`credit.catalog.services.update_item`."""
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "category": data["category"],
            "subject_type": data["subject_type"],
            "update_period": data["update_period"],
            "usage_scope": data["usage_scope"],
            "publicity_mode": data["publicity_mode"],
            "source_departments": sorted(data["source_departments"]),
            "description": data["description"].strip(),
            "basis": data["basis"].strip(),
            "is_active": data["is_active"],
            "sort_order": data["sort_order"],
        }


class NewItemForm(ItemForm):
    """A new item: its code, its properties and its first field (a 主体名称 column unless
    changed); the other fields are added on the item's page."""

    code = forms.CharField(
        label="目录项标识",
        max_length=64,
        validators=[item_code],
        help_text="创建后不能修改，如 admin-penalty",
    )
    first_code = forms.CharField(
        label="第一个字段的标识", max_length=64, validators=[field_code], initial="subject_name"
    )
    first_name = forms.CharField(label="第一个字段的名称", max_length=100, initial="主体名称")
    first_max_length = forms.IntegerField(
        label="第一个字段的最大长度", min_value=1, max_value=10000, initial=200
    )

    region = forms.ChoiceField(
        label="所属区划",
        required=False,
        help_text="全市目录项各辖市区通用；选择辖市区则为该辖市区的扩展目录项，只由其部门报送",
    )

    field_order = ["code", "region", "name"]
    key_fields = {"code": "code"}

    def __init__(self, *args: Any, region: str | None = None, **kwargs: Any):
        """``region``: the district of a district's administrator, whose new items are its
        extension items (no choice shown); None for the city, which chooses."""
        super().__init__(*args, region=region, **kwargs)
        if region:
            del self.fields["region"]
        else:
            self.fields["region"].choices = [("", "全市")] + [
                (r.code, r.name)
                for r in Region.objects.filter(level=Region.Level.DISTRICT, is_active=True)
            ]

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def chosen_region(self) -> str | None:
        """The region chosen for the new item (None: the city's catalog, or not offered)."""
        return self.cleaned_data.get("region") or None

    def first_field(self) -> dict[str, Any]:
        """The new item's first field: a required text column, the subject's name."""
        data = self.cleaned_data
        return {
            "code": data["first_code"],
            "name": data["first_name"].strip(),
            "type": DataType.STRING,
            "max_length": data["first_max_length"],
            "required": True,
            "role": FieldRole.SUBJECT_NAME,
        }


def _code_table_choices() -> list[tuple[str, str]]:
    return [("", "（不使用代码表）")] + [
        (t.code, t.name) for t in CodeTable.objects.order_by("name", "code")
    ]


class FieldForm(EditorForm):
    """One field of an item (:data:`credit.catalog.services.FIELD_PROPERTIES`); with
    ``field`` it edits that field (its code cannot change), without it adds one.
    ``siblings`` are the item's other fields (code, name), offered as the 证件类型 field of
    the 按证件类型校验 validator."""

    code = forms.CharField(
        label="字段标识",
        max_length=64,
        validators=[field_code],
        help_text="添加后不能修改，如 document_no",
    )
    name = forms.CharField(label="字段名称（国家标准）", max_length=100)
    aliases = forms.CharField(
        label="别名",
        required=False,
        max_length=2000,
        help_text="上传时也接受的其他表头，多个用顿号“、”分隔",
    )
    data_type = forms.ChoiceField(label="类型", choices=DataType.choices)
    max_length = forms.IntegerField(
        label="最大长度", required=False, min_value=1, max_value=100000, help_text="字符串必填"
    )
    decimal_places = forms.IntegerField(
        label="小数位数", required=False, min_value=0, max_value=12, help_text="万元金额用 6"
    )
    unit = forms.ChoiceField(
        label="单位", choices=Unit.choices, required=False, help_text="仅数值和整数字段"
    )
    required = forms.BooleanField(label="必填", required=False)
    code_table = forms.ChoiceField(label="代码表", required=False, help_text="代码类型必填")
    multi_value = forms.BooleanField(label="可多值（多个代码值用分号或顿号分隔）", required=False)
    validator = forms.ChoiceField(label="校验规则", choices=Validator.choices, required=False)
    type_field = forms.ChoiceField(
        label="证件类型字段", required=False, help_text="校验规则为“按证件类型校验”时必选"
    )
    sensitivity = forms.ChoiceField(
        label="敏感级别", choices=Sensitivity.choices, initial=Sensitivity.PUBLIC
    )
    usage_scope = forms.ChoiceField(
        label="信息使用范围",
        choices=[("", "（沿用目录项的范围）"), *UsageScope.choices],
        required=False,
    )
    role = forms.ChoiceField(
        label="业务含义",
        choices=[("", "（无）"), *((v, label) for v, label in FieldRole.choices if v)],
        required=False,
        help_text="平台据此识别主体、文书号和日期，每种含义在一个目录项中只能用一次",
    )
    description = forms.CharField(label="说明", max_length=300, required=False)

    key_fields = {"type": "data_type", "validator_args": "type_field"}

    def __init__(
        self,
        *args: Any,
        field: dict | None = None,
        siblings: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ):
        if field is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(field)
        super().__init__(*args, **kwargs)
        self.field = field
        self.fields["code_table"].choices = _code_table_choices()
        self.fields["type_field"].choices = [("", "（无）")] + [
            (code, f"{name}（{code}）") for code, name in siblings or []
        ]
        if field is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "字段标识不能修改"

    def clean_aliases(self) -> list[str]:
        words = (w.strip() for w in ALIAS_SEPARATORS.split(self.cleaned_data["aliases"] or ""))
        return list(dict.fromkeys(w for w in words if w))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("data_type") == DataType.STRING and not data.get("max_length"):
            self.add_error("max_length", "字符串类型的字段须填写最大长度")
        if data.get("validator") == Validator.ID_BY_TYPE and not data.get("type_field"):
            self.add_error("type_field", "请选择存放证件类型的字段")
        return data

    def properties(self) -> dict[str, Any]:
        """The arguments of :func:`credit.catalog.services.update_field` (and, with the code,
        of :func:`~credit.catalog.services.add_field`). The validator's arguments are kept
        unless the validator is 按证件类型校验, whose 证件类型 field the form sets."""
        data = self.cleaned_data
        args = dict(self.field["validator_args"]) if self.field else {}
        if data["validator"] == Validator.ID_BY_TYPE:
            args["type_field"] = data["type_field"]
        else:
            args.pop("type_field", None)
        return {
            "name": data["name"].strip(),
            "aliases": data["aliases"],
            "type": data["data_type"],
            "max_length": data["max_length"],
            "decimal_places": data["decimal_places"],
            "unit": data["unit"] or "",
            "required": data["required"],
            "code_table": data["code_table"] or None,
            "multi_value": data["multi_value"],
            "validator": data["validator"] or "",
            "validator_args": args,
            "sensitivity": data["sensitivity"],
            "usage_scope": data["usage_scope"] or "",
            "role": data["role"] or "",
            "description": data["description"].strip(),
        }

    def new_field(self) -> dict[str, Any]:
        """The argument ``field`` of :func:`credit.catalog.services.add_field`."""
        return {"code": self.cleaned_data["code"], **self.properties()}


def initial_of(field: dict) -> dict[str, Any]:
    """A field document (``credit.catalog.selectors.export_item``) as the form's values."""
    return {
        "code": field["code"],
        "name": field["name"],
        "aliases": "、".join(field["aliases"]),
        "data_type": field["type"],
        "max_length": field["max_length"],
        "decimal_places": field["decimal_places"],
        "unit": field["unit"],
        "required": field["required"],
        "code_table": field["code_table"] or "",
        "multi_value": field["multi_value"],
        "validator": field["validator"],
        "type_field": field["validator_args"].get("type_field", ""),
        "sensitivity": field["sensitivity"],
        "usage_scope": field["usage_scope"],
        "role": field["role"],
        "description": field["description"],
    }
