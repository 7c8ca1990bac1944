"""Prints the config file it is given, as the run reads it."""

import configparser
import json
import pprint
import sys

import yaml

path = sys.argv[1]
print("args:", sys.argv[2:])
if path.endswith(".json"):
    pprint.pprint(json.load(open(path)))
elif path.endswith(".ini"):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    for section in ["DEFAULT", *parser.sections()]:
        own = parser[section] if section == "DEFAULT" else parser._sections[section]
        print(f"[{section}]", ", ".join(f"{k}={v}" for k, v in own.items()))
else:
    pprint.pprint(yaml.safe_load(open(path)))
