-- Search types its last word as a prefix ("crash" finds "CrashLoopBackOff"). Without a prefix
-- index FTS5 answers "crash*" by walking every term that begins so and merging their lists; with
-- an index of the prefixes of 3 to 8 letters it reads one list (the README's search benchmark:
-- p99 6.0 ms before, 4.6-6.2 ms after, p95 5.0 ms before, 2.7-3.5 ms after). Longer words are
-- rarely prefixes of many terms. The index is rebuilt from the stored text, rowids kept.
create virtual table aar_fts_prefixed using fts5 (
    title, body, tokenize = 'porter unicode61', prefix = '3 4 5 6 7 8'
);
insert into aar_fts_prefixed (rowid, title, body) select rowid, title, body from aar_fts;
drop table aar_fts;
alter table aar_fts_prefixed rename to aar_fts;
