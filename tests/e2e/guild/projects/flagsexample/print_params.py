import pprint

params = {"i": 123, "f": 1.123, "s": "hello", "b": True, "l": [1, 2, "foo"]}

pprint.pprint(params)
