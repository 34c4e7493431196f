"""Forms of the report catalogue: folders, a new board, moving and publishing a board, and the
filters bar of a board (the dashboard's query parameters)."""

from __future__ import annotations

from typing import Any

from django import forms

from credit.boards.models import Folder
from credit.boards.services import FILTER_KEYS, FOLDER_NAME_MAX, TITLE_MAX
from credit.catalog.models import CatalogItem
from credit.core.access import principal_of
from credit.core.errors import ValidationFailed
from credit.core.models import Department, Region
from credit.dashboard.datasets import Filters

#: Where a service's refusal shows on a form.
SERVICE_ERROR_FIELDS = {
    "folder_name_required": "name",
    "folder_name_too_long": "name",
    "folder_name_taken": "name",
    "folder_cycle": "parent",
    "folder_too_deep": "parent",
    "board_title_required": "title",
    "board_title_too_long": "title",
    "board_roles_required": "roles",
    "board_role_unknown": "roles",
}


class _FolderChoice(forms.TypedChoiceField):
    """A folder by its path in the tree; empty for the top level when ``top`` is given."""

    def __init__(self, *, label: str, top: str | None = None, **kwargs: Any) -> None:
        super().__init__(label=label, coerce=int, required=top is None, empty_value=None, **kwargs)
        self.top = top

    def set_choices(self, choices: list[tuple[int, str]]) -> None:
        self.choices = ([("", self.top)] if self.top is not None else []) + list(choices)


def _folder(pk: int | None) -> Folder | None:
    return Folder.objects.filter(pk=pk).first() if pk else None


class FolderAddForm(forms.Form):
    name = forms.CharField(label="目录名称", max_length=FOLDER_NAME_MAX)
    parent = _FolderChoice(label="上级目录", top="（顶层）")

    def __init__(self, *args: Any, folders: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].set_choices(folders)

    def parent_folder(self) -> Folder | None:
        return _folder(self.cleaned_data.get("parent"))


class FolderRenameForm(forms.Form):
    name = forms.CharField(label="新名称", max_length=FOLDER_NAME_MAX)


class FolderMoveForm(forms.Form):
    parent = _FolderChoice(label="移到", top="（顶层）")

    def __init__(self, *args: Any, folders: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].set_choices(folders)

    def parent_folder(self) -> Folder | None:
        return _folder(self.cleaned_data.get("parent"))


class BoardCreateForm(forms.Form):
    title = forms.CharField(label="报表名称", max_length=TITLE_MAX)
    folder = _FolderChoice(label="所属目录")

    def __init__(self, *args: Any, folders: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["folder"].set_choices(folders)

    def target(self) -> Folder | None:
        return _folder(self.cleaned_data.get("folder"))


class BoardMoveForm(forms.Form):
    folder = _FolderChoice(label="移到目录")

    def __init__(self, *args: Any, folders: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["folder"].set_choices(folders)

    def target(self) -> Folder | None:
        return _folder(self.cleaned_data.get("folder"))


class PublishForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="发布给以下角色",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个发布角色"},
    )

    def __init__(self, *args: Any, roles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = roles


class BoardFilterForm(forms.Form):
    """The filters bar of a board: district, department, catalog item and period, under the
    dashboard's query parameters (``region``, ``department``, ``item``, ``from``, ``to``). The
    choices are those of the user's tenant; a value that does not parse is reported in
    :attr:`problem` and not applied."""

    region = forms.ChoiceField(label="辖市区", required=False)
    department = forms.ChoiceField(label="部门", required=False)
    item = forms.ChoiceField(label="目录项", required=False)

    def __init__(self, query: Any, *, actor: Any) -> None:
        super().__init__({k: query.get(k, "") for k in FILTER_KEYS})
        month = forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"})
        self.fields["from"] = forms.CharField(label="起始月份", required=False, widget=month)
        self.fields["to"] = forms.CharField(label="截止月份", required=False, widget=month)
        self.fields["region"].choices = [("", "全市"), *self._regions(actor)]
        self.fields["department"].choices = [("", "全部部门"), *self._departments(actor)]
        self.fields["item"].choices = [("", "全部目录项"), *self._items()]
        self.problem = ""
        self.filters = Filters()
        try:
            self.filters = Filters.from_query(self.data)
        except ValidationFailed as exc:
            self.problem = exc.message

    @staticmethod
    def _regions(actor: Any) -> list[tuple[str, str]]:
        principal = principal_of(actor)
        regions = Region.objects.filter(is_active=True, level=Region.Level.DISTRICT)
        if not principal.city_wide and principal.departments is None and principal.region_id:
            regions = regions.filter(code=principal.region_id)
        return list(regions.order_by("sort_order", "code").values_list("code", "name"))

    @staticmethod
    def _departments(actor: Any) -> list[tuple[str, str]]:
        principal = principal_of(actor)
        departments = Department.objects.filter(is_active=True, is_data_provider=True)
        if principal.departments is not None:
            departments = departments.filter(pk__in=sorted(principal.departments))
        elif not principal.city_wide and principal.region_id:
            departments = departments.filter(region_id=principal.region_id)
        return list(departments.order_by("sort_order", "code").values_list("code", "name"))

    @staticmethod
    def _items() -> list[tuple[str, str]]:
        return list(
            CatalogItem.objects.filter(is_active=True).order_by("code").values_list("code", "name")
        )
