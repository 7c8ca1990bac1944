import math
import random

x = 0.1
noise = 0.1

loss = math.sin(5 * x) * (1 - math.tanh(x**2)) + random.random() * noise

print("x: %f" % x)
print("noise: %f" % noise)
print("loss: %f" % loss)
