"""Storage: engine and pragmas, schema (Core tables), typed ORM models, bulk I/O, migrations."""
