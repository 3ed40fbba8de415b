"""Settings from the environment, a .env file and a TOML file (GAOREC_CONFIG).
Tokens are SecretStr: they never print, log or repr."""
from __future__ import annotations

import json
import os
import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource,
)

SLACK_API_URL = "https://slack.com/api/"
GOVSLACK_API_URL = "https://slack-gov.com/api/"


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class ConfigError(ValueError):
    """A configuration mistake: one line naming the setting and the fix."""


def env_name(field: str) -> str:
    """The variable a field is set by ("admins" -> "GAOREC_ADMINS"); TOML-only fields keep their name."""
    info = Settings.model_fields.get(field)
    choices = getattr(getattr(info, "validation_alias", None), "choices", None) or []
    names = [c for c in choices if isinstance(c, str) and c.isupper()]
    return names[0] if names else field


# what each list setting looks like, said when one is not a list
LIST_EXAMPLES = {
    "admins": '["U1", "U2"] or U1,U2',
    "sources": '["URL", {"url": "URL", "complete": true}] or URL,FILE',  # pages, exports, files
}


def _id_list(v, field: str = "admins"):
    """A JSON list, or the list a person obviously means: "U1,U2" or "U1 U2"."""
    if not isinstance(v, str):
        return v
    text = v.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError(f"not a list: write {LIST_EXAMPLES[field]}") from None
    return [x for x in re.split(r"[,\s]+", text) if x]
