"""Dependencies point inward: bot/gao, bot/people.py and bot/blocks import no Slack client, no database; the core
speaks no Slack; storage owns its queries."""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("slack_bolt", "slack_sdk.web", "slack_sdk.socket_mode", "sqlalchemy", "storage", "alembic",
             "bot.service", "bot.listeners", "bot.adapters", "config")


def imports(path: Path) -> set[str]:
    """Absolute names of everything a module imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                names.add(node.module)
    return names


def test_pure_packages_stay_pure():
    offenders = []
    for pkg in ("bot/gao", "bot/blocks", "bot/reply.py", "bot/people.py"):
        for path in ([ROOT / pkg] if pkg.endswith(".py") else (ROOT / pkg).rglob("*.py")):
            for name in imports(path):
                if name.startswith(FORBIDDEN):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def private_storage_uses(path: Path) -> list[str]:
    """Private names of storage/ a module imports or reaches for (``repo._views``, ``from storage.repo import
    _iso``, ``storage.repo._chunks``): storage/ owns its queries (issue 13, item 4)."""
    tree = ast.parse(path.read_text())
    aliases: set[str] = set()  # names bound to a storage module in this file
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "storage" or a.name.startswith("storage."):
                    aliases.add(a.asname or a.name)
                    if any(part.startswith("_") for part in a.name.split(".")):
                        found.append(f"import {a.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level and (
                node.module == "storage" or node.module.startswith("storage.")):
            if any(part.startswith("_") for part in node.module.split(".")):
                found.append(f"from {node.module} import …")
            for a in node.names:
                if a.name.startswith("_"):
                    found.append(f"from {node.module} import {a.name}")
                else:
                    aliases.add(a.asname or a.name)  # a module (repo, corrections) or a public name: both fine
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            dotted = []
            while isinstance(base, ast.Attribute):
                dotted.insert(0, base.attr)
                base = base.value
            if isinstance(base, ast.Name):
                name = ".".join([base.id, *dotted])
                if name in aliases:
                    found.append(f"{name}.{node.attr} (line {node.lineno})")
    return found


def test_storage_owns_its_queries():
    """No module outside storage/ imports or uses a private name of storage."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in ("storage", ".venv", "build") or rel.parts[0].startswith("."):
            continue
        offenders += [f"{rel}: {use}" for use in private_storage_uses(path)]
    assert offenders == []


def test_the_private_name_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from storage import repo\nfrom storage.repo import _iso\nimport storage.repo\n"
                   "from storage import reports as q\n"
                   "def f(s):\n"
                   "    return repo._views(s, 1), storage.repo._chunks([], 1), q._matching(s, ''), repo.get\n")
    assert sorted(u.split(" (")[0] for u in private_storage_uses(bad)) == [
        "from storage.repo import _iso", "q._matching", "repo._views", "storage.repo._chunks"]


def test_command_handlers_do_not_speak_slack():
    """bot/commands (the registry and its handlers) answers a Reply; only listeners and adapters talk to Slack."""
    slack = ("slack_bolt", "slack_sdk", "bot.listeners", "bot.adapters")
    offenders = [f"{path.relative_to(ROOT)} imports {name}" for path in (ROOT / "bot/commands").rglob("*.py")
                 for name in imports(path) if name.startswith(slack)]
    assert offenders == []


# -- a core that does not speak Slack (issue 13, item 6) ---------------------------------------------------------
# The core answers neutral messages and reads neutral "who" tokens (bot/people.py); Slack's markup, Block Kit and
# slack_sdk live in bot/adapters, bot/listeners and bot/blocks.
CORE = ("bot/service.py", "bot/services", "bot/commands", "bot/reminders", "bot/reply.py", "bot/messages.py",
        "bot/people.py", "bot/threads.py", "bot/gao", "storage")
SLACK_PACKAGES = ("slack_sdk", "slack_bolt", "bot.listeners", "bot.adapters")
# Slack's wire syntax in a string: a mention (<@U…>, <!subteam^…>, <!channel>), a channel (<#C…>), a link
# (<https://…|label>), an emoji code (:star:), mrkdwn bold (*words*), Block Kit's text types
WIRE = re.compile(r"<@|<#|<![a-z]+\\?[\^|>]|<https?://[^\s>]*\||(?<![\w:]):[a-z0-9_+-]+:(?![\w:])|(?<![\w*(])\*\w[^*\n]*\*"
                  r"(?![\w*])|\bmrkdwn\b|\bplain_text\b")
NOT_WIRE = {":memory:"}  # SQLite's in-memory database


def core_files(root: Path = ROOT) -> list[Path]:
    out: list[Path] = []
    for part in CORE:
        p = root / part
        if p.suffix == ".py":
            out += [p] if p.exists() else []
        else:
            out += sorted(f for f in p.rglob("*.py") if "migrations" not in f.parts)
    return out


