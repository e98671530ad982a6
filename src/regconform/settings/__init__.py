"""What the user told us: the target profile, the baseline of accepted deviations, and the run
configuration built once from defaults < profile < environment < flags."""
