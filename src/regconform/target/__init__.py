"""The target side: the only way requests leave (transport, its deadline and allow-list), the
exchanges it returns, the preflight, putting records back, and the embedded reference server."""
