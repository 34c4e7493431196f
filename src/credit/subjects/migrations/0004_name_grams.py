"""The name-bigram posting table ``subjects_namegram (gram, legal_person_id)`` for the portal's
two-character name search.

A two-character fragment is one bigram, so the legal persons whose names contain it are the
rows of one ``gram`` in this table's primary key, in id order: the search counts (up to its
cap) and pages them with index-only scans, never touching the legal-person table for names
that are not shown (the GIN index on ``name_bigrams`` must recheck every match in the table,
which under load costs a page read per match). Longer fragments keep using the GIN index.

Kept by the database: statement-level triggers with transition tables add the grams of
inserted names, replace those of renamed ones and remove those of deleted legal persons, so
every writer (the services, ingest's COPY, the demo loader) keeps it without knowing it. Not a
Django model: nothing but these triggers writes it and only the portal's search reads it.
"""

from django.db import migrations

FORWARD = """
CREATE TABLE subjects_namegram (
    gram varchar(2) NOT NULL,
    legal_person_id bigint NOT NULL,
    PRIMARY KEY (gram, legal_person_id)
);
CREATE INDEX subjects_namegram_person ON subjects_namegram (legal_person_id);

CREATE FUNCTION subjects_namegram_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO subjects_namegram (gram, legal_person_id)
    SELECT g, n.id FROM new_rows n, unnest(credit_name_bigrams(n.name)) AS g
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION subjects_namegram_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM subjects_namegram x USING old_rows o JOIN new_rows n ON n.id = o.id
    WHERE x.legal_person_id = o.id AND n.name IS DISTINCT FROM o.name;
    INSERT INTO subjects_namegram (gram, legal_person_id)
    SELECT g, n.id FROM new_rows n JOIN old_rows o ON o.id = n.id,
        unnest(credit_name_bigrams(n.name)) AS g
    WHERE n.name IS DISTINCT FROM o.name
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION subjects_namegram_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM subjects_namegram x USING old_rows o WHERE x.legal_person_id = o.id;
    RETURN NULL;
END $$;

CREATE TRIGGER subjects_namegram_insert AFTER INSERT ON subjects_legalperson
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION subjects_namegram_insert();
CREATE TRIGGER subjects_namegram_update AFTER UPDATE ON subjects_legalperson
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION subjects_namegram_update();
CREATE TRIGGER subjects_namegram_delete AFTER DELETE ON subjects_legalperson
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION subjects_namegram_delete();

INSERT INTO subjects_namegram (gram, legal_person_id)
SELECT g, lp.id FROM subjects_legalperson lp, unnest(credit_name_bigrams(lp.name)) AS g
ON CONFLICT DO NOTHING;
ANALYZE subjects_namegram;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS subjects_namegram_delete ON subjects_legalperson;
DROP TRIGGER IF EXISTS subjects_namegram_update ON subjects_legalperson;
DROP TRIGGER IF EXISTS subjects_namegram_insert ON subjects_legalperson;
DROP FUNCTION IF EXISTS subjects_namegram_delete();
DROP FUNCTION IF EXISTS subjects_namegram_update();
DROP FUNCTION IF EXISTS subjects_namegram_insert();
DROP TABLE IF EXISTS subjects_namegram;
"""


class Migration(migrations.Migration):
    dependencies = [("subjects", "0003_name_bigrams_index")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
