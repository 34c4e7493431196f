"""The form of the user-management page; the rules themselves live in accounts.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from credit.accounts import selectors
from credit.core.models import Region


class NewUserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    real_name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="角色")
    department = forms.ModelChoiceField(label="所属部门", queryset=None, required=False)
    region = forms.ModelChoiceField(label="所属区划", queryset=Region.objects.all(), required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, min_length=8)

    def __init__(self, *args: Any, principal: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = selectors.assignable_roles(principal)
        self.fields["department"].queryset = selectors.assignable_departments(principal)
        self.fields["region"].help_text = "未选部门时必填；选了部门则取部门所在区划"

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password)
        return password
