"""Prints each flags.* file of the run directory on one line."""

import glob

for path in sorted(glob.glob("flags.*")):
    with open(path) as f:
        print(f"{path}: {' '.join(f.read().split())}")
