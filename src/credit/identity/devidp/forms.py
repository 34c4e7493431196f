"""The development identity provider's login form."""

from __future__ import annotations

from django import forms


class LoginForm(forms.Form):
    login = forms.CharField(label="登录名", max_length=30)
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
