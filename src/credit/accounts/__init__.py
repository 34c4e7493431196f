"""Users, roles and their permissions, department and district membership; the login
protection (captcha, lockouts, unlocking) in ``credit.accounts.login``."""