class RefreshSource(BaseModel):
    """A configured refresh source; ``complete``: it lists every open recommendation of each agency it names
    (GAO's full open-recommendations export), so what it lacks is "not listed"."""
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1)
    complete: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_alias("slack_bot_token", "SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_alias("slack_signing_secret", "SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_alias("slack_app_token", "SLACK_APP_TOKEN"))
    slack_api_url: str = Field(SLACK_API_URL, validation_alias=_alias("slack_api_url", "SLACK_API_URL"))
    database_url: str | None = Field(None, validation_alias=_alias("database_url", "DATABASE_URL"))
    timezone: str = Field("America/New_York", validation_alias=_alias("timezone", "GAOREC_TIMEZONE"))
    contact: str | None = Field(None, validation_alias=_alias("contact", "GAOREC_CONTACT"),
                                description="Who gao.gov may contact about our requests (User-Agent).")
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_alias("admins", "GAOREC_ADMINS"),
        description="Slack user IDs that may assign and subscribe, besides workspace admins.")
    sources: Annotated[list[str | RefreshSource], NoDecode] = Field(
        default_factory=list, validation_alias=_alias("sources", "GAOREC_SOURCES"),
        description='GAO pages or exports the scheduled refresh imports: "URL or path", or {url = "...", '
                    'complete = true} for an export that lists every open recommendation of the agencies it names.')
    fetch_timeout: float = Field(30.0, validation_alias=_alias("fetch_timeout", "GAOREC_FETCH_TIMEOUT"))
    # Reminders
    remind_cron: str = Field("0 9 * * mon-fri", validation_alias=_alias("remind_cron", "GAOREC_REMIND_CRON"),
                             description="When the reminder pass runs (crontab, in the time zone).")
    digest_cron: str = Field("0 9 * * mon", validation_alias=_alias("digest_cron", "GAOREC_DIGEST_CRON"),
                             description="When each subscribed channel gets its weekly digest.")
    refresh_cron: str = Field("30 6 * * *", validation_alias=_alias("refresh_cron", "GAOREC_REFRESH_CRON"),
                              description="When the configured sources are re-imported.")
    reminder_cap: int = Field(10, ge=1, le=100_000, validation_alias=_alias("reminder_cap", "GAOREC_REMINDER_CAP"),
                              description="New top-level reminders per channel per pass; the rest wait.")
    followup_days: int = Field(7, ge=1, le=365, validation_alias=_alias("followup_days", "GAOREC_FOLLOWUP_DAYS"))
    followup_days_after_slips: int | None = Field(
        None, ge=1, le=365, validation_alias=_alias("followup_days_after_slips", "GAOREC_FOLLOWUP_DAYS_AFTER_SLIPS"),
        description="A shorter re-remind interval for recommendations whose date moved slips_for_shorter times.")
    slips_for_shorter: int = Field(2, ge=1, le=50, validation_alias=_alias("slips_for_shorter",
                                                                            "GAOREC_SLIPS_FOR_SHORTER"))
    priority_followup_days: int | None = Field(
        None, ge=1, le=365, validation_alias=_alias("priority_followup_days", "GAOREC_PRIORITY_FOLLOWUP_DAYS"),
        description="The re-remind interval for GAO priority recommendations (default: followup_days).")
    escalate_after: int = Field(3, ge=1, le=50, validation_alias=_alias("escalate_after", "GAOREC_ESCALATE_AFTER"),
                                description="Unanswered reminders before the follow-up is broadcast.")
    escalation_contact: str | None = Field(None, validation_alias=_alias("escalation_contact",
                                                                         "GAOREC_ESCALATION_CONTACT"))
    ack_quiet_days: int = Field(30, ge=1, le=365, validation_alias=_alias("ack_quiet_days", "GAOREC_ACK_QUIET_DAYS"))
    post_interval: float = Field(1.0, ge=0, le=60, validation_alias=_alias("post_interval", "GAOREC_POST_INTERVAL"),
                                 description="Seconds between posts to one channel "
                                             "(Slack allows about one per second).")
    claim_timeout: float = Field(300.0, ge=1, le=86_400, validation_alias=_alias("claim_timeout",
                                                                                "GAOREC_CLAIM_TIMEOUT"),
                                 description="Seconds after which a post claimed by a process that vanished is "
                                             "reconciled by its key and, if Slack does not have it, sent again.")
    import_wait: float = Field(600.0, ge=0, le=86_400, validation_alias=_alias("import_wait", "GAOREC_IMPORT_WAIT"),
                               description="Seconds an import waits for another import into the same database "
                                           "to finish before it gives up.")
    busy_wait: float = Field(600.0, ge=1, le=86_400, validation_alias=_alias("busy_wait", "GAOREC_BUSY_WAIT"),
                             description="Seconds a CLI command (remind, digest, import…) waits for SQLite's write "
                                         "lock when another process holds it.")
    intake_dir: str | None = Field(None, validation_alias=_alias("intake_dir", "GAOREC_INTAKE_DIR"),
                                   description="Where Slack requests wait when the database is busy (default: "
                                               "next to the SQLite file, else "
                                               "~/.local/share/gaorec/intake-<hash of the URL>).")
    delivery_poll: float = Field(2.0, ge=0.1, le=600, validation_alias=_alias("delivery_poll", "GAOREC_DELIVERY_POLL"),
                                 description="Seconds between checks of the outbox by the delivery job of "
                                             "`gaorec serve` (it is also woken at once by commands and answers).")
    intake_replay: float = Field(5.0, ge=0.1, le=3600,
                                 validation_alias=_alias("intake_replay", "GAOREC_INTAKE_REPLAY"),
                                 description="Seconds between replays of the intake queue (Slack requests a busy "
                                             "database could not take) by `gaorec serve`.")
    request_deadline: float = Field(15.0, ge=1, le=600,
                                    validation_alias=_alias("request_deadline", "GAOREC_REQUEST_DEADLINE"),
                                    description="Seconds a client may take to send one whole HTTP request to "
                                                "`gaorec serve` before its connection is dropped (slow clients).")
    owner_rules: list[dict[str, str]] = Field(
        default_factory=list, validation_alias=_alias("owner_rules"),
        description='[{agency = "...", owner = "U…"}, {query = "...", owner = "S…"}]')

    @field_validator("admins", "sources", mode="before")
    @classmethod
    def _lists(cls, v, info: ValidationInfo):
        return _id_list(v, info.field_name or "admins")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as America/New_York)") from None
        return v

    @field_validator("remind_cron", "digest_cron", "refresh_cron")
    @classmethod
    def _crontab(cls, v: str) -> str:
        from bot.reminders.scheduler import trigger  # the one grammar the scheduler reads

        try:
            trigger(v, "UTC")
        except ValueError as exc:
            raise ValueError(f"{v!r} is not a crontab (minute hour day month weekday, e.g. '0 9 * * mon-fri') "
                             f"nor '@every 30s|5m|1h': {exc}") from None
        return v

    @field_validator("owner_rules")
    @classmethod
    def _owner_rules(cls, v: list[dict[str, str]]) -> list[dict[str, str]]:
        for n, rule in enumerate(v, 1):
            unknown = sorted(set(rule) - {"agency", "query", "owner"})
            if unknown:
                raise ValueError(f"rule {n} has an unknown key {unknown[0]!r} (a rule has agency or query, and owner)")
            if not rule.get("owner"):
                raise ValueError(f"rule {n} names no owner (owner = \"U…\" for a person, \"S…\" for a user group)")
            if not (rule.get("agency") or rule.get("query")):
                raise ValueError(f"rule {n} has neither agency nor query: it would match nothing")
        return v

    @field_validator("slack_api_url")
    @classmethod
    def _slash(cls, v: str) -> str:
        return v if v.endswith("/") else v + "/"

    @property
    def source_urls(self) -> list[str]:
        return [x if isinstance(x, str) else x.url for x in self.sources]

    @property
    def complete_sources(self) -> set[str]:
        return {x.url for x in self.sources if not isinstance(x, str) and x.complete}

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource):
        sources = [init_settings, env_settings, dotenv_settings]
        path = os.environ.get("GAOREC_CONFIG")
        if path:
            if not os.path.exists(path):
                raise FileNotFoundError(f"GAOREC_CONFIG names {path!r}, which does not exist")
            read_toml(path)  # syntax and unknown keys: one line naming the file and the line
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


