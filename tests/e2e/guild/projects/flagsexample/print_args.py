import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--i", type=int)
parser.add_argument("--f", type=float)
parser.add_argument("--s")
parser.add_argument("--b", action="store_true")
args = parser.parse_args()
print(f"i: {args.i}")
print(f"f: {args.f:f}")
print(f"s: {args.s}")
print(f"b: {args.b}")
