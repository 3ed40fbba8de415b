"""python -m bot.commands: print README.md's command table; --write FILE rewrites the table in FILE."""
from __future__ import annotations

import sys
from pathlib import Path

from . import readme_table, replace_table

if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
        path = Path(sys.argv[2])
        path.write_text(replace_table(path.read_text()))
    else:
        sys.stdout.write(readme_table())