TOML_HINT = "compare with config/gaorec.example.toml"


def toml_line(text: str, key: str) -> int | None:
    """The line of a TOML file where ``key`` is set or opens a table, if it is written at the start of a line."""
    pattern = re.compile(rf"""^\s*(\[\[?\s*)?["']?{re.escape(key)}["']?\s*(=|\])""")
    return next((i for i, line in enumerate(text.splitlines(), 1) if pattern.match(line)), None)


def setting_names() -> set[str]:
    """Every key a TOML file may use: the field names and their aliases."""
    names = set(Settings.model_fields)
    for info in Settings.model_fields.values():
        names.update(c for c in getattr(info.validation_alias, "choices", None) or [] if isinstance(c, str))
    return names


def read_toml(path: str) -> dict:
    """The TOML file GAOREC_CONFIG names, or ConfigError as "FILE:LINE: what is wrong": a syntax error (tomllib
    gives the line and column), or a key that is no setting (it would be ignored silently)."""
    import difflib
    import tomllib

    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file GAOREC_CONFIG names ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid TOML: not UTF-8 text (GAOREC_CONFIG names this file; "
                          f"save it as UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", msg)
        what = msg[:at.start()] if at else msg
        what = what[:1].lower() + what[1:]
        where = f"{path}:{at.group(1)}" if at else path
        column = f" at line {at.group(1)}, column {at.group(2)}" if at else ""
        raise ConfigError(f"{where}: not valid TOML: {what}{column} (GAOREC_CONFIG names this file; "
                          f"{TOML_HINT})") from None
    known = setting_names()
    for key in data:
        if key not in known:
            at_line = toml_line(text, key)
            close = difflib.get_close_matches(key, sorted(n for n in known if n.islower()), n=1)
            raise ConfigError(f"{path}{f':{at_line}' if at_line else ''}: unknown setting {key!r}"
                              + (f" (did you mean {close[0]!r}?)" if close else "")
                              + f"; GAOREC_CONFIG names this file, {TOML_HINT}")
    return data


def toml_origin(field: str) -> str | None:
    """"FILE:LINE" when the value of ``field`` comes from the TOML file (no environment variable overrides it)."""
    path = os.environ.get("GAOREC_CONFIG")
    info = Settings.model_fields.get(field)
    if not path or info is None:
        return None
    aliases = [c for c in getattr(info.validation_alias, "choices", None) or [] if isinstance(c, str)]
    if any(a.upper() in os.environ for a in aliases):
        return None  # the environment wins over the file
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    line = next((n for n in (toml_line(text, a) for a in [field, *aliases]) if n), None)
    return f"{path}:{line}" if line else None


def load(**overrides) -> Settings:
    return Settings(**overrides)
