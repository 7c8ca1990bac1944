import json
import pprint
import sys

with open(sys.argv[1]) as f:
    pprint.pprint(json.load(f))
