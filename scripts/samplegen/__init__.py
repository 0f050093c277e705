"""Deterministic writers of the bundled sample host logs (see scripts/make_sample_logs.py).

One module per host family; ``common`` holds the clock, syslog rendering and the byte-exact
archive writers every host uses.
"""
