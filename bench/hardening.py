"""Issue 13's reproducers, run as a user would (`rackplan ...` in a subprocess): wall time against
the promise of --time-limit (limit + 10% + 1 s), exit code and the answer.

    python bench/hardening.py [--check-sizes 200,250,300]

Wall times include starting Python and loading the plan; they are ratios against the limit,
measured in the same run, since the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from buildout import plan_text  # noqa: E402

TUTORIAL = (ROOT / "plans" / "tutorial.toml").read_text()

COOLING = (ROOT / "plans" / "cooling-max-lag.toml").read_text()


def fiber(capacity: int) -> str:
    return TUTORIAL.replace("[resources.fiber]\ncapacity = 2\n",
                            f'[resources.fiber]\ncapacity = 2\nchanges = [{{ from = "36h", '
                            f"capacity = {capacity} }}]\n")


def cases(sizes: list[int]) -> list[tuple[str, str, list[str], float]]:
    """(name, plan text, command, time limit)."""
    storage_only = TUTORIAL.replace('[templates.rack.position]\nafter = ["receive"]\n',
                                    "[templates.rack.position]\n")
    soft = TUTORIAL.replace('by = "14d"\nhard = true', 'by = "2d"\nhard = false\npenalty = 1000')
    out = [
        ("1 max lags, shared crew (300 racks)", COOLING, ["schedule"], 10),
        ("1 same, check", COOLING, ["check"], 10),
        ("2 storage-only ordering", storage_only, ["schedule"], 3),
        ("5 fiber 2 -> 1 at 36 h", fiber(1), ["schedule"], 3),
        ("5 fiber 2 -> 0 at 36 h", fiber(0), ["schedule"], 3),
        ("6 check the tutorial", TUTORIAL, ["check"], 2),
        ("6 soft target, penalty 1,000", soft, ["schedule"], 5),
    ]
    for racks in sizes:
        text = plan_text(racks * 64)
        text = re.sub(r'by = "122d"', 'by = "12d"', text)  # a hard date it misses: explanations
        out.append((f"6 check, {racks}-rack build-out", text, ["check"], 10))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check-sizes", default="200,300",
                    help="Rack counts of the generated build-outs to `check` (default 200,300).")
    args = ap.parse_args()
    sizes = [int(x) for x in args.check_sizes.split(",") if x]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, command, limit in cases(sizes):
            path = Path(tmp) / "plan.toml"
            path.write_text(text)
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-c", "from rackplan.cli import main; main()",
                                   *command, str(path), "--time-limit", str(limit), "-q"],
                                  capture_output=True, text=True)
            wall = time.monotonic() - started
            answer = next((ln.split(None, 1)[1].strip() for ln in done.stdout.splitlines()
                           if ln.startswith(("status", "result:"))), done.stderr.strip()[:60])
            rows.append((name, command[0], limit, f"{wall:.1f}",
                         f"{wall / (1.1 * limit + 1):.2f}", done.returncode, answer[:60]))
    print(tabulate(rows, headers=["case (issue 13 item)", "command", "limit s", "wall s",
                                  "wall / promise", "exit", "answer"]))


if __name__ == "__main__":
    main()
