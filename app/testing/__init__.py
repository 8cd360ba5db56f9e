"""Fakes of the services papers-bot talks to, served on 127.0.0.1, for its tests and benchmarks."""
