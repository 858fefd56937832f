print("kairos-loadgen")
