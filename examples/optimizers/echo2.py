x = 1.0
y = 2
z = "a"

print("x=%s y=%s z=%s" % (x, y, z))
