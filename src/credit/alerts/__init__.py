"""Warnings (预警): rules as data (:class:`~credit.alerts.models.WarningRule`), the metrics they
watch computed from the source tables (:mod:`credit.alerts.metrics`), the hourly evaluation
that raises and closes warnings (:func:`credit.alerts.services.evaluate`, ``credit warnings
evaluate``), their life cycle open → acknowledged → closed, the pages under ``/warnings/`` and
``GET /api/v1/warnings``. New warnings are pushed to subscribers as ``warning.raised``
(:mod:`credit.alerts.events`)."""
