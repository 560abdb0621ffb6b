"""The cluster test (`make cluster-test`): the real servers from deploy/, on loopback, under load
and under failure. Run with `python -m tests.cluster [--profile short|full]`."""
