"""The one settings object: ``monitor.toml`` plus ``MONITOR_*`` environment variables.

Built once at an entry point (CLI command, worker start, web app factory) and passed
down; nothing below the entry points reads the environment.
"""

from __future__ import annotations

import ipaddress
import os
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

_BEIJING = ZoneInfo("Asia/Shanghai")
_ZONE_CHECK_DAYS = tuple(datetime(year, month, 1) for year in (2000, 2026) for month in (1, 7))
CONFIG_FILE_ENV = "MONITOR_CONFIG"
# The file ``load_settings`` was given, only while it builds the settings: the one
# source of settings then reads it instead of $MONITOR_CONFIG.
_asked_file: ContextVar[Path | None] = ContextVar("monitor_config_file", default=None)
DEFAULT_CONFIG_FILE = "monitor.toml"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class AttachmentSettings(BaseModel):
    """Attachments of the item pages a crawl reads (new or changed items), downloaded,
    archived as evidence and their text extracted for the rules (monitor/extract)."""

    enabled: bool = True
    max_bytes: int = Field(default=10 * 1024 * 1024, description="a larger file is not read")
    max_per_item: int = 10
    max_per_crawl: int = 2000
    types: tuple[str, ...] = (
        "xls", "xlsx", "csv", "doc", "docx", "pdf", "wps", "png", "jpg", "jpeg",
    )  # fmt: skip
    # Text kept per file, and the limit an xlsx/docx may unpack to (a zip bomb).
    max_text_chars: int = 2_000_000
    max_unpacked_bytes: int = 200 * 1024 * 1024
    # Pictures and image-only PDF pages are read by Tesseract when it is installed.
    ocr_language: str = "chi_sim"
    ocr_timeout: float = 60.0


class CrawlSettings(BaseModel):
    user_agent: str = (
        "disclosure-monitor/0.1 (+https://example.invalid/monitor; integrity inspection)"
    )
    concurrency: int = 64
    per_host_concurrency: int = 4
    per_host_rate: float = Field(default=20.0, description="requests per second per host")
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_body_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 10.0
    detail_pages: bool = True
    max_pages: int = 3
    # Detail pages (and other pages read for their contents) have a smaller cap than
    # listings: a body past it is refused like one past max_body_bytes.
    max_detail_bytes: int = 5 * 1024 * 1024
    # Entries taken from one feed's listing pages per crawl, and from all feeds of one
    # crawl; entries past either are skipped (the fetch row and the report say how
    # many) and read by a later crawl.
    max_entries_per_feed: int = 500
    max_entries_per_crawl: int = 50_000
    # What a crawl holds in memory of what it read and has not written yet (parsed
    # entries and detail pages, small bodies); past it, detail pages wait for a later
    # crawl. Bodies themselves go to files under data_dir/spool past 64 KiB.
    max_buffered_bytes: int = 256 * 1024 * 1024
    # Characters of text kept per item (a page's main text, a feed entry's summary).
    max_text_chars: int = 200_000
    # A request waits at most this long for its host's turn (per-host concurrency and
    # rate); past it, it is not sent: outcome "deferred", read by a later crawl.
    max_wait_seconds: float = 300.0
    # Politeness per host, shared by every worker when a shared store is set (see
    # shared_store_url): a token bucket of per_host_rate tokens a second holding at
    # most per_host_burst; a slot is a lease renewed while its request runs, so one
    # held by a dead worker frees itself after host_lease_seconds.
    per_host_burst: float = Field(default=1.0, ge=1.0)
    host_lease_seconds: float = Field(default=30.0, gt=0)
    # After this many failures in a row (no answer, 5xx, 429) a host is left alone by
    # everyone for host_backoff_base * 2^n seconds (capped at host_backoff_max).
    host_failures_before_backoff: int = Field(default=3, ge=1)
    host_backoff_base: float = 5.0
    host_backoff_max: float = 600.0
    # A 429/503's Retry-After holds the host for everyone, for at most this long.
    retry_after_max: float = 3600.0
    # Parsing runs in a pool of processes, each bounded in time and address space.
    parse_workers: int = 2
    parse_timeout: float = 30.0
    parse_memory_mb: int = 1024
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)


class AlertSettings(BaseModel):
    min_severity: Literal["info", "low", "medium", "high", "critical"] = "medium"
    repeat_interval_hours: float = 24.0
    escalate_after_hours: float = 72.0
    dry_run: bool = False


