"""Recorded-cassette regression runs: record a run once, replay it offline, re-judge it later.

`regconform run --record` writes one vcrpy cassette (YAML) per suite test at
`cassettes/<suite module>/<test>[-<param id>].yaml` and a metadata file
(`regconform-cassettes.json`: seed, examples, level, profile without the token, the hypothesis
and schemathesis versions that generated the requests, contract hashes, verdicts).
`regconform run --replay` runs the same suites from them with no network (and only under those
versions); `regconform revalidate` re-judges the recorded responses against the current contracts.

Written by hand around vcrpy's `Cassette` rather than with pytest-recording, because what we need
is mostly what that plugin leaves to overrides: the cassette folder and the scrubbed secrets come
from our run configuration (known only after it is built), a replay must reuse the recorded seed
and profile from our metadata, playback must be strictly in recorded order (vcrpy plays the first
unplayed *matching* interaction, so a reordered suite would pass), a mismatch must stop hypothesis
from shrinking (it catches pytest's own failures), and its options (`--record-mode`,
`--block-network`) would be added to every pytest run of our self-tests too.

The package itself exports only what the pytest plugin calls, and imports vcrpy only when a run
records or replays: `_cassette` (files, matching, in-order playback, the socket guard), `_scrub`,
`_metadata`, `_folder` (where a recording may go), `_plugin`, `_revalidate`, and `command`
(the CLI side).
"""

from regconform.cassettes._options import add_options, configure

__all__ = ["add_options", "configure"]
