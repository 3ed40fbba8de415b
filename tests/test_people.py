"""THE rule for naming a person or a group (bot/people.py), and Slack's reading of its mentions into it."""
from __future__ import annotations

import pytest

from bot import people
from bot.blocks.render import mention, read_mentions


@pytest.mark.parametrize("token, owner", [
    ("U0DANA", "U0DANA"), ("@U0DANA", "U0DANA"), ("W0LEE", "W0LEE"), ("@subteam:S0TEAM", "subteam:S0TEAM"),
    ("subteam:S0TEAM", "subteam:S0TEAM"),
    # not ids: a name, lower case (a name starting with U or W is never an id), too short, Slack's own markup
    ("@dana", None), ("walter", None), ("@uma", None), ("u0dana", None), ("U1", None), ("@", None), ("", None),
    ("@@U0DANA", None), ("subteam:s0team", None), ("<@U0DANA>", None), ("<!subteam^S0TEAM>", None),
    ("U0DANA>", None), ("cli:dana", None),
])
def test_who_tokens(token, owner):
    assert people.owner_id(token) == owner


def test_a_person_is_an_id_and_an_actor_is_shown_as_written():
    assert people.is_person("U0DANA") and people.is_person("W0LEE")
    assert not any(people.is_person(x) for x in ("cli:dana", "subteam:S0TEAM", "dana", "", None))


def test_slack_reads_its_mentions_into_who_tokens_and_renders_them_back():
    typed = "assign k7m2q <@U0DANA|dana> <!subteam^S0TEAM|@team> <!channel> <@U1> &lt;@U0X&gt; <#C1|general>"
    assert read_mentions(typed) == "assign k7m2q @U0DANA @subteam:S0TEAM <!channel> @U1 &lt;@U0X&gt; <#C1|general>"
    for wire in ("<@U0DANA>", "<!subteam^S0TEAM>", "<@W0LEE>"):
        owner = people.owner_id(read_mentions(wire))
        assert owner is not None and mention(owner) == wire  # the inverse of each other
