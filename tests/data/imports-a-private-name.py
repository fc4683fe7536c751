# A module that reaches into other modules' private names (read, never run, by tests/test_layers.py).
from pipeline.check import conventions
from pipeline.build.ddl import _typed


def rules(table, file, rows):
    return conventions._pair_rules(table, file, rows), _typed
