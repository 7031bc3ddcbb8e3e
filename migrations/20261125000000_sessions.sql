-- Server-side sessions (tower-sessions' SQLite store). The store can create this table itself;
-- it is declared here so that the whole schema is in one place and versioned.
-- id: random session id from the cookie; data: MessagePack of the session record;
-- expiry_date: unix seconds, after which the row is deleted by the cleanup task.
create table if not exists tower_sessions (
    id text primary key not null,
    data blob not null,
    expiry_date integer not null
);
