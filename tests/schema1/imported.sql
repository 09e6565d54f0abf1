BEGIN TRANSACTION;
CREATE TABLE attributes (document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    name TEXT NOT NULL, value, PRIMARY KEY (document, name));
INSERT INTO "attributes" VALUES('d1','age',34);
INSERT INTO "attributes" VALUES('d1','site','A');
INSERT INTO "attributes" VALUES('d2','age',34);
INSERT INTO "attributes" VALUES('d2','site','A');
CREATE TABLE codebooks (hash TEXT PRIMARY KEY, name TEXT NOT NULL, content TEXT NOT NULL, added TEXT NOT NULL);
INSERT INTO "codebooks" VALUES('f0a47b1cb124','refi:coded','{"codes": [{"id": "turnover", "name": "turnover"}, {"id": "temps", "name": "temps"}], "description": "Imported from /tmp/tmpx75b_f72/coded.qdpx (qualcode 0.1.0).", "name": "refi:coded", "version": "1"}','2026-12-03T17:08:16.807+00:00');
CREATE TABLE coded_documents (document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    coder TEXT NOT NULL, run INTEGER NOT NULL REFERENCES runs(id), codebook_hash TEXT NOT NULL,
    unit TEXT NOT NULL, settings TEXT NOT NULL, content_hash TEXT NOT NULL, PRIMARY KEY (document, coder));
CREATE TABLE codes (id TEXT PRIMARY KEY, origin TEXT NOT NULL, added TEXT NOT NULL);
INSERT INTO "codes" VALUES('temps','codebook:refi:coded','2026-12-03T17:08:16.807+00:00');
INSERT INTO "codes" VALUES('turnover','codebook:refi:coded','2026-12-03T17:08:16.807+00:00');
CREATE TABLE codings (id INTEGER PRIMARY KEY, document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    coder TEXT NOT NULL, code TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    unit TEXT, segment_id INTEGER,
    status TEXT NOT NULL CHECK (status IN ('auto', 'stale', 'coded', 'moved', 'fuzzy', 'unplaced')),
    decision TEXT CHECK (decision IN ('accepted', 'rejected')), source TEXT, rule TEXT, matched TEXT,
    codebook_hash TEXT, run INTEGER REFERENCES runs(id), score REAL, previous TEXT, created TEXT NOT NULL,
    CHECK (start >= 0 AND "end" > start));
