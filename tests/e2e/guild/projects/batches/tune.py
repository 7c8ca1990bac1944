x = 0.5
kind = "a"

print(f"loss: {(x - 0.3) ** 2 + (0 if kind == 'b' else 1)}")
