import sys

with open(sys.argv[1], "w") as fh:
    fh.write("ok\n")
print("wrote", sys.argv[1])
