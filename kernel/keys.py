"""Typed keys for what the app holds."""

from aiohttp import web

from .config import Config
from .core import Kernel

KERNEL = web.AppKey("kernel", Kernel)
CONFIG = web.AppKey("config", Config)