INSERT INTO "codings" VALUES(1,'d1','auto:t','turnover',3,42,'Les interlocuteurs changent sans cesse.',NULL,NULL,'auto',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-12-03T17:08:16.511+00:00');
INSERT INTO "codings" VALUES(2,'d1','marie','turnover',3,42,'Les interlocuteurs changent sans cesse.',NULL,NULL,'coded',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-12-03T17:08:16.795+00:00');
INSERT INTO "codings" VALUES(3,'d1','auto:t','temps',46,77,'Il faudrait agir dans la durée.',NULL,NULL,'auto',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-12-03T17:08:16.511+00:00');
INSERT INTO "codings" VALUES(4,'d1','marie','temps',46,77,'Il faudrait agir dans la durée.',NULL,NULL,'coded',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-12-03T17:08:16.789+00:00');
INSERT INTO "codings" VALUES(5,'d2','auto:t','turnover',3,34,'Un interlocuteur unique, enfin.',NULL,NULL,'auto',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-12-03T17:08:16.784+00:00');
INSERT INTO "codings" VALUES(6,'d2','auto:t','temps',38,63,'Une action dans la durée.',NULL,NULL,'auto',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-12-03T17:08:16.784+00:00');
CREATE TABLE documents (id TEXT PRIMARY KEY, text TEXT NOT NULL, content_hash TEXT NOT NULL,
    metadata TEXT NOT NULL, spans TEXT NOT NULL, added TEXT NOT NULL, updated TEXT NOT NULL);
INSERT INTO "documents" VALUES('d1','P: Les interlocuteurs changent sans cesse.
P: Il faudrait agir dans la durée.','ec29272af403f356b7672356e021e798dd766df0b52a609eb6a6339d47537067','{"encoding": "utf-8", "format": "refi-qda", "language": "fr", "refi_name": "d1", "refi_origin": "qualcode 0.1.0", "source": "/tmp/tmpx75b_f72/coded.qdpx#d1", "warnings": []}','[[0, 2, "label", "P", {"role": "participant"}], [3, 42, "paragraph", null, {}], [3, 42, "turn", "P", {"role": "participant"}], [43, 45, "label", "P", {"role": "participant"}], [46, 77, "paragraph", null, {}], [46, 77, "turn", "P", {"role": "participant"}]]','2026-12-03T17:08:16.809+00:00','2026-12-03T17:08:16.809+00:00');
INSERT INTO "documents" VALUES('d2','P: Un interlocuteur unique, enfin.
P: Une action dans la durée.','5751418c00bf2980f6532cb1472d7e13a449caa3b52933e8b0a19c3b4eed88aa','{"encoding": "utf-8", "format": "refi-qda", "language": "fr", "refi_name": "d2", "refi_origin": "qualcode 0.1.0", "source": "/tmp/tmpx75b_f72/coded.qdpx#d2", "warnings": []}','[[0, 2, "label", "P", {"role": "participant"}], [3, 34, "paragraph", null, {}], [3, 34, "turn", "P", {"role": "participant"}], [35, 37, "label", "P", {"role": "participant"}], [38, 63, "paragraph", null, {}], [38, 63, "turn", "P", {"role": "participant"}]]','2026-12-03T17:08:16.809+00:00','2026-12-03T17:08:16.809+00:00');
CREATE TABLE memos (id INTEGER PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, created TEXT NOT NULL,
    document TEXT REFERENCES documents(id) ON DELETE CASCADE, code TEXT,
    coding INTEGER REFERENCES codings(id) ON DELETE SET NULL, CHECK (document IS NOT NULL OR code IS NOT NULL));
INSERT INTO "memos" VALUES(1,'marie','Accepté après discussion.','2026-12-03T17:08:16.796+00:00','d1','turnover',2);
INSERT INTO "memos" VALUES(2,'paul','Un entretien court.','2026-12-03T17:08:16.796+00:00','d2',NULL,NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('schema_version','1');
INSERT INTO "meta" VALUES('created','2026-12-03T17:08:16.804+00:00');
CREATE TABLE refi_guids (kind TEXT NOT NULL, local_id TEXT NOT NULL, guid TEXT NOT NULL, PRIMARY KEY (kind, local_id));
INSERT INTO "refi_guids" VALUES('user','auto:t','ea5b7979-bba5-5e2c-b3f4-025738e774bb');
INSERT INTO "refi_guids" VALUES('user','marie','1fc3a477-dc12-51aa-a718-293a09bd078b');
INSERT INTO "refi_guids" VALUES('user','paul','72e8e081-47f9-5302-b850-f52051c661b4');
INSERT INTO "refi_guids" VALUES('code','turnover','086d09e3-002f-5250-bee1-4bd934cb3c69');
INSERT INTO "refi_guids" VALUES('code','temps','d271236a-88ee-5332-b845-17ad50213efc');
INSERT INTO "refi_guids" VALUES('source','d1','9e471b30-df1d-521a-9408-fadd209af7f2');
INSERT INTO "refi_guids" VALUES('source','d2','fbb1c641-5497-582c-ac9f-9e38a9b29912');
INSERT INTO "refi_guids" VALUES('case','d1','2e85bcaa-aa9f-5eb3-a192-53add5a410ec');
INSERT INTO "refi_guids" VALUES('case','d2','986c127a-d14c-5512-a114-f98a86551661');
INSERT INTO "refi_guids" VALUES('variable','age','f27522a0-4f4a-568f-9fe0-b16dc8ce1787');
INSERT INTO "refi_guids" VALUES('variable','site','289ccab1-894e-5a45-8227-cf07516a3acc');
INSERT INTO "refi_guids" VALUES('coding','1d1auto:tturnover','672885c9-32cc-5504-881b-110deffe0ab6');
INSERT INTO "refi_guids" VALUES('selection','1d1auto:tturnover','43e667df-aab0-5a7c-957e-ea56005c85b6');
INSERT INTO "refi_guids" VALUES('coding','2d1marieturnover','50077b93-0377-5068-ab48-c5b3c004d8ad');
INSERT INTO "refi_guids" VALUES('selection','2d1marieturnover','d3b3c6ac-1022-511b-b4f0-602ebb7b5c7e');
INSERT INTO "refi_guids" VALUES('coding','3d1auto:ttemps','79405908-2fcb-5c25-80c6-38cd98c50a18');
INSERT INTO "refi_guids" VALUES('selection','3d1auto:ttemps','94d10336-6c93-543f-b04e-8826e17443a4');
INSERT INTO "refi_guids" VALUES('coding','4d1marietemps','c6aa103f-aacf-56c1-a8db-52c010df323b');
INSERT INTO "refi_guids" VALUES('selection','4d1marietemps','558218d9-c2f0-5bd9-b1a3-3c63ed8452ad');
INSERT INTO "refi_guids" VALUES('coding','5d2auto:tturnover','e24f95a4-1c3b-54b0-853b-f2d4576a905e');
INSERT INTO "refi_guids" VALUES('selection','5d2auto:tturnover','1deb17e8-8d13-5001-8606-ac50d1c3ab6f');
INSERT INTO "refi_guids" VALUES('coding','6d2auto:ttemps','ca09afb8-b8ca-5d89-a340-cb8d459ca344');
INSERT INTO "refi_guids" VALUES('selection','6d2auto:ttemps','748e85e8-553e-520d-a9a1-48cd79fd1f6c');
INSERT INTO "refi_guids" VALUES('note','1','77c7cc7e-68f4-5d29-a79b-206875555521');
INSERT INTO "refi_guids" VALUES('note','2','82c68dde-9832-54cb-9f8d-99c4b0c846a5');
CREATE TABLE runs (id INTEGER PRIMARY KEY, coder TEXT NOT NULL,
    codebook_hash TEXT NOT NULL REFERENCES codebooks(hash), unit TEXT NOT NULL, settings TEXT NOT NULL,
    started TEXT NOT NULL, finished TEXT, summary TEXT);
CREATE INDEX codings_by_document ON codings (document, coder);
COMMIT;
