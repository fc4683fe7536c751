"""REMACTO open-data pipeline: raw/ tables -> validated, published release -> Datasette portal.

Stages, one module each: load, normalise, validate, build, publish, serve.
`model` reads schemas/ and metadata/ once and feeds every stage.
"""
