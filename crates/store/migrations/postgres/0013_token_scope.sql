-- A token limited to one surface: NULL = the whole API its roles allow; 'open311' = Open311 only.
ALTER TABLE api_tokens ADD COLUMN scope TEXT;
