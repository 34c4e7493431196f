"""The RabbitMQ transport of the data-file adapter."""
