"""The development identity provider (开发测试用身份认证平台): an OpenID Connect provider built on
django-oauth-toolkit that stands in for the province's unified identity platform in
``make demo`` and in the tests. Installed and mounted at ``/dev-idp/`` only when
``CREDIT_DEV_IDP`` is on (never in production).

Its made-up people (:class:`~credit.identity.devidp.models.DevIdentity`) sign in on its own
Chinese login page; the claims the province sends (name, id_card, user_type, uscc, org_name,
phone_number) come from their profile (:mod:`credit.identity.devidp.validator`).

django-oauth-toolkit ties grants and tokens to a row of the user model, so each made-up person
has one — a row that is no member of staff: username ``devidp:<login>``
(``credit.accounts.models.OUTSIDE_USERNAME_PREFIX``, left out of the user list and refused to
staff accounts), role 接口调用方 (no permission), inactive, with an unusable password (the staff
login and the admin refuse it). The provider never signs anyone in to ``django.contrib.auth``:
its login keeps the person in the session for the one authorization request that follows
(:mod:`credit.identity.devidp.views`).
"""
