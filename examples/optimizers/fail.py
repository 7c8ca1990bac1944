import sys

code = 2

sys.stderr.write("failing with exit status %i\n" % code)
sys.exit(code)
