"""All SQL lives here: table definitions, queries, migrations."""
