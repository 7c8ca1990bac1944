import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--x", nargs="+")
parser.add_argument("--y", nargs="+", type=int)
args = parser.parse_args()
print(args.x)
print(args.y)
