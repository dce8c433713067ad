-- Three-affairs disclosure (三务公开): catalogue, committee roster, postings with finance
-- lines and approvals, and one hash chain per community with its head kept apart.
CREATE TABLE disclosure_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    affair TEXT NOT NULL,
    title TEXT NOT NULL,
    frequency TEXT NOT NULL,
    major INTEGER NOT NULL,
    grace_days INTEGER NOT NULL,
    active_from INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL
);
CREATE INDEX disclosure_items_community ON disclosure_items(community_code);

CREATE TABLE disclosure_committee (
    community_code TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    added_at INTEGER NOT NULL,
    added_by INTEGER NOT NULL,
    PRIMARY KEY (community_code, user_id)
);

CREATE TABLE disclosure_postings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES disclosure_items(id),
    period TEXT NOT NULL,
    version INTEGER NOT NULL,
    supersedes INTEGER,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    income_fen INTEGER NOT NULL,
    expense_fen INTEGER NOT NULL,
    status TEXT NOT NULL,
    author_id INTEGER NOT NULL,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    published_at INTEGER,
    chain_seq INTEGER,
    prev_hash TEXT,
    hash TEXT
);
CREATE INDEX disclosure_postings_community ON disclosure_postings(community_code, status, item_id);
CREATE UNIQUE INDEX disclosure_postings_chain ON disclosure_postings(community_code, chain_seq);
CREATE UNIQUE INDEX disclosure_postings_supersedes ON disclosure_postings(supersedes) WHERE status = 'published';

CREATE TABLE disclosure_lines (
    posting_id INTEGER NOT NULL REFERENCES disclosure_postings(id),
    line_no INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (posting_id, line_no)
);

CREATE TABLE disclosure_approvals (
    posting_id INTEGER NOT NULL REFERENCES disclosure_postings(id),
    approver_id INTEGER NOT NULL,
    approver TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (posting_id, approver_id)
);

CREATE TABLE disclosure_chain_heads (
    community_code TEXT PRIMARY KEY NOT NULL,
    length INTEGER NOT NULL,
    last_hash TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
