"""统计报表 (配置即应用): the report catalogue tree (报表目录) and the dashboards the credit office
composes from the dataset catalogue of :mod:`credit.dashboard` — panels laid out on a grid in a
designer page, published to roles, each exportable to Excel. Nothing imports this app."""
