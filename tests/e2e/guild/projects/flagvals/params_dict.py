params = {"lr": 0.1, "epochs": 2, "opt": {"name": "sgd"}}

print(params["lr"], params["epochs"], params["opt"]["name"])
