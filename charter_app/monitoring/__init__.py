"""What operators can see: request ids, structured logs, Prometheus metrics, the health check
and the record of the scheduler's runs."""
