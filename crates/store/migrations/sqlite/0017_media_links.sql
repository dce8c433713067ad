-- Who may read a photo: each record that holds it (a case, later a session item or a project),
-- located at a territory node, and each person who uploaded the same bytes. Media are
-- content-addressed, so one hash can be held by records of several territories.
CREATE TABLE media_links (
    hash TEXT NOT NULL,
    holder TEXT NOT NULL,
    holder_id INTEGER NOT NULL,
    node_code TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    PRIMARY KEY (hash, holder, holder_id)
);
CREATE INDEX media_links_holder ON media_links(holder, holder_id);

INSERT INTO media_links (hash, holder, holder_id, node_code, owner_id)
SELECT hash, 'upload', created_by, '', created_by FROM media WHERE true
ON CONFLICT DO NOTHING;

INSERT INTO media_links (hash, holder, holder_id, node_code, owner_id)
SELECT DISTINCT j.value, 'case', e.case_id, c.grid_code, c.reporter_id
FROM case_events e
JOIN cases c ON c.id = e.case_id,
     json_each(e.data, '$.photos') j
WHERE e.data LIKE '%"photos":["%' AND json_valid(e.data)
ON CONFLICT DO NOTHING;
