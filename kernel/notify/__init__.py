"""Notifications: an outbox written with the change it reports, delivered by a worker."""
