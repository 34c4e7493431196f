"""Background jobs of the sanctions app, run by ``credit procrastinate worker``: the push
deliveries (:mod:`credit.sanctions.push_tasks`). List entries expire with every other record
(``records.expire_publicity``, :mod:`credit.records.tasks`)."""

from credit.sanctions import push_tasks  # noqa: F401 — registers the push jobs
