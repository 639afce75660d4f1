-- Derived tables, rebuilt from staff_assignments one school year at a time
-- (warehouse.RebuildRollups) and swapped in with REPLACE PARTITION, so they
-- always equal a fresh computation from the facts, also after a load that
-- replaces rows (which a materialized view would not follow).
--
-- staff_person_year: one row per person and year, at the person's highest
-- ranked post that year (ties: larger fte, then school id).
CREATE TABLE IF NOT EXISTS {{.DB}}.staff_person_year {{.OnCluster}} (
    school_year  UInt16,
    state_code   String,
    lea_id       String,
    school_id    String,
    staff_key    UInt64,
    role_code    String,
    rank         Int8,
    tier         Enum8('school' = 1, 'district' = 2, 'state' = 3),
    is_leader    UInt8,
    ethnicity    Enum8('unknown' = 0, 'hispanic_latino' = 1, 'american_indian_alaska_native' = 2, 'asian' = 3,
                       'black' = 4, 'native_hawaiian_pacific_islander' = 5, 'white' = 6, 'two_or_more' = 7),
    gender       Enum8('unknown' = 0, 'female' = 1, 'male' = 2, 'nonbinary' = 3),
    fte          Float32
) ENGINE = {{engine "MergeTree" "staff_person_year" ""}}
PARTITION BY school_year
ORDER BY (state_code, lea_id, staff_key);

-- leadership_rollup: people by place, role and demographics per year; what
-- every leadership series reads (thousands of times fewer rows than the facts).
CREATE TABLE IF NOT EXISTS {{.DB}}.leadership_rollup {{.OnCluster}} (
    school_year  UInt16,
    state_code   String,
    lea_id       String,
    school_id    String,
    role_code    String,
    rank         Int8,
    tier         Enum8('school' = 1, 'district' = 2, 'state' = 3),
    is_leader    UInt8,
    ethnicity    Enum8('unknown' = 0, 'hispanic_latino' = 1, 'american_indian_alaska_native' = 2, 'asian' = 3,
                       'black' = 4, 'native_hawaiian_pacific_islander' = 5, 'white' = 6, 'two_or_more' = 7),
    gender       Enum8('unknown' = 0, 'female' = 1, 'male' = 2, 'nonbinary' = 3),
    people       UInt32
) ENGINE = {{engine "SummingMergeTree" "leadership_rollup" "people"}}
PARTITION BY school_year
ORDER BY (state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender);

-- loads: one row per batch written by seed or load, for freshness and audit.
CREATE TABLE IF NOT EXISTS {{.DB}}.loads {{.OnCluster}} (
    batch_id     String,
    table_name   String,
    source       String,
    rows         UInt64,
    rejected     UInt64,
    status       Enum8('started' = 1, 'done' = 2, 'failed' = 3),
    started_at   DateTime,
    finished_at  DateTime
) ENGINE = {{engine "ReplacingMergeTree" "loads" "finished_at"}}
ORDER BY (table_name, batch_id);
