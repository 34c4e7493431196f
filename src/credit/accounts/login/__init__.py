"""Login protection (登录保护): throttling, captcha and lockouts of the staff login.

What it guarantees, for ``/accounts/login/`` and the Django admin's ``/admin/login/`` alike:

- Failed logins are counted in PostgreSQL (django-axes' ``axes_accessattempt`` table), so every
  web process sees the same counts. They are counted twice over: per account (the username
  typed, whichever address it came from) and per address (``credit.core.netaddr.client_ip``,
  whichever username was typed).
- From ``CREDIT_LOGIN_CAPTCHA_AFTER`` failures of the account or the address on, the form asks
  for a captcha (django-simple-captcha) and does not check the password without it.
- At ``CREDIT_LOGIN_LOCK_AFTER`` failures of an account, or ``CREDIT_LOGIN_ADDRESS_LOCK_AFTER``
  of an address, within ``CREDIT_LOGIN_COOLOFF_MINUTES``, the account or the address is
  locked: even the right password is refused, with a Chinese page (status 429) saying until
  when. A lock always ends by itself once its failures are older than the cool-off; attempts
  made while locked do not prolong it.
- The user administrators (管理用户) unlock on ``/accounts/users/lockouts/``, the operators
  with ``credit unlock-login``: a district administrator only accounts of its own district,
  addresses only a city-wide administrator.
- Audit entries: ``login.failed`` for every failed login (username typed and address, never the
  password), ``login.locked`` when an account or an address becomes locked, ``login.unlocked``
  with the administrator who unlocked it.

Modules: ``rules`` (thresholds, when a lock ends), ``selectors`` (counts, current lockouts),
``services`` (audit of failures, unlocking), ``handler`` (the axes handler that calls them),
``forms`` and ``views`` (login forms with the captcha, the lockout page, the lockouts list).
"""
