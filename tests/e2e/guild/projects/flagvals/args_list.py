import argparse

p = argparse.ArgumentParser()
p.add_argument("--l", nargs="+")
print(p.parse_args().l)
