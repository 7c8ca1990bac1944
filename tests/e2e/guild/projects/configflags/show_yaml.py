import pprint
import sys

import yaml

with open(sys.argv[1]) as f:
    pprint.pprint(yaml.safe_load(f))
