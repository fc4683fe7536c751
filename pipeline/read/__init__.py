"""Reading stage: raw/*.csv read strictly (`csv.read_csv`) and the text rules every cell goes through
(`text`: clean_text, search_key, is_formula). Imports nothing of ours above the model."""
