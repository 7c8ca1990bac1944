i = 1
f = 2.0
b = True
s = "hello"
