params = {"opt": {"lr": 0.1, "decay": {"every": 10}}, "epochs": 2}

print(params["opt"]["lr"], params["opt"]["decay"]["every"], params["epochs"])
