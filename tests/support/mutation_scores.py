"""Per-file scores of the last `mutmut run` (`make mutants` prints them after the run).

mutmut keeps each mutated file's verdicts in mutants/<file>.meta; this reads them for the files
[tool.mutmut] only_mutate names and prints killed / total per file, then the survivors.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[2]


def verdicts(source: str) -> dict[str, str]:
    """Mutant name -> mutmut's status for it ("killed", "survived", "timeout", ...)."""
    meta = ROOT / "mutants" / f"{source}.meta"
    exit_codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    return {name: status_by_exit_code[code] for name, code in exit_codes.items()}


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    sources: list[str] = config["only_mutate"]
    missing = [s for s in sources if not (ROOT / "mutants" / f"{s}.meta").exists()]
    if missing:
        print(f"no mutmut results for {', '.join(missing)}: run `make mutants`", file=sys.stderr)
        return 1
    print(f"{'file':<22}{'killed':>8}{'survived':>10}{'other':>7}{'total':>7}{'score':>8}")
    survivors: list[str] = []
    for source in sources:
        statuses = verdicts(source)
        counts = Counter(statuses.values())
        # A mutant that made the tests time out was caught too; mutmut's badge counts it so.
        caught = counts["killed"] + counts["timeout"]
        other = len(statuses) - caught - counts["survived"]
        score = caught / len(statuses) if statuses else 1.0
        print(
            f"{source:<22}{caught:>8}{counts['survived']:>10}{other:>7}"
            f"{len(statuses):>7}{score:>8.1%}"
        )
        survivors += [f"{name}: {how}" for name, how in statuses.items() if how != "killed"]
    if survivors:
        print("\nNot killed (`.venv/bin/mutmut show NAME` shows the change):")
        print("\n".join(f"  {line}" for line in survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
