"""Login forms with the captcha: the staff login page's and the Django admin's.

Once the account typed or the client's address has ``CREDIT_LOGIN_CAPTCHA_AFTER`` failures
(``selectors.login_state``), the form carries a captcha field, and without the right answer
it refuses before the password is checked (so the attempt tells nothing and is not counted).
A failure that reaches the threshold adds the field to the form shown again. When the account
or the address is locked the captcha is not asked: axes refuses without checking the password
and the lockout page is shown instead of the form.
"""

from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField, CaptchaTextInput
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError

from credit.accounts.login import rules, selectors
from credit.accounts.login.selectors import LoginState
from credit.core.netaddr import client_ip

CAPTCHA_ERRORS = {
    "required": "连续输错密码次数较多，为保护账号安全，请输入图中的验证码后再登录。",
    "incomplete": "请输入图中的验证码。",
    "invalid": "验证码不正确或已过期，请输入新图片中的字符（不区分大小写）。",
}


class CaptchaWidget(CaptchaTextInput):
    """simple-captcha's widget with a Chinese label on the image; clicking it fetches a new one
    (``accounts/login.js``)."""

    template_name = "accounts/captcha_widget.html"


class CaptchaLoginMixin:
    """Adds the captcha to an :class:`AuthenticationForm` when the login protection asks for
    it (see the module's description)."""

    state: LoginState
    captcha_required: bool = False

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.state = self._current_state()
        if self.state.captcha_required:
            self._add_captcha()

    def _current_state(self) -> LoginState:
        username = None
        if self.is_bound:
            username = UsernameField().to_python(self.data.get(self.add_prefix("username")))
        ip = client_ip(self.request) if self.request is not None else None
        return selectors.login_state(username=username or None, ip=ip)

    def _add_captcha(self) -> None:
        self.captcha_required = True
        self.fields["captcha"] = CaptchaField(
            label="验证码",
            widget=CaptchaWidget(),
            error_messages=CAPTCHA_ERRORS,
            help_text="看不清可点击图片换一张",
        )

    def clean(self) -> dict[str, Any]:
        if self.captcha_required and "captcha" in self._errors and not self.state.locked:
            return self.cleaned_data  # no password check without the captcha
        try:
            return super().clean()
        except ValidationError:
            self.state = self._current_state()  # this failure is counted by now
            if self.state.captcha_required and not self.captcha_required:
                self._add_captcha()
            raise

    @property
    def cool_off_minutes(self) -> int:
        return int(rules.cool_off().total_seconds() // 60)


class LoginForm(CaptchaLoginMixin, AuthenticationForm):
    """The form of ``/accounts/login/``."""

    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入（区分大小写）。",
        "inactive": "该账号已停用。如需恢复，请联系市信用办管理员。",
    }


class AdminLoginForm(CaptchaLoginMixin, AdminAuthenticationForm):
    """The form of the Django admin's ``/admin/login/``."""

    error_messages = {
        "invalid_login": "用户名或密码不正确，或该账号不能进入管理后台。请重新输入（区分大小写）。",
        "inactive": "该账号已停用。如需恢复，请联系市信用办管理员。",
    }
