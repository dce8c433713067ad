CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_code TEXT NOT NULL,
    category_version INTEGER NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    tier TEXT NOT NULL,
    department TEXT,
    grid_code TEXT NOT NULL REFERENCES grids(code),
    district_code TEXT NOT NULL,
    lon REAL,
    lat REAL,
    address TEXT NOT NULL,
    description TEXT NOT NULL,
    reporter_id INTEGER NOT NULL,
    rework_count INTEGER NOT NULL,
    reopen_count INTEGER NOT NULL,
    escalation_count INTEGER NOT NULL,
    supervised INTEGER NOT NULL,
    merged_into INTEGER,
    rating TEXT,
    reported_at INTEGER NOT NULL,
    dispatched_at INTEGER,
    closed_at INTEGER,
    step_due_at INTEGER,
    handle_due_at INTEGER,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX cases_grid_status ON cases(grid_code, status);
CREATE INDEX cases_status_due ON cases(status, step_due_at);
CREATE INDEX cases_department ON cases(department, status);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    at INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    actor TEXT NOT NULL,
    command TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);
