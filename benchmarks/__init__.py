"""Benchmarks of kernlog against a naive baseline and grep (not tests; see README.md)."""
