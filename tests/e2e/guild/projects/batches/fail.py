fail = False

if fail:
    raise SystemExit("FAIL")
print("ok")
