"""Settings from the environment, read once when an app or a command starts."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: The repository (or installed tree) that holds the built-in ``rules/`` and ``schemas/``.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    rules_dir: Path = PROJECT_ROOT / "rules"
    schemas_dir: Path = PROJECT_ROOT / "schemas"
    data_dir: Path = PROJECT_ROOT / "data"
    #: Load plugins from the ``govflow.plugins`` entry points (off: only explicit ones).
    autoload_plugins: bool = True
    #: Watch rule files and put edits in force without a restart.
    watch_rules: bool = True
    #: ``postgres://user@host:5432/db``; empty: SQLite file ``<data_dir>/govflow.sqlite3``.
    database_url: str = ""
    #: Bearer tokens expire this long after login.
    token_ttl_minutes: int = 8 * 60
    #: Request bodies larger than this are refused with 413 (uploads included).
    max_body_bytes: int = 10 * 2**20
    #: Notification senders: ``log`` (default), ``smtp``, ``sms``; comma-separated.
    senders: str = "log"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "noreply@govflow.local"
    sms_gateway_url: str = ""
    #: Run the outbox worker inside the app (off in tests that drive it by hand).
    outbox_worker: bool = True
    #: Upgrade the database when the app starts; ``govflow serve --workers N`` migrates once
    #: before starting the workers instead, so they never race each other's migrations.
    migrate_on_start: bool = True
    #: Run the job runner of the system actor inside the app (off in tests that drive it).
    jobs: bool = True
    #: How often the job runner looks for due work, in seconds.
    jobs_tick_seconds: float = 1.0
    #: Draws a captcha's answer; ``None``: random. Tests set it to know what to type.
    captcha_text: Callable[[], str] | None = None
    #: Captchas one client address may ask for in a minute.
    captcha_per_minute: int = 20
    #: A captcha is refused this long after it was issued.
    captcha_ttl_minutes: int = 5
    #: Take the client address from X-Forwarded-For (its first entry): only behind a proxy that
    #: sets that header itself, overwriting the client's, else anyone claims any address.
    trust_forwarded_for: bool = False
    #: Which implementation each outside service uses: ``name=impl,name=impl`` (else its default).
    adapters: str = ""
    #: Serve ``/metrics`` and ``/api/rules`` to anyone; off: only to reviewers and admins
    #: (they tell an outsider the traffic, the rule sources and their history).
    public_operations: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        default = cls()
        return cls(
            rules_dir=Path(env.get("GOVFLOW_RULES_DIR", default.rules_dir)).resolve(),
            schemas_dir=Path(env.get("GOVFLOW_SCHEMAS_DIR", default.schemas_dir)).resolve(),
            data_dir=Path(env.get("GOVFLOW_DATA_DIR", default.data_dir)).resolve(),
            autoload_plugins=env.get("GOVFLOW_DISABLE_PLUGIN_AUTOLOAD", "") in ("", "0"),
            watch_rules=env.get("GOVFLOW_WATCH_RULES", "1") not in ("", "0"),
            database_url=env.get("GOVFLOW_DATABASE_URL", ""),
            token_ttl_minutes=int(env.get("GOVFLOW_TOKEN_TTL_MINUTES", default.token_ttl_minutes)),
            max_body_bytes=int(env.get("GOVFLOW_MAX_BODY_BYTES", default.max_body_bytes)),
            senders=env.get("GOVFLOW_SENDERS", default.senders),
            smtp_host=env.get("GOVFLOW_SMTP_HOST", default.smtp_host),
            smtp_port=int(env.get("GOVFLOW_SMTP_PORT", default.smtp_port)),
            smtp_sender=env.get("GOVFLOW_SMTP_SENDER", default.smtp_sender),
            sms_gateway_url=env.get("GOVFLOW_SMS_GATEWAY_URL", ""),
            outbox_worker=env.get("GOVFLOW_OUTBOX_WORKER", "1") not in ("", "0"),
            adapters=env.get("GOVFLOW_ADAPTERS", ""),
            jobs=env.get("GOVFLOW_JOBS", "1") not in ("", "0"),
            jobs_tick_seconds=float(env.get("GOVFLOW_JOBS_TICK", default.jobs_tick_seconds)),
            captcha_per_minute=int(
                env.get("GOVFLOW_CAPTCHA_PER_MINUTE", default.captcha_per_minute)
            ),
            captcha_ttl_minutes=int(
                env.get("GOVFLOW_CAPTCHA_TTL_MINUTES", default.captcha_ttl_minutes)
            ),
            trust_forwarded_for=env.get("GOVFLOW_TRUST_FORWARDED_FOR", "") not in ("", "0"),
            public_operations=env.get("GOVFLOW_PUBLIC_OPERATIONS", "") not in ("", "0"),
        )
