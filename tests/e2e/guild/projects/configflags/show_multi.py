"""Prints each config file it is given (else each flags.* file of the run
directory), under its name."""

import glob
import sys

for i, path in enumerate(sys.argv[1:] or sorted(glob.glob("flags.*"))):
    if i:
        print()
    print(path)
    print("-" * len(path))
    with open(path) as f:
        print(f.read().strip())
