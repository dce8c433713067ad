-- Daily indicator rollups (docs/indicators.md), kept in the same transaction as each
-- case change; the store rebuilds them once from the timeline when this table is new.
CREATE TABLE case_rollups (
    dim TEXT NOT NULL,
    node TEXT NOT NULL,
    day BIGINT NOT NULL,
    reported BIGINT NOT NULL DEFAULT 0,
    filed BIGINT NOT NULL DEFAULT 0,
    filed_on_time BIGINT NOT NULL DEFAULT 0,
    cancelled BIGINT NOT NULL DEFAULT 0,
    dispatched BIGINT NOT NULL DEFAULT 0,
    returned BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    due BIGINT NOT NULL DEFAULT 0,
    closed_on_time BIGINT NOT NULL DEFAULT 0,
    closed_late BIGINT NOT NULL DEFAULT 0,
    rework BIGINT NOT NULL DEFAULT 0,
    escalated BIGINT NOT NULL DEFAULT 0,
    reopened BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    handled_closed BIGINT NOT NULL DEFAULT 0,
    handling_ms_total BIGINT NOT NULL DEFAULT 0,
    rework_of_reported BIGINT NOT NULL DEFAULT 0,
    reports_decided BIGINT NOT NULL DEFAULT 0,
    reports_confirmed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, node, day)
);

-- The deadline of the step an event ended, so that 按时立案 can be judged from the timeline.
ALTER TABLE case_events ADD COLUMN step_due_at BIGINT;
