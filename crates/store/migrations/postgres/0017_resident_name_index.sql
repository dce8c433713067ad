-- Name searches find a page of ids from the index alone (status included), then read 50 rows.
DROP INDEX residents_grid_name;
CREATE INDEX residents_grid_name ON residents(grid_code, name, status);
