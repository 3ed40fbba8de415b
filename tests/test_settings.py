"""Settings: environment, .env and a TOML file named by GAOREC_CONFIG."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import Settings


def test_toml_file_and_environment(tmp_path, monkeypatch):
    toml = tmp_path / "gaorec.toml"
    toml.write_text('timezone = "America/Chicago"\nreminder_cap = 4\nadmins = ["U0A"]\n'
                    'owner_rules = [{agency = "Office of Example Programs", owner = "U0B"}]\n')
    monkeypatch.setenv("GAOREC_CONFIG", str(toml))
    monkeypatch.setenv("GAOREC_REMINDER_CAP", "6")  # the environment wins over the file
    s = Settings(_env_file=None)
    assert (s.timezone, s.reminder_cap, s.admins) == ("America/Chicago", 6, ["U0A"])
    assert s.owner_rules == [{"agency": "Office of Example Programs", "owner": "U0B"}]


def test_bad_values_are_refused(monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(timezone="Mars/Olympus", _env_file=None)
    monkeypatch.setenv("GAOREC_CONFIG", "/nonexistent/gaorec.toml")
    with pytest.raises(FileNotFoundError, match="GAOREC_CONFIG"):
        Settings(_env_file=None)


def test_govslack_url_gets_its_slash(monkeypatch):
    monkeypatch.delenv("GAOREC_CONFIG", raising=False)
    assert Settings(slack_api_url="https://slack-gov.com/api", _env_file=None).slack_api_url == \
        "https://slack-gov.com/api/"
