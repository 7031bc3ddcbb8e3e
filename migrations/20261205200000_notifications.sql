-- Notifications (issue 25): what was last announced about each subject, and every message to
-- every target with its delivery attempts.

-- The state each subject was last announced in. A change is sent once: the row is updated in
-- the same transaction that queues the messages about it, so a restart compares against what
-- was sent, not against what the server saw before it stopped. Services keep a row in every
-- state (their first sight is the baseline, never sent); other subjects (a node, a volume, a
-- backup schedule) have a row only while announced as a problem.
create table notify_state (
    key text primary key,           -- 'service:media/plex', 'node:k3s1', 'backup:Schedule …'
    state text not null,            -- a service status ('up', 'down', …) or 'problem'
    subject text not null,          -- how admin messages name it: 'media/plex', 'k3s1'
    name text not null,             -- how family messages name it: 'Plex'
    words text not null,            -- what was announced: 'Down', 'NotReady for 3 min'
    link text not null,             -- its page, a path: '/incidents/nodes/k3s1'
    family integer not null,        -- 1 for a family service: its up and down go to family targets
    since integer not null          -- unix seconds the change was sent
);

-- One message to one target. Written with the state change (or by "send test"), then sent by
-- the delivery task, which retries with backoff until it is delivered or given up.
create table notify_delivery (
    id integer primary key,
    target text not null,           -- the `name` of a `[[notify.targets]]`
    kind text not null,             -- 'change' or 'test'
    created_at integer not null,
    title text not null,
    body text not null,             -- the message as the target's people read it
    link text,                      -- where it points (the incident page, the Status page)
    payload text not null,          -- JSON of the changes, for webhook targets
    attempts integer not null default 0,
    next_attempt_at integer not null,
    delivered_at integer,
    given_up_at integer,
    last_error text                 -- why the last attempt failed
);
create index notify_delivery_due on notify_delivery (next_attempt_at)
    where delivered_at is null and given_up_at is null;
create index notify_delivery_by_time on notify_delivery (created_at);
