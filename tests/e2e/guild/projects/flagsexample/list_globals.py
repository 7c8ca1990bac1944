x = None
y = None

print(x)
print(y)
