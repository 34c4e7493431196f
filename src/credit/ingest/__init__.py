"""D2/D3 collection and cleaning: department files and pushes in, validated rows out.

Readers stream rows from xlsx, csv/txt, xml and zip files; headers are matched to catalog
fields; values are normalised (and every correction recorded) before catalog validation.
"""
