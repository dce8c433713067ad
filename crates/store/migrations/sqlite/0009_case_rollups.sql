-- Daily indicator rollups (docs/indicators.md), kept in the same transaction as each
-- case change; the store rebuilds them once from the timeline when this table is new.
CREATE TABLE case_rollups (
    dim TEXT NOT NULL,
    node TEXT NOT NULL,
    day INTEGER NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0,
    filed INTEGER NOT NULL DEFAULT 0,
    filed_on_time INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0,
    dispatched INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    due INTEGER NOT NULL DEFAULT 0,
    closed_on_time INTEGER NOT NULL DEFAULT 0,
    closed_late INTEGER NOT NULL DEFAULT 0,
    rework INTEGER NOT NULL DEFAULT 0,
    escalated INTEGER NOT NULL DEFAULT 0,
    reopened INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    handled_closed INTEGER NOT NULL DEFAULT 0,
    handling_ms_total INTEGER NOT NULL DEFAULT 0,
    rework_of_reported INTEGER NOT NULL DEFAULT 0,
    reports_decided INTEGER NOT NULL DEFAULT 0,
    reports_confirmed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, node, day)
);

-- The deadline of the step an event ended, so that 按时立案 can be judged from the timeline.
ALTER TABLE case_events ADD COLUMN step_due_at INTEGER;
