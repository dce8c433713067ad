-- A reporter's own cases, newest first (the 我的上报 page).
CREATE INDEX cases_reporter ON cases(reporter_id, id);
