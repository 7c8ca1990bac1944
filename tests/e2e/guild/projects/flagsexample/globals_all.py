i = 1
f = 1.1
b = False
s = "hello"
l = [1, 2, "foo"]  # noqa: E741 - named as in the example it mirrors

print(i, f, b, s, l)
