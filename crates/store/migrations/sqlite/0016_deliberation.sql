CREATE TABLE session_schedules (
    community_code TEXT PRIMARY KEY,
    pattern TEXT NOT NULL,
    weekday INTEGER,
    holiday_rule TEXT NOT NULL,
    start_minute INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL,
    place TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE deliberation_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL,
    nominal_date TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    place TEXT NOT NULL,
    status TEXT NOT NULL,
    residents_present INTEGER,
    minutes TEXT,
    held_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (community_code, starts_at)
);
CREATE INDEX deliberation_sessions_starts ON deliberation_sessions(starts_at);

CREATE TABLE session_attendees (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES deliberation_sessions(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL
);
CREATE INDEX session_attendees_session ON session_attendees(session_id);

CREATE TABLE session_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL,
    session_id INTEGER REFERENCES deliberation_sessions(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    topic_area TEXT NOT NULL,
    source TEXT NOT NULL,
    raised_by INTEGER NOT NULL,
    raised_at INTEGER NOT NULL,
    case_id INTEGER,
    status TEXT NOT NULL,
    answer TEXT,
    answered_by TEXT,
    responsible_unit TEXT,
    commitment TEXT,
    due_at INTEGER,
    referred_case_id INTEGER,
    result TEXT,
    satisfied INTEGER NOT NULL,
    unsatisfied INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX session_items_community ON session_items(community_code, id);
CREATE INDEX session_items_session ON session_items(session_id);
CREATE INDEX session_items_due ON session_items(status, due_at);
CREATE INDEX session_items_case ON session_items(referred_case_id);

CREATE TABLE session_item_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id INTEGER NOT NULL REFERENCES session_items(id),
    at INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX session_item_events_item ON session_item_events(item_id, id);

CREATE TABLE deliberation_ratings (
    subject TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (subject, subject_id, user_id)
);

CREATE TABLE major_matters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    stage_done TEXT,
    status TEXT NOT NULL,
    decision_id INTEGER,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX major_matters_community ON major_matters(community_code, id);

CREATE TABLE matter_stages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    matter_id INTEGER NOT NULL REFERENCES major_matters(id),
    stage TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    actor_label TEXT NOT NULL,
    summary TEXT NOT NULL,
    members INTEGER,
    present INTEGER,
    in_favour INTEGER,
    against INTEGER,
    abstaining INTEGER,
    passed INTEGER NOT NULL
);
CREATE INDEX matter_stages_matter ON matter_stages(matter_id, id);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL,
    parent_id INTEGER REFERENCES decisions(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id INTEGER,
    weight INTEGER NOT NULL,
    rollup TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL,
    due_at INTEGER,
    satisfied INTEGER NOT NULL,
    unsatisfied INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX decisions_community ON decisions(community_code, id);
CREATE INDEX decisions_parent ON decisions(parent_id);

CREATE TABLE decision_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    at INTEGER NOT NULL,
    progress INTEGER NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    actor_id INTEGER NOT NULL,
    actor_label TEXT NOT NULL
);
CREATE INDEX decision_progress_decision ON decision_progress(decision_id, at);

CREATE TABLE decision_links (
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (decision_id, kind, ref)
);
