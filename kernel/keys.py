"""Typed keys for what the app holds."""

import asyncio

from aiohttp import web

from .config import Config
from .core import Kernel

KERNEL = web.AppKey("kernel", Kernel)
CONFIG = web.AppKey("config", Config)
#: Set to have the job runner look for due work now rather than at its next tick.
JOBS_WAKE = web.AppKey("jobs_wake", asyncio.Event)
