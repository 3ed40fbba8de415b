"""Opening gaorec: settings, then the database. Every configuration mistake
becomes one ``ConfigError`` line naming the setting and the fix (the CLI
prints it and exits with status 2)."""
from __future__ import annotations

from pydantic import ValidationError

from config.settings import ConfigError, Settings, env_name, toml_origin

DB_FIX = "use sqlite:////absolute/path/to/gaorec.db or postgresql+psycopg://user@host/db"


def load_settings(**overrides) -> Settings:
    from pydantic_settings import SettingsError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = str(e["loc"][0]) if e["loc"] else "settings"
        msg = e["msg"].removeprefix("Value error, ")
        where = toml_origin(field) if e["loc"] else None
        if where:  # set in the TOML file: name the file, the line and the key as written there
            raise ConfigError(f"{where}: {field}: {msg} (in the file GAOREC_CONFIG names)") from None
        raise ConfigError(f"{env_name(field)}: {msg}") from None
    except FileNotFoundError as exc:
        raise ConfigError(f"{exc}; set GAOREC_CONFIG to an existing TOML file or unset it") from None
    except SettingsError as exc:  # a value the environment gives that is not what the field takes
        raise ConfigError(" ".join(str(exc).split())) from None


def _shown(url: str) -> str:
    if "@" not in url:  # no credentials to hide: shown as given
        return url
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given, without anything after '@'
        return url.split("@")[-1] if "@" in url else url


def database_error(url: str, exc: BaseException, name: str = "DATABASE_URL") -> str | None:
    """One line for a database URL that cannot be used, or None when exc is something else. ``name``: where the
    URL was given (the setting, or the --database option)."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from storage.db import InMemoryDatabase, MissingDirectory, SchemaTooNew, SchemaUpgradeFailed, UnsupportedDatabase

    shown = _shown(url)
    if isinstance(exc, InMemoryDatabase):
        return (f"{name} {shown!r}: an in-memory SQLite database keeps nothing (an import would vanish at exit); "
                f"{DB_FIX}")
    if isinstance(exc, SchemaTooNew):
        return (f"{name} {shown!r}: {exc}; a newer gaorec upgraded it: run that gaorec (or a newer one) "
                "on this database, never an older one")
    if isinstance(exc, SchemaUpgradeFailed):
        return (f"{name} {shown!r}: {exc}; nothing was changed (the upgrade is one transaction); keep "
                "using the gaorec that wrote it and report this upgrade failure")
    if isinstance(exc, UnsupportedDatabase):
        return f"{name} {shown!r}: gaorec supports only SQLite and PostgreSQL, not {exc.backend}; {DB_FIX}"
    if isinstance(exc, MissingDirectory):
        return (f"{name} {shown!r}: cannot create the database file: its directory {exc.directory} does not "
                f"exist; create it (mkdir -p {exc.directory}) or name an existing directory")
    if isinstance(exc, NoSuchModuleError):
        return f"{name} {shown!r} names an unknown database kind; {DB_FIX}"
    if isinstance(exc, ArgumentError):
        return f"{name} {shown!r} is not a database URL; {DB_FIX}"
    if isinstance(exc, ImportError):  # the dialect is known, its driver is not installed
        driver = getattr(exc, "name", None) or str(exc)
        return (f"{name} {shown!r} needs the Python driver {driver!r}, which is not installed; use "
                f"postgresql+psycopg://… (pip install 'gaorec[postgres]' installs psycopg 3) or install that driver")
    if isinstance(exc, OSError):  # SQLite: the file's directory cannot be made or written
        return (f"{name} {shown!r}: cannot create the database file ({exc.strerror or exc}); name a "
                "directory you can write, e.g. sqlite:///$HOME/gaorec.db")
    if isinstance(exc, DBAPIError):
        first = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
        return (f"{name} {shown!r}: cannot open the database ({first}); is the server running, and are "
                "the host, port, database name and user right?")
    return None


def open_app(database: str | None = None):
    """The service over the configured database, or ConfigError. The settings are read first: a mistake there is
    told before the service and SQLAlchemy are imported (~1 s of a process on a busy machine)."""
    settings = load_settings(**({"database_url": database} if database else {}))
    from storage.db import Database, default_url

    from .service import Gaorec

    url = settings.database_url or default_url()
    try:
        db = Database(url)
    except Exception as exc:  # noqa: BLE001 - mapped to one line below, or re-raised
        from storage.problems import explain

        if explain(exc, url) is not None:  # a file problem (read-only, full, corrupt, foreign, busy): the CLI's line
            raise
        line = database_error(url, exc, "--database" if database else "DATABASE_URL")
        if line is None:
            raise
        raise ConfigError(line) from None
    if db.upgraded is not None and db.upgraded[0]:  # an existing database, upgraded by this opening: say so once
        from .termout import status

        before, after = (", ".join(r) for r in db.upgraded)
        status(f"Upgraded the database's schema from {before} to {after} (one transaction; gaorec versions older "
               "than this one can no longer open it).")
    path = db.sqlite_path
    if db.created and path is not None and not path.is_absolute():
        # a relative path is the current directory's: a file made here is not found from anywhere else
        from .termout import status

        status(f"Created a new database at {path.resolve()} (DATABASE_URL {_shown(url)!r} is relative to "
                   f"the current directory; give an absolute path, sqlite:////…, to use one database from "
                   f"anywhere).")
    return Gaorec(settings, db)
