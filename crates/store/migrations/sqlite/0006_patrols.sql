CREATE TABLE patrols (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id INTEGER NOT NULL REFERENCES users(id),
    grid_code TEXT NOT NULL REFERENCES grids(code),
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    distance_m REAL NOT NULL,
    points INTEGER NOT NULL,
    findings INTEGER NOT NULL
);
CREATE INDEX patrols_grid_started ON patrols(grid_code, started_at);
CREATE INDEX patrols_worker ON patrols(worker_id, started_at);

CREATE TABLE patrol_points (
    patrol_id INTEGER NOT NULL REFERENCES patrols(id),
    at INTEGER NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    grid_code TEXT
);
CREATE INDEX patrol_points_patrol ON patrol_points(patrol_id, at);

ALTER TABLE cases ADD COLUMN patrol_id INTEGER;
