import sys

fail = False

if fail:
    sys.stderr.write("trial_fail: failing as asked\n")
    sys.exit(1)
print("trial_fail: ok")
