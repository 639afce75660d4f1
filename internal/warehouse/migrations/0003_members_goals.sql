-- The association's members, their events, and the board's goals.
CREATE TABLE IF NOT EXISTS {{.DB}}.members {{.OnCluster}} (
    member_id   String,
    staff_key   UInt64,
    state_code  String,
    lea_id      String,
    joined_on   Date,
    left_on     Nullable(Date),
    batch_id    String,
    loaded_at   DateTime
) ENGINE = {{engine "ReplacingMergeTree" "members" "loaded_at"}}
ORDER BY member_id;

CREATE TABLE IF NOT EXISTS {{.DB}}.member_events {{.OnCluster}} (
    member_id   String,
    event_date  Date,
    event_type  Enum8('joined' = 1, 'mentorship_started' = 2, 'mentorship_completed' = 3, 'pd_completed' = 4,
                      'credential_earned' = 5, 'conference_attended' = 6, 'promoted' = 7, 'moved' = 8, 'left' = 9),
    role_code   String,
    lea_id      String,
    detail      String,
    batch_id    String,
    loaded_at   DateTime
) ENGINE = {{engine "MergeTree" "member_events" ""}}
PARTITION BY toYear(event_date)
ORDER BY (member_id, event_date, event_type);

CREATE TABLE IF NOT EXISTS {{.DB}}.goals {{.OnCluster}} (
    goal_id         String,
    title           String,
    measure         String,
    scope           Enum8('state' = 1, 'district' = 2, 'school' = 3),
    scope_id        String,
    tier            String,
    baseline_year   UInt16,
    baseline_value  Float64,
    target_year     UInt16,
    target_value    Float64,
    archived        UInt8,
    created_at      DateTime,
    updated_at      DateTime,
    version         UInt64
) ENGINE = {{engine "ReplacingMergeTree" "goals" "version"}}
ORDER BY goal_id;
