BEGIN TRANSACTION;
CREATE TABLE attributes (document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    name TEXT NOT NULL, value, PRIMARY KEY (document, name));
INSERT INTO "attributes" VALUES('d1','site','A');
INSERT INTO "attributes" VALUES('d1','age',34);
INSERT INTO "attributes" VALUES('d2','site','A');
INSERT INTO "attributes" VALUES('d2','age',34);
CREATE TABLE codebooks (hash TEXT PRIMARY KEY, name TEXT NOT NULL, content TEXT NOT NULL, added TEXT NOT NULL);
INSERT INTO "codebooks" VALUES('fe8ae9a6a1f1','t','{"codes": [{"id": "turnover", "name": "", "rules": {"fr": {"terms": ["interlocuteur"]}}}, {"id": "temps", "name": "", "rules": {"fr": {"terms": ["durée"]}}}], "description": "", "name": "t", "version": "1"}','2026-12-03T17:08:10.731+00:00');
CREATE TABLE coded_documents (document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    coder TEXT NOT NULL, run INTEGER NOT NULL REFERENCES runs(id), codebook_hash TEXT NOT NULL,
    unit TEXT NOT NULL, settings TEXT NOT NULL, content_hash TEXT NOT NULL, PRIMARY KEY (document, coder));
INSERT INTO "coded_documents" VALUES('d1','auto:t',1,'fe8ae9a6a1f1','paragraph','{"language": null, "model": null, "similarity": false, "speakers": "participant"}','ec29272af403f356b7672356e021e798dd766df0b52a609eb6a6339d47537067');
INSERT INTO "coded_documents" VALUES('d2','auto:t',1,'fe8ae9a6a1f1','paragraph','{"language": null, "model": null, "similarity": false, "speakers": "participant"}','5751418c00bf2980f6532cb1472d7e13a449caa3b52933e8b0a19c3b4eed88aa');
CREATE TABLE codes (id TEXT PRIMARY KEY, origin TEXT NOT NULL, added TEXT NOT NULL);
INSERT INTO "codes" VALUES('turnover','codebook:t','2026-12-03T17:08:10.731+00:00');
INSERT INTO "codes" VALUES('temps','codebook:t','2026-12-03T17:08:10.731+00:00');
CREATE TABLE codings (id INTEGER PRIMARY KEY, document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    coder TEXT NOT NULL, code TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    unit TEXT, segment_id INTEGER,
    status TEXT NOT NULL CHECK (status IN ('auto', 'stale', 'coded', 'moved', 'fuzzy', 'unplaced')),
    decision TEXT CHECK (decision IN ('accepted', 'rejected')), source TEXT, rule TEXT, matched TEXT,
    codebook_hash TEXT, run INTEGER REFERENCES runs(id), score REAL, previous TEXT, created TEXT NOT NULL,
    CHECK (start >= 0 AND "end" > start));