def module_imports(path: Path, root: Path = ROOT) -> set[str]:
    """``imports`` plus each name a ``from`` import takes, as a module (``from ..blocks import home``)."""
    names = imports(path) if path.is_relative_to(ROOT) else set()
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            names.add(base)
            names |= {f"{base}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


@functools.cache
def slack_modules(root: Path = ROOT) -> set[str]:
    """The modules of bot/ that import slack_sdk or slack_bolt themselves (bot.blocks.home: App Home's View)."""
    return {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            for p in (root / "bot").rglob("*.py")
            if any(n.startswith(("slack_sdk", "slack_bolt")) for n in module_imports(p, root))}


def speaks_slack(path: Path, root: Path = ROOT) -> list[str]:
    """Slack in a core module: an import of Slack (slack_sdk, a listener, an adapter, a module that imports
    slack_sdk; lazy imports too) or Slack's wire syntax in a string (docstrings may name it)."""
    slack = slack_modules(root)
    found = [f"imports {n}" for n in sorted(module_imports(path, root)) if n.startswith(SLACK_PACKAGES) or n in slack]
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            found += [f"{m.group(0)!r} (line {node.lineno})" for m in WIRE.finditer(node.value)
                      if m.group(0) not in NOT_WIRE]
    return found


def test_the_core_does_not_speak_slack():
    """No slack_sdk, no Slack module and no Slack markup in the core: services, commands, the reminder engine and
    storage answer neutral messages and read neutral "who" tokens; each chat adapter renders and reads its own."""
    offenders = [f"{p.relative_to(ROOT)}: {use}" for p in core_files() for use in speaks_slack(p)]
    assert offenders == []


def test_the_slack_check_can_fail(tmp_path):
    """What the core held before: Slack's mention parsed and built in the service, App Home's View imported."""
    (tmp_path / "bot" / "blocks").mkdir(parents=True)
    (tmp_path / "bot" / "blocks" / "home.py").write_text("from slack_sdk.models.views import View\n")
    bad = tmp_path / "bot" / "services" / "bad.py"
    bad.parent.mkdir()
    bad.write_text('import re\nfrom ..blocks.home import home_view\nfrom slack_sdk import WebClient\n'
                   '_USER = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\\|[^>]*)?>$")\n'
                   '_GROUP = re.compile(r"^<!subteam\\^([A-Z0-9]{2,})(?:\\|[^>]*)?>$")\n'
                   'def f(owner, ch):\n'
                   '    """Docstrings may say <@U123>."""\n'
                   '    return (f"<@{owner}>", f"<#{ch}>", ":star: *Overdue*", "<!here>",\n'
                   '            {"type": "mrkdwn"}, "count(*)", "2 * 3 * 4", ":memory:", "<!doctype html>")\n')
    found = [u.split(" (line")[0] for u in speaks_slack(bad, tmp_path)]
    assert sorted(found) == sorted(["imports bot.blocks.home", "imports slack_sdk",
                     "imports slack_sdk.WebClient", "'<@'", "'<!subteam\\\\^'", "'<@'", "'<#'", "':star:'",
                     "'*Overdue*'", "'<!here>'", "'mrkdwn'"])  # not count(*), :memory:, <!doctype html>


def sqlite_only_without_reason(source: str) -> list[int]:
    """The lines of a test module where the sqlite_only marker gives no reason: neither a string argument
    (``@pytest.mark.sqlite_only("why")``) nor a comment on the marker's line (``pytestmark = … # why``)."""
    lines = source.splitlines()
    tree = ast.parse(source)
    called = {id(node.func): node for node in ast.walk(tree) if isinstance(node, ast.Call)}
    missing = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "sqlite_only"):
            continue
        call = called.get(id(node))
        if call is not None and call.args and isinstance(call.args[0], ast.Constant) and str(call.args[0].value):
            continue
        if "#" in lines[node.end_lineno - 1][node.end_col_offset:]:
            continue
        missing.append(node.lineno)
    return sorted(missing)


def test_every_sqlite_only_says_why():
    """A test's PostgreSQL run is left out only for a reason written beside it (the rule: tests/conftest.py)."""
    missing = [f"{path.name}:{n}" for path in sorted((ROOT / "tests").glob("*.py"))
               for n in sqlite_only_without_reason(path.read_text())]
    assert missing == []


def test_a_sqlite_only_without_a_reason_is_found():
    bare = ("import pytest\n\npytestmark = pytest.mark.sqlite_only\n\n\n@pytest.mark.sqlite_only\ndef test_a():\n"
            "    pass\n\n\n@pytest.mark.sqlite_only(\"a reason\")\ndef test_b():\n    pass\n\n\n"
            "pytestmark = pytest.mark.sqlite_only  # a reason\n")
    assert sqlite_only_without_reason(bare) == [3, 6]


def test_the_longest_first_modules_exist():
    """tests/conftest.py runs these modules first; a renamed one would silently lose its place."""
    from .conftest import LONGEST_FIRST

    assert [m for m in LONGEST_FIRST if not (ROOT / "tests" / f"{m}.py").is_file()] == []
