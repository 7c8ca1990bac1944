msg = "hello"
loud = False

print(msg.upper() if loud else msg)
