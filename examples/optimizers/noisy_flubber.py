# noisy.py with a flubber: prints its loss under another name.
import math
import random

x = 0.1
noise = 0.1

flubber = math.sin(5 * x) * (1 - math.tanh(x**2)) + random.random() * noise

print("x: %f" % x)
print("flubber: %f" % flubber)
