"""The demo (演示数据, ``credit seed-demo``): synthetic Changzhou loaded with COPY, one account per
role and demo API clients, report batches and workflow cases made through the real services."""
