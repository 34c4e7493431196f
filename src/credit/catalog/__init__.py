"""D1 resource catalog (信用信息资源目录): catalog items, their field specifications and code
tables, payload validation and masking rules, Excel templates, the catalog's import and export."""
