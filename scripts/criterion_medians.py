#!/usr/bin/env python3
"""Prints the medians of one criterion group's last run, and ratios.

Usage:
    python3 scripts/criterion_medians.py GROUP [A:B ...]

GROUP is a criterion group (`metrics`, `revocation`, `validation`, ...);
every case under it is printed with its median (criterion's
`median.point_estimate`, from `new/estimates.json`) and its median
absolute deviation. Each A:B argument prints the ratio of case A's median
to case B's and their difference. Case names are as criterion writes
them under the group (`handler_no_recorder`; `handler/no_recorder` is
read the same). Reads
`$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
`target/criterion`.
"""

import json
import os
import sys
from pathlib import Path


def criterion_home() -> Path:
    if os.environ.get("CRITERION_HOME"):
        return Path(os.environ["CRITERION_HOME"])
    return Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"


def medians(group: Path) -> dict:
    found = {}
    for estimates in sorted(group.glob("**/new/estimates.json")):
        case = estimates.parent.parent.relative_to(group).as_posix()
        data = json.loads(estimates.read_text())
        found[case] = (
            data["median"]["point_estimate"],
            data["median_abs_dev"]["point_estimate"],
        )
    return found


def show(ns: float) -> str:
    return f"{ns / 1000:.3f} µs" if ns >= 1000 else f"{ns:.1f} ns"


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    group = criterion_home() / sys.argv[1]
    cases = medians(group)
    if not cases:
        print(f"no criterion results under {group}", file=sys.stderr)
        return 1
    for case, (median, mad) in cases.items():
        print(f"{sys.argv[1]}/{case}: median {show(median)} (MAD {show(mad)})")
    for pair in sys.argv[2:]:
        # criterion writes a `/` inside a case's name as `_`
        a, _, b = (side.replace("/", "_") for side in pair.partition(":"))
        if a not in cases or b not in cases:
            print(f"{pair}: unknown case (write A:B)", file=sys.stderr)
            return 1
        ratio = cases[a][0] / cases[b][0]
        diff = cases[a][0] - cases[b][0]
        print(f"{a} / {b}: {ratio:.3f} ({diff:+.1f} ns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
