-- Open311 servicerequestupdates reads the timeline by time.
CREATE INDEX case_events_at ON case_events(at);
