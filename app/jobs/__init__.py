"""Background jobs (Tác vụ nền): work too slow for a request, queued in the transaction
that needs it and run after that transaction commits — on RQ over Redis when ``REDIS_URL``
is set, else inline in the same process (the embedded default). ``runner`` queues and runs
them, ``models`` keeps each job's row, ``views`` is the admin's screen."""
