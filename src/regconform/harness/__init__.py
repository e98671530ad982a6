"""What the suites hold: one client per endpoint (transport trouble turned into test outcomes)
and the control requests every refusal test sends first."""
