-- Notices for the Status page (issue 25): what admins tell the family ("Plex moves to the new
-- GPU node on Saturday"), with the services it is about and when it holds. A maintenance
-- notice also keeps its services' notifications quiet and shows them as "Maintenance" instead
-- of down while it holds.
create table notices (
    id integer primary key,
    text text not null,
    services text not null,         -- JSON array of service ids ('media/plex'); [] for all
    starts_at integer not null,     -- unix seconds
    ends_at integer not null,       -- unix seconds, after starts_at; "End now" moves it
    maintenance integer not null,   -- 1: a maintenance window
    aar_id integer references aars (id) on delete set null,
    created_by text not null,
    created_at integer not null
);
create index notices_by_end on notices (ends_at);
