code = 2

print(code * code)
