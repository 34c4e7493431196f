"""公共信用信息平台 — public credit information platform."""
