"""``{% account_menu %}``: the portal header's 「实名登录」, or 「我的」 with the masked name and
「退出」 for a signed-in real-name account. Nothing when no identity platform is configured."""

from __future__ import annotations

from typing import Any

from django import template

from credit.identity import oidc, rules
from credit.identity.session import current_account

register = template.Library()


@register.inclusion_tag("identity/_menu.html", takes_context=True)
def account_menu(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    if request is None:
        return {}
    account = current_account(request)
    return {
        "account": account,
        "configured": account is None and oidc.configured(),
        "next": rules.portal_next(request.get_full_path()),
        "csrf_token": context.get("csrf_token"),
    }