class SmtpSettings(BaseModel):
    """Outgoing mail for the e-mail notification channel."""

    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = Field(default=None, repr=False)
    starttls: bool = False
    # Implicit TLS from the first byte (SMTPS, usually port 465) instead of STARTTLS.
    ssl: bool = False
    sender: str = "monitor@localhost"
    timeout: float = 30.0
    # A password over a connection without TLS can be read by anyone on the path: the
    # e-mail channel refuses to send it unless this says the network is trusted.
    allow_plaintext_password: bool = False

    @property
    def plaintext_password_refused(self) -> bool:
        encrypted = self.starttls or self.ssl
        return bool(self.password) and not encrypted and not self.allow_plaintext_password


class AssessmentSettings(BaseModel):
    """The assessment system's webhook for ``score.updated`` (unset: pull API only)."""

    webhook_url: str | None = None
    webhook_secret: str = Field(default="", repr=False)


class NotifySettings(BaseModel):
    """Outbox delivery: retries never give up, they back off (capped, jittered)."""

    backoff_base: float = 30.0
    backoff_max: float = 3600.0
    # A claimed row not finished after this long belongs to a dead deliverer.
    claim_seconds: float = 300.0
    batch_size: int = 100
    timeout: float = 15.0


class WorkerSettings(BaseModel):
    """Distributed mode (Celery on Redis, one scheduler): see docs/deploy.md."""

    # Redis redelivers an unacknowledged message after this long; it must stay above
    # the longest countdown/ETA plus the longest task run time, or a running task is
    # handed to a second worker. Production: 3600; tests set a few seconds.
    visibility_timeout: float = 3600.0
    task_time_limit: float = 900.0
    max_retries: int = 5
    retry_backoff: float = 2.0
    retry_backoff_max: float = 300.0
    # A claim not marked done after this long belongs to a dead worker and may be retaken.
    claim_ttl_seconds: float = 1800.0
    # Prepended to every broker key, so deployments (or test runs) can share one Redis.
    broker_key_prefix: str = ""
    scheduler_lock_key: str = "monitor:scheduler:lock"
    scheduler_lock_ttl: float = 30.0
    scheduler_standby_poll: float = 5.0
    scheduler_sync_seconds: float = 60.0
    scheduler_misfire_grace: float = 300.0
    scheduler_jitter: float = 30.0
    # Time-based rules (stale columns, late items) change with the clock alone.
    scheduler_evaluate_minutes: int = 60
    # Seconds a score/alert follow-up waits, so a burst of crawls collapses into one run.
    followup_countdown: float = 0.0
    # A pool process whose resident memory passed this after a task is replaced by a
    # fresh one (Celery's worker_max_memory_per_child). A safety valve, not routine: a
    # county's evaluation needs about 100 MB. 0: never replace.
    max_memory_per_child_mb: int = 1024
    # Where the distributed commands find the package that runs stages as Celery
    # tasks ("module:attribute"); ``monitor`` itself never imports it.
    entry: str = "workers.backend:backend"


class WebSettings(BaseModel):
    """The web app: report cache, login throttling, API token lifetime."""

    # How often (seconds) a process re-reads the store's data version; the public
    # report may lag new scores by at most this long. 0: check on every request.
    report_cache_seconds: float = 1.0
    login_max_failures: int = 5
    # Higher than per name: colleagues behind one NAT address share it.
    login_max_failures_per_address: int = 20
    login_window_seconds: float = 300.0
    token_days: int = 90
    # A signed-in session ends after this long (or at logout, server-side).
    session_hours: float = Field(default=12.0, gt=0)
    # Addresses (comma-separated; "*" for any) whose X-Forwarded-Proto/-For are
    # believed: the reverse proxy in front of the web. Secure cookies and per-address
    # login throttling depend on it.
    trusted_proxies: str = "127.0.0.1"
    # Where the web is reached from outside (https://monitor.example.gov.cn): links in
    # notifications point there. Empty: notifications carry no link.
    base_url: str = ""


class RulesSettings(BaseModel):
    """How rules are watched: a rule whose precision (inspectors' verdicts) falls under
    ``precision_alert_below`` once it has ``precision_min_verdicts`` verdicts is flagged."""

    precision_alert_below: float = Field(default=0.8, ge=0.0, le=1.0)
    precision_min_verdicts: int = Field(default=5, ge=1)


