-- Free text as typed, when it held personal numbers (a phone number in a case description):
-- the record keeps the masked text, the original is kept here sealed with the data key and
-- read only through the audited reveal.
CREATE TABLE sealed_texts (
    holder TEXT NOT NULL,
    holder_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    sealed TEXT NOT NULL,
    PRIMARY KEY (holder, holder_id, field)
);
