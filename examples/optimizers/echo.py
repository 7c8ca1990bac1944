x = 1.0
y = 2
z = "a"

print(x, y, repr(z))
