import argparse

p = argparse.ArgumentParser()
p.add_argument("--verbose", action="store_true")
print("verbose:", p.parse_args().verbose)
