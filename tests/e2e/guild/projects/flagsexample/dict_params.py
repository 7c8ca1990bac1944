import pprint

params = {"i": 3}

pprint.pprint(params)
