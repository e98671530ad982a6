"""The run: the `regconform` command line, `regconform run` over pytest, the pytest plugin behind
suites/ and the terminal summary."""
