i = 0
f = 0.0
s = ""
b = True

print(f"i: {i}")
print(f"f: {f:f}")
print(f"s: {s}")
print(f"b: {b}")
