"""Importers: participatory-budgeting files from other platforms (Decidim, Pabulib) into raw/."""
