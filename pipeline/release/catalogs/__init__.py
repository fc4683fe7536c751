"""Catalogs of a release (DCAT-AP, CKAN, schema.org, citations), written from the built release."""
