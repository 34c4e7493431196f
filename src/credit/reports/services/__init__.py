"""Every change to credit reports, one module per topic: :mod:`.templates` (报告模板),
:mod:`.applications` (applications, the two reviews, issue, revocation), :mod:`.changes`
(已更新 and the corrected re-issue) and :mod:`.authorisations` (授权).

Each function takes the acting principal (a staff user or an API client) or, on the portal,
the real-name account (:class:`credit.identity.models.PublicAccount`), checks it first,
writes in one transaction and leaves an audit entry (and an application step) in it.
"""

from credit.reports.services.applications import (
    CODE_PURPOSE,
    ISSUE_WORKING_DAYS,
    apply_online,
    approve,
    code_hash,
    enter_application,
    issue,
    preview_pdf,
    request_by_api,
    request_for,
    resubmit,
    review_materials,
    review_refusal,
    revoke,
    send_back,
    verify_path,
    verify_url,
    withdraw,
)
from credit.reports.services.authorisations import (
    active_authorisation,
    authorise,
    revoke_authorisation,
)
from credit.reports.services.changes import changed_records, follow_changes, supersede
from credit.reports.services.templates import save_template, set_template_active, usable_items

__all__ = [
    "CODE_PURPOSE",
    "ISSUE_WORKING_DAYS",
    "active_authorisation",
    "apply_online",
    "approve",
    "authorise",
    "changed_records",
    "code_hash",
    "enter_application",
    "follow_changes",
    "issue",
    "preview_pdf",
    "request_by_api",
    "request_for",
    "resubmit",
    "review_materials",
    "review_refusal",
    "revoke",
    "revoke_authorisation",
    "save_template",
    "send_back",
    "set_template_active",
    "supersede",
    "usable_items",
    "verify_path",
    "verify_url",
    "withdraw",
]
