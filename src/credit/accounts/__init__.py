"""Staff accounts (用户): users, roles (角色) and their permissions, department and district
membership, the user administration page; the login protection (登录保护) in ``.login``."""
