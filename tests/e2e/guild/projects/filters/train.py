noise = 0.1
x = 0.1

if x < -1.1:
    raise SystemExit("x is too low")
print(f"loss: {round(abs(x) * 0.3 + noise, 5)}")
