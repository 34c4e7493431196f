"""D2/D3 collection and cleaning (数据归集与清洗): department files and pushes read, matched to
the catalog, normalised, validated and loaded as batches, with feedback and quality figures."""