INSERT INTO "codings" VALUES(1,'d1','auto:t','turnover',3,42,'Les interlocuteurs changent sans cesse.','paragraph',1,'auto',NULL,NULL,'turnover:fr:term:interlocuteur','interlocuteurs','fe8ae9a6a1f1',1,NULL,NULL,'2026-12-03T17:08:16.511+00:00');
INSERT INTO "codings" VALUES(2,'d1','auto:t','temps',46,77,'Il faudrait agir dans la durée.','paragraph',2,'auto',NULL,NULL,'temps:fr:term:durée','durée','fe8ae9a6a1f1',1,NULL,NULL,'2026-12-03T17:08:16.511+00:00');
INSERT INTO "codings" VALUES(3,'d2','auto:t','turnover',3,34,'Un interlocuteur unique, enfin.','paragraph',1,'auto',NULL,NULL,'turnover:fr:term:interlocuteur','interlocuteur','fe8ae9a6a1f1',1,NULL,NULL,'2026-12-03T17:08:16.784+00:00');
INSERT INTO "codings" VALUES(4,'d2','auto:t','temps',38,63,'Une action dans la durée.','paragraph',2,'auto',NULL,NULL,'temps:fr:term:durée','durée','fe8ae9a6a1f1',1,NULL,NULL,'2026-12-03T17:08:16.784+00:00');
INSERT INTO "codings" VALUES(5,'d1','marie','temps',46,77,'Il faudrait agir dans la durée.','paragraph',2,'coded',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-12-03T17:08:16.789+00:00');
INSERT INTO "codings" VALUES(6,'d1','marie','turnover',3,42,'Les interlocuteurs changent sans cesse.','paragraph',1,'coded','accepted','auto:t','turnover:fr:term:interlocuteur','interlocuteurs','fe8ae9a6a1f1',NULL,NULL,NULL,'2026-12-03T17:08:16.795+00:00');
INSERT INTO "codings" VALUES(7,'d2','marie','temps',38,63,'Une action dans la durée.','paragraph',2,'coded','rejected','auto:t','temps:fr:term:durée','durée','fe8ae9a6a1f1',NULL,NULL,NULL,'2026-12-03T17:08:16.796+00:00');
CREATE TABLE documents (id TEXT PRIMARY KEY, text TEXT NOT NULL, content_hash TEXT NOT NULL,
    metadata TEXT NOT NULL, spans TEXT NOT NULL, added TEXT NOT NULL, updated TEXT NOT NULL);
INSERT INTO "documents" VALUES('d1','P: Les interlocuteurs changent sans cesse.
P: Il faudrait agir dans la durée.','ec29272af403f356b7672356e021e798dd766df0b52a609eb6a6339d47537067','{"attributes": {"age": 34, "site": "A"}, "encoding": null, "format": "txt", "front_matter": {}, "language": "fr", "source": null, "warnings": []}','[[0, 2, "label", "P", {"role": "participant"}], [3, 42, "paragraph", null, {}], [3, 42, "turn", "P", {"role": "participant"}], [43, 45, "label", "P", {"role": "participant"}], [46, 77, "paragraph", null, {}], [46, 77, "turn", "P", {"role": "participant"}]]','2026-12-03T17:08:16.511+00:00','2026-12-03T17:08:16.511+00:00');
INSERT INTO "documents" VALUES('d2','P: Un interlocuteur unique, enfin.
P: Une action dans la durée.','5751418c00bf2980f6532cb1472d7e13a449caa3b52933e8b0a19c3b4eed88aa','{"attributes": {"age": 34, "site": "A"}, "encoding": null, "format": "txt", "front_matter": {}, "language": "fr", "source": null, "warnings": []}','[[0, 2, "label", "P", {"role": "participant"}], [3, 34, "paragraph", null, {}], [3, 34, "turn", "P", {"role": "participant"}], [35, 37, "label", "P", {"role": "participant"}], [38, 63, "paragraph", null, {}], [38, 63, "turn", "P", {"role": "participant"}]]','2026-12-03T17:08:16.784+00:00','2026-12-03T17:08:16.784+00:00');
CREATE TABLE memos (id INTEGER PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, created TEXT NOT NULL,
    document TEXT REFERENCES documents(id) ON DELETE CASCADE, code TEXT,
    coding INTEGER REFERENCES codings(id) ON DELETE SET NULL, CHECK (document IS NOT NULL OR code IS NOT NULL));
INSERT INTO "memos" VALUES(1,'marie','Accepté après discussion.','2026-12-03T17:08:16.796+00:00','d1','turnover',6);
INSERT INTO "memos" VALUES(2,'paul','Un entretien court.','2026-12-03T17:08:16.796+00:00','d2',NULL,NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('schema_version','1');
INSERT INTO "meta" VALUES('created','2026-12-03T17:08:10.726+00:00');
CREATE TABLE runs (id INTEGER PRIMARY KEY, coder TEXT NOT NULL,
    codebook_hash TEXT NOT NULL REFERENCES codebooks(hash), unit TEXT NOT NULL, settings TEXT NOT NULL,
    started TEXT NOT NULL, finished TEXT, summary TEXT);
INSERT INTO "runs" VALUES(1,'auto:t','fe8ae9a6a1f1','paragraph','{"language": null, "model": null, "similarity": false, "speakers": "participant"}','2026-12-03T17:08:10.731+00:00','2026-12-03T17:08:16.789+00:00','{"added": ["d1", "d2"], "changed": [], "coder": "auto:t", "codings_written": 4, "fuzzy": 0, "kept": 0, "moved": 0, "recoded": ["d1", "d2"], "stale": 0, "unchanged": [], "unplaced": 0}');
CREATE INDEX codings_by_document ON codings (document, coder);
COMMIT;
