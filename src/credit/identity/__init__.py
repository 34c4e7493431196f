"""Real-name login of the public (实名认证登录, P2b): citizens and company agents sign in to the
信用常州 portal through the province's unified identity platform over OpenID Connect.

The app owns the real-name accounts (:class:`~credit.identity.models.PublicAccount`), the OpenID
Connect client (:mod:`credit.identity.oidc`), the portal session of an account
(:mod:`credit.identity.session`: ``current_account`` and ``account_required`` for other apps)
and, for development and tests only, an identity provider of its own
(:mod:`credit.identity.devidp`). A real-name account is not a staff user: it never signs in to
the staff side and holds no permission.
"""
