"""Users, roles and their permissions, department and district membership."""
