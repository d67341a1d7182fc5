"""Build the comparator reference table shipped in the package from DfE's downloads.

    python scripts/build_reference.py [--dfe ../shared/data/dfe]

Writes wscb_analysis/data/dfe_reference.csv (figures only: the long table of
``wscb_analysis.benchmarks.load_dfe``) and dfe_statistical_neighbours.csv. Re-run it when
DfE publishes a new year; tests check the shipped table still matches the files it came from.
Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wscb_analysis import config
from wscb_analysis.benchmarks import NEIGHBOURS_FILE, REFERENCE_FILE, load_dfe, load_neighbours

OUT = config.PACKAGE_DIR / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dfe", type=Path, default=config.SHARED_DFE_DIR)
    args = parser.parse_args()
    table = load_dfe(args.dfe)
    table.to_csv(OUT / REFERENCE_FILE, index=False, float_format="%.10g")
    neighbours = load_neighbours(args.dfe)
    neighbours.to_csv(OUT / NEIGHBOURS_FILE, index=False)
    print(f"{OUT / REFERENCE_FILE}: {len(table):,} rows; {OUT / NEIGHBOURS_FILE}: "
          f"{len(neighbours):,} rows")


if __name__ == "__main__":
    main()
