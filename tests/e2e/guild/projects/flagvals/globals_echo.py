x = 1.0
y = 2
z = "a"
n = None

print(x, y, repr(z), n)
