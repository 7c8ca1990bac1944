rows = 3

with open("data.txt", "w") as fh:
    for i in range(rows):
        fh.write(f"row {i}\n")
print(f"prepared {rows} rows")
