"""D1 resource catalog (信用信息资源目录): items, field specifications, code tables, templates."""
