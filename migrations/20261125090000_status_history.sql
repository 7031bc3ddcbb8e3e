-- Service status history. No raw sample per poll: time is added up per status into one row per
-- service and hour, and hours older than eight days are folded into one row per service and UTC
-- day, so the tables stay small for years (about 200 hourly rows per service, plus 365 daily rows
-- a year). All times are unix seconds.

-- The status each service has now, since when, and how far its time has been added up.
create table if not exists service_status (
    service text primary key not null,          -- namespace/name of the app
    status text not null,                       -- up, degraded, down, scaled_to_zero, unknown
    since integer not null,
    accounted_until integer not null
);

-- Seconds spent in each status during one hour (hour = unix seconds of its start).
create table if not exists status_hourly (
    service text not null,
    hour integer not null,
    up integer not null default 0,
    degraded integer not null default 0,
    down integer not null default 0,
    off integer not null default 0,             -- scaled to zero on purpose
    unknown integer not null default 0,         -- the cluster could not be seen
    primary key (service, hour)
) without rowid;

-- The same per UTC day (day = unix seconds of its midnight), for hours past the retention.
create table if not exists status_daily (
    service text not null,
    day integer not null,
    up integer not null default 0,
    degraded integer not null default 0,
    down integer not null default 0,
    off integer not null default 0,
    unknown integer not null default 0,
    primary key (service, day)
) without rowid;
