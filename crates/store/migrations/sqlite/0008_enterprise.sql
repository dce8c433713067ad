-- 工业振兴特派员: commissioners assigned to enterprises (many-to-many, with dates).
CREATE TABLE commissioner_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commissioner_id INTEGER NOT NULL REFERENCES users(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    from_date TEXT NOT NULL,
    to_date TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX commissioner_assignments_org ON commissioner_assignments(organisation_id);
CREATE INDEX commissioner_assignments_user ON commissioner_assignments(commissioner_id);

ALTER TABLE cases ADD COLUMN organisation_id INTEGER;
CREATE INDEX cases_organisation ON cases(organisation_id);
