"""`salesfunnel --help`, cold, against an earlier revision: the ratio of medians.

    .venv/bin/python bench/help_vs_rev.py 7f9ed3a --runs 21

Checks the revision out into a temporary git worktree and runs both versions'
`--help` alternately in fresh interpreters (same Python, same installed
packages), so load on the machine affects both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELP = (
    "import sys\nsys.argv = ['salesfunnel', '--help']\nfrom salesfunnel.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
)


def one_run(source: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(source))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", HELP], env=env, stdout=subprocess.DEVNULL, check=True,
                   cwd=tempfile.gettempdir())
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="The earlier revision (commit, tag, branch).")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="salesfunnel-help-") as scratch:
        old = Path(scratch) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(old),
                        args.revision], check=True)
        try:
            before, now = [], []
            for _ in range(args.runs):
                before.append(one_run(old))
                now.append(one_run(ROOT))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                           check=True)
    print(f"--help cold, median of {args.runs}: {args.revision} {statistics.median(before):.3f} s, "
          f"now {statistics.median(now):.3f} s, ratio now/{args.revision} "
          f"{statistics.median(now) / statistics.median(before):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
