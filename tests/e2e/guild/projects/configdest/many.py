import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--x", nargs="+")
parser.add_argument("--y", nargs="*", type=int, default=[1, 2])
args = parser.parse_args()
print(args.x)
print(args.y)