class Settings(BaseSettings):
    """Everything the service can be told. Field ``foo`` is env ``MONITOR_FOO``;
    nested fields use ``__`` (``MONITOR_CRAWL__CONCURRENCY=32``)."""

    model_config = SettingsConfigDict(
        env_prefix="MONITOR_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    database_url: str = "sqlite:///var/monitor.db"
    broker_url: str = "redis://127.0.0.1:6379/0"
    mode: Literal["embedded", "distributed"] = "embedded"
    # Where fleet-wide state lives (per-host politeness, login throttling): "auto" (the
    # broker's Redis in distributed mode, this process alone in embedded mode), "local"
    # (this process alone) or a redis:// URL. Separate from broker_url, so the broker
    # may be another kind (RabbitMQ) while Redis keeps this state.
    shared_store_url: str = "auto"
    data_dir: Path = Path("var")
    # The zone dates are judged in. Disclosure deadlines run in Beijing time, and the
    # rules judge in it (rules/_helpers.py), so only a name of that zone is accepted:
    # a different one would make the CLI, the periods and the rules disagree.
    timezone: str = "Asia/Shanghai"
    # The language of pages, notifications, exports and the CLI when nothing else
    # chooses (?lang=, cookie, Accept-Language; --lang or the locale for the CLI).
    language: Literal["zh_CN", "en"] = "zh_CN"
    allowed_networks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="CIDRs a feed may resolve to besides public addresses (e.g. 127.0.0.0/8).",
    )
    ruleset: Path | None = None
    scheme: Path | None = None
    calendar_file: Path | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    cycle_minutes: float = Field(
        default=15.0,
        description="Embedded mode: how often `monitor run` crawls due feeds and re-judges.",
    )
    # Signs session cookies. No default: the web refuses to start without a random one.
    # repr=False: a settings object printed in a traceback or test report keeps it.
    secret_key: str = Field(default="", repr=False)
    log_json: bool = False
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    workers: WorkerSettings = Field(default_factory=WorkerSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    assessment: AssessmentSettings = Field(default_factory=AssessmentSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    web: WebSettings = Field(default_factory=WebSettings)
    rules: RulesSettings = Field(default_factory=RulesSettings)

    @field_validator("timezone")
    @classmethod
    def _beijing_time(cls, value: str) -> str:
        try:
            zone = ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone {value!r} is not a known zone") from exc
        for day in _ZONE_CHECK_DAYS:
            if zone.utcoffset(day) != _BEIJING.utcoffset(day):
                raise ValueError(
                    f"timezone {value!r} is not Beijing time; the rules judge deadlines in "
                    "Asia/Shanghai, so the other zones are refused rather than half honoured"
                )
        return value

    @field_validator("allowed_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for cidr in value or []:
            ipaddress.ip_network(cidr, strict=False)
        return value

    @field_validator("shared_store_url")
    @classmethod
    def _check_shared_store(cls, value: str) -> str:
        if value not in ("auto", "local") and not value.startswith(_REDIS_SCHEMES):
            raise ValueError("shared_store_url: 'auto', 'local' or a redis:// URL")
        return value

    @model_validator(mode="after")
    def _auto_store_needs_redis_broker(self) -> Settings:
        auto = self.shared_store_url == "auto" and self.mode == "distributed"
        if auto and not self.broker_url.startswith(_REDIS_SCHEMES):
            raise ValueError(
                "shared_store_url 'auto' takes the broker's Redis, but broker_url is not "
                "redis://: set shared_store_url to a redis:// URL"
            )
        return self

    @property
    def shared_store(self) -> str | None:
        """The Redis URL of the fleet-wide state, or None: kept in this process."""
        if self.shared_store_url == "local":
            return None
        if self.shared_store_url == "auto":
            return self.broker_url if self.mode == "distributed" else None
        return self.shared_store_url

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _asked_file.get() or os.environ.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE)
        toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
        return (init_settings, env_settings, toml)

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build the settings once: explicit overrides, then environment, then the file
    (``config_file``, else $MONITOR_CONFIG, else monitor.toml). An entry point passes
    its ``--config`` here; nothing is written to the environment."""
    token = _asked_file.set(Path(config_file) if config_file is not None else None)
    try:
        return Settings(**overrides)
    finally:
        _asked_file.reset(token)
