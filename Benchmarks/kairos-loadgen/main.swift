// kairos-loadgen: see Loadgen.swift for the options and Benchmarks/README.md for the scenarios.
Loadgen.main()
