"""Keep bench/README.md's result tables as the scripts printed them.

`--readme` on a bench script replaces the block between `<!-- bench: KEY -->` and
`<!-- /bench: KEY -->` with the command, the date, the machine and the table; a key seen for the
first time is appended at the end of the file, to be moved where it belongs.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def machine() -> str:
    try:
        from ortools import __version__ as ortools
    except ImportError:  # pragma: no cover
        ortools = "?"
    return (f"{os.cpu_count()} cores, {platform.python_implementation()} "
            f"{platform.python_version()}, OR-Tools {ortools}, {platform.system()} "
            f"{platform.machine()}")


def block(key: str, table: str) -> str:
    args, skip = [], False
    for arg in sys.argv[1:]:  # the CSV path is where this run kept its rows, not part of it
        if not skip and arg not in ("--readme", "--csv"):
            args.append(arg)
        skip = arg == "--csv"
    command = "python bench/" + " ".join([Path(sys.argv[0]).name] + args)
    today = datetime.date.today().isoformat()
    return (f"<!-- bench: {key} -->\n`{command}` — {today}, {machine()}\n\n{table.strip()}\n"
            f"<!-- /bench: {key} -->")


def update(key: str, table: str, path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    new = block(key, table)
    pattern = re.compile(rf"<!-- bench: {re.escape(key)} -->.*?<!-- /bench: {re.escape(key)} -->",
                         re.S)
    text = pattern.sub(lambda _: new, text) if pattern.search(text) else text + "\n" + new + "\n"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
