import argparse

p = argparse.ArgumentParser()
p.add_argument("--f4", type=bool, default=True)
p.add_argument("--i", type=int, default=1)
p.add_argument("--s", default="hello")
args = p.parse_args()
print("f4:", args.f4)
print("i:", args.i)
print("s:", args.s)
