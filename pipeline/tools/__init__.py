"""Benchmark and SYNTHETIC-data tooling (make synth, make bench, make portalbench, make loadtest).
The product never imports it."""
