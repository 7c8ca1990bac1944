x = 0.0

loss = (x - 0.3) ** 2 + 0.1 * (x - 0.3) ** 4

print("x: %f" % x)
print("loss: %f" % loss)
