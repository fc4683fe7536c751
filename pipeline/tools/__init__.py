"""Tooling the product never imports: benchmarks, SYNTHETIC data (make synth, make bench, make portalbench,
make loadtest), generators (make geography) and audits (make audit)."""
