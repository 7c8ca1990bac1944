"""Prints each file it is given on one line, its blanks collapsed."""

import sys

for path in sys.argv[1:]:
    with open(path) as f:
        print(f"{path}: {' '.join(f.read().split())}")
