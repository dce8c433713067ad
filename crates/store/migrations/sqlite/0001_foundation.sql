CREATE TABLE divisions (
    code TEXT PRIMARY KEY NOT NULL,
    parent_code TEXT REFERENCES divisions(code),
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    boundary TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX divisions_parent ON divisions(parent_code, code);

CREATE TABLE grids (
    code TEXT PRIMARY KEY NOT NULL,
    community_code TEXT NOT NULL REFERENCES divisions(code),
    district_code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    households INTEGER NOT NULL,
    population INTEGER NOT NULL,
    party_unit_kind TEXT NOT NULL,
    party_unit_name TEXT NOT NULL,
    boundary TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX grids_community ON grids(community_code, code);

CREATE TABLE compounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL REFERENCES divisions(code),
    grid_code TEXT NOT NULL REFERENCES grids(code),
    district_code TEXT NOT NULL,
    name TEXT NOT NULL,
    households INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX compounds_grid ON compounds(grid_code);
CREATE INDEX compounds_community ON compounds(community_code);

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL REFERENCES divisions(code),
    compound_id INTEGER REFERENCES compounds(id),
    grid_code TEXT NOT NULL REFERENCES grids(code),
    district_code TEXT NOT NULL,
    name TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    floors INTEGER NOT NULL,
    households INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX buildings_grid ON buildings(grid_code);
CREATE INDEX buildings_community ON buildings(community_code);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE role_bindings (
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    node_code TEXT NOT NULL,
    PRIMARY KEY (user_id, role, node_code)
);
CREATE INDEX role_bindings_node ON role_bindings(node_code);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    node_code TEXT,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_actor ON audit_log(actor_id, at);
CREATE INDEX audit_entity ON audit_log(entity_type, entity_id);

CREATE TABLE idempotency_keys (
    user_id INTEGER NOT NULL,
    idem_key TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
