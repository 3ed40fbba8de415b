"""Dependencies point inward: bot/gao and bot/blocks import no Slack client, no database."""
from __future__ import annotations

import ast
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
    for pkg in ("bot/gao", "bot/blocks", "bot/reply.py"):
        for path in ([ROOT / pkg] if pkg.endswith(".py") else (ROOT / pkg).rglob("*.py")):
            for name in imports(path):
                if name.startswith(FORBIDDEN):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_command_handlers_do_not_speak_slack():
    """bot/commands (the registry and its handlers) answers a Reply; only listeners and adapters talk to Slack."""
    slack = ("slack_bolt", "slack_sdk", "bot.listeners", "bot.adapters")
    offenders = [f"{path.relative_to(ROOT)} imports {name}" for path in (ROOT / "bot/commands").rglob("*.py")
                 for name in imports(path) if name.startswith(slack)]
    assert offenders == []
