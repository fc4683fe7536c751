"""Tooling the product never imports: benchmarks, synthetic data, generators, audits."""
