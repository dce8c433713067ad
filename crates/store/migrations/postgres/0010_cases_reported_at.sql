-- Case lists, warnings and map measures look at recent reports.
CREATE INDEX cases_reported_at ON cases(reported_at);
