"""The engineers jobs: the daily expiry warnings (EN-06), written in ``register.py``."""

from .register import govflow_jobs

__all__ = ["govflow_jobs"]
