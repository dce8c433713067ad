CREATE TABLE households (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    grid_code TEXT NOT NULL REFERENCES grids(code),
    district_code TEXT NOT NULL,
    building_id INTEGER REFERENCES buildings(id),
    unit TEXT NOT NULL,
    room TEXT NOT NULL,
    address TEXT NOT NULL,
    head_resident_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX households_grid ON households(grid_code);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    id_sealed TEXT NOT NULL,
    id_hash TEXT NOT NULL UNIQUE,
    id_masked TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    phone_sealed TEXT,
    phone_hash TEXT,
    phone_masked TEXT,
    household_id INTEGER REFERENCES households(id),
    building_id INTEGER REFERENCES buildings(id),
    unit TEXT NOT NULL,
    room TEXT NOT NULL,
    grid_code TEXT NOT NULL REFERENCES grids(code),
    district_code TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX residents_grid_name ON residents(grid_code, name);
CREATE INDEX residents_phone ON residents(phone_hash);
CREATE INDEX residents_household ON residents(household_id);

CREATE TABLE residence_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    household_id INTEGER,
    building_id INTEGER,
    grid_code TEXT,
    unit TEXT NOT NULL,
    room TEXT NOT NULL,
    from_at INTEGER NOT NULL,
    to_at INTEGER,
    reason TEXT NOT NULL
);
CREATE INDEX residence_history_resident ON residence_history(resident_id, from_at);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    community_code TEXT NOT NULL REFERENCES divisions(code),
    grid_code TEXT NOT NULL REFERENCES grids(code),
    district_code TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone_sealed TEXT,
    contact_phone_hash TEXT,
    contact_phone_masked TEXT,
    registered INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX organisations_grid ON organisations(grid_code, name);

CREATE TABLE party_orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES party_orgs(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    community_code TEXT NOT NULL REFERENCES divisions(code),
    grid_code TEXT REFERENCES grids(code),
    building_id INTEGER REFERENCES buildings(id),
    node_code TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX party_orgs_node ON party_orgs(node_code);
CREATE INDEX party_orgs_parent ON party_orgs(parent_id);

CREATE TABLE party_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id INTEGER NOT NULL UNIQUE REFERENCES residents(id),
    org_id INTEGER NOT NULL REFERENCES party_orgs(id),
    in_service INTEGER NOT NULL,
    employer_org_id INTEGER REFERENCES organisations(id),
    node_code TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX party_members_org ON party_members(org_id);
CREATE INDEX party_members_node ON party_members(node_code);

CREATE TABLE settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
