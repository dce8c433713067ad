CREATE INDEX cases_category_reported ON cases(category_code, reported_at);

CREATE TABLE case_supports (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    user_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    dedupe_key TEXT NOT NULL UNIQUE
);
CREATE INDEX notifications_user ON notifications(user_id, id);
