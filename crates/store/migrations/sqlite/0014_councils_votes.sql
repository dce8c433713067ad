-- Councils (老友议事会 / 居民议事会 / 居民代表会议), their charters and members; elections and
-- motions as ballots. A secret ballot keeps who voted (ballot_voters) apart from the
-- anonymous papers (ballot_papers: the options marked, comma-separated): papers carry a random key, no time and no
-- voter, and are stored in key order (WITHOUT ROWID), not in the order they were cast.

CREATE TABLE councils (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    community_code TEXT NOT NULL REFERENCES divisions(code),
    compound_id INTEGER REFERENCES compounds(id),
    district_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    rules TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX councils_community ON councils(community_code, id);

CREATE TABLE council_charters (
    council_id INTEGER NOT NULL REFERENCES councils(id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    note TEXT NOT NULL,
    adopted_at INTEGER NOT NULL,
    author TEXT NOT NULL,
    PRIMARY KEY (council_id, version)
);

CREATE TABLE council_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    council_id INTEGER NOT NULL REFERENCES councils(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    building_id INTEGER REFERENCES buildings(id),
    party_member INTEGER NOT NULL,
    role TEXT NOT NULL,
    term_start INTEGER NOT NULL,
    term_end INTEGER NOT NULL,
    election_id INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX council_members_council ON council_members(council_id, term_end);
CREATE INDEX council_members_resident ON council_members(resident_id);

CREATE TABLE ballots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    council_id INTEGER NOT NULL REFERENCES councils(id),
    community_code TEXT NOT NULL,
    district_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    meeting_date TEXT,
    seats INTEGER NOT NULL,
    term_start INTEGER,
    term_end INTEGER,
    rules TEXT NOT NULL,
    electorate_kind TEXT NOT NULL,
    electorate_size INTEGER NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0,
    hands TEXT,
    status TEXT NOT NULL,
    result TEXT,
    published_at INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ballots_council ON ballots(council_id, kind, opens_at);

CREATE TABLE ballot_options (
    ballot_id INTEGER NOT NULL REFERENCES ballots(id),
    option_no INTEGER NOT NULL,
    label TEXT NOT NULL,
    resident_id INTEGER REFERENCES residents(id),
    building_id INTEGER REFERENCES buildings(id),
    party_member INTEGER NOT NULL,
    PRIMARY KEY (ballot_id, option_no)
);

CREATE TABLE ballot_electorate (
    ballot_id INTEGER NOT NULL REFERENCES ballots(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    valid_from INTEGER NOT NULL,
    valid_to INTEGER NOT NULL,
    PRIMARY KEY (ballot_id, resident_id)
);

CREATE TABLE ballot_voters (
    ballot_id INTEGER NOT NULL REFERENCES ballots(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    cast_at INTEGER NOT NULL,
    PRIMARY KEY (ballot_id, resident_id)
);

CREATE TABLE ballot_papers (
    ballot_id INTEGER NOT NULL REFERENCES ballots(id),
    paper TEXT NOT NULL,
    voter_id INTEGER,
    marks TEXT NOT NULL,
    PRIMARY KEY (ballot_id, paper)
) WITHOUT ROWID;

-- A person's account linked to their registry record, so that they can vote as that
-- resident; set by someone who manages the resident's grid.
CREATE TABLE user_residents (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users(id),
    resident_id INTEGER NOT NULL UNIQUE REFERENCES residents(id),
    linked_at INTEGER NOT NULL,
    linked_by TEXT NOT NULL
);
