"""The project database: the SQLite store (the only place that writes SQL), relocation of codings in edited texts,
review sheets, and the results built from a project."""
