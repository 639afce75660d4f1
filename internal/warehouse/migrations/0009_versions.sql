-- Versioned loads (docs/loads.md). Every row of a loadable or derived table
-- carries the generation (gen) that wrote it, last in the partition key, so
-- a load writes new partitions and never changes the ones readers use; the
-- load journal says which generation of each partition is live. A load
-- becomes visible when its journal entries, one block, are inserted.
--
-- The fact tables are rebuilt with the new partition key and their rows
-- copied, each partition under a generation of its own
-- (warehouse.reshapeFacts, after these statements); the derived tables are
-- recreated and rebuilt from the facts.
-- rebuild: rollups
-- reshape: facts

-- load_journal: one row per partition a commit publishes. The live
-- generation of (table_name, part) at data version V is the gen of its row
-- with the highest version <= V; gen 0 means empty. The data version is
-- max(version). Unpartitioned, so one insert is one part: atomic.
CREATE TABLE IF NOT EXISTS {{.DB}}.load_journal {{.OnCluster}} (
    version       UInt64,
    batch_id      String,
    table_name    String,
    part          String,
    gen           UInt64,
    committed_at  DateTime
) ENGINE = {{engine "MergeTree" "load_journal" ""}}
ORDER BY (table_name, part, version);

CREATE TABLE IF NOT EXISTS {{.DB}}.staff_assignments_v2 {{.OnCluster}} (
    school_year     UInt16,
    state_code      String,
    lea_id          String,
    school_id       String,
    staff_key       UInt64,
    role_code       String,
    ethnicity       Enum8('unknown' = 0, 'hispanic_latino' = 1, 'american_indian_alaska_native' = 2, 'asian' = 3,
                          'black' = 4, 'native_hawaiian_pacific_islander' = 5, 'white' = 6, 'two_or_more' = 7),
    gender          Enum8('unknown' = 0, 'female' = 1, 'male' = 2, 'nonbinary' = 3),
    fte             Float32,
    hispanic_answer Enum8('unknown' = 0, 'yes' = 1, 'no' = 2),
    race_answers    Array(String),
    title           String,
    batch_id        String,
    loaded_at       DateTime,
    gen             UInt64
) ENGINE = {{engine "MergeTree" "staff_assignments_v2" ""}}
PARTITION BY (school_year, state_code, gen)
ORDER BY (state_code, lea_id, school_id, role_code, staff_key);

CREATE TABLE IF NOT EXISTS {{.DB}}.enrollment_v2 {{.OnCluster}} (
    school_year     UInt16,
    state_code      String,
    lea_id          String,
    school_id       String,
    ethnicity       Enum8('unknown' = 0, 'hispanic_latino' = 1, 'american_indian_alaska_native' = 2, 'asian' = 3,
                          'black' = 4, 'native_hawaiian_pacific_islander' = 5, 'white' = 6, 'two_or_more' = 7),
    ell             UInt8,
    students        UInt32,
    batch_id        String,
    loaded_at       DateTime,
    gen             UInt64
) ENGINE = {{engine "MergeTree" "enrollment_v2" ""}}
PARTITION BY (school_year, state_code, gen)
ORDER BY (state_code, lea_id, school_id, ethnicity, ell);

CREATE TABLE IF NOT EXISTS {{.DB}}.members_v2 {{.OnCluster}} (
    member_id   String,
    staff_key   UInt64,
    state_code  String,
    lea_id      String,
    joined_on   Date,
    left_on     Nullable(Date),
    batch_id    String,
    loaded_at   DateTime,
    gen         UInt64
) ENGINE = {{engine "ReplacingMergeTree" "members_v2" "loaded_at"}}
PARTITION BY gen
ORDER BY member_id;

CREATE TABLE IF NOT EXISTS {{.DB}}.member_events_v2 {{.OnCluster}} (
    member_id   String,
    event_date  Date,
    event_type  Enum8('joined' = 1, 'mentorship_started' = 2, 'mentorship_completed' = 3, 'pd_completed' = 4,
                      'credential_earned' = 5, 'conference_attended' = 6, 'promoted' = 7, 'moved' = 8, 'left' = 9),
    role_code   String,
    lea_id      String,
    detail      String,
    batch_id    String,
    loaded_at   DateTime,
    gen         UInt64
) ENGINE = {{engine "MergeTree" "member_events_v2" ""}}
PARTITION BY (toYear(event_date), gen)
ORDER BY (member_id, event_date, event_type);

-- The derived tables, recreated with gen (they are rebuilt from the facts).
DROP TABLE IF EXISTS {{.DB}}.staff_person_year {{.OnCluster}};
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
    fte          Float32,
    gen          UInt64
) ENGINE = {{engine "MergeTree" "staff_person_year" ""}}
PARTITION BY (school_year, gen)
ORDER BY (state_code, lea_id, staff_key);

DROP TABLE IF EXISTS {{.DB}}.leadership_rollup {{.OnCluster}};
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
    people       UInt32,
    gen          UInt64
) ENGINE = {{engine "SummingMergeTree" "leadership_rollup" "people"}}
PARTITION BY (school_year, gen)
ORDER BY (state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender);

DROP TABLE IF EXISTS {{.DB}}.place_rollup {{.OnCluster}};
CREATE TABLE IF NOT EXISTS {{.DB}}.place_rollup {{.OnCluster}} (
    school_year      UInt16,
    state_code       String,
    lea_id           String,
    school_id        String,
    people           Array(UInt64),
    latino           Array(UInt64),
    known            Array(UInt64),
    students         UInt64,
    latino_students  UInt64,
    known_students   UInt64,
    schools          UInt64,
    schools_with_latino_leader UInt64,
    gen              UInt64
) ENGINE = {{engine "MergeTree" "place_rollup" ""}}
PARTITION BY (school_year, gen)
ORDER BY (state_code, lea_id, school_id)
SETTINGS index_granularity = 64;

DROP TABLE IF EXISTS {{.DB}}.district_rollup {{.OnCluster}};
CREATE TABLE IF NOT EXISTS {{.DB}}.district_rollup {{.OnCluster}} (
    school_year      UInt16,
    state_code       String,
    lea_id           String,
    people           Array(UInt64),
    latino           Array(UInt64),
    known            Array(UInt64),
    students         UInt64,
    latino_students  UInt64,
    known_students   UInt64,
    schools          UInt64,
    schools_with_latino_leader UInt64,
    gen              UInt64
) ENGINE = {{engine "MergeTree" "district_rollup" ""}}
PARTITION BY (school_year, gen)
ORDER BY (state_code, lea_id)
SETTINGS index_granularity = 64;

DROP TABLE IF EXISTS {{.DB}}.moves_rollup {{.OnCluster}};
CREATE TABLE IF NOT EXISTS {{.DB}}.moves_rollup {{.OnCluster}} (
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
    people       UInt64,
    nx           UInt64,
    up           UInt64,
    nl           UInt64,
    pv           UInt64,
    pl           UInt64,
    gen          UInt64
) ENGINE = {{engine "MergeTree" "moves_rollup" ""}}
PARTITION BY (school_year, gen)
ORDER BY (state_code, lea_id, school_id, role_code, ethnicity, gender)
SETTINGS index_granularity = 256;

DROP TABLE IF EXISTS {{.DB}}.spell_rollup {{.OnCluster}};
CREATE TABLE IF NOT EXISTS {{.DB}}.spell_rollup {{.OnCluster}} (
    state_code   String,
    lea_id       String,
    school_id    String,
    role_code    String,
    start_year   UInt16,
    ethnicity    Enum8('unknown' = 0, 'hispanic_latino' = 1, 'american_indian_alaska_native' = 2, 'asian' = 3,
                       'black' = 4, 'native_hawaiian_pacific_islander' = 5, 'white' = 6, 'two_or_more' = 7),
    gender       Enum8('unknown' = 0, 'female' = 1, 'male' = 2, 'nonbinary' = 3),
    d            UInt32,
    e            UInt8,
    people       UInt64,
    gen          UInt64
) ENGINE = {{engine "MergeTree" "spell_rollup" ""}}
PARTITION BY gen
ORDER BY (state_code, lea_id, school_id, role_code, start_year)
SETTINGS index_granularity = 256;

-- The loads log learns which load number and data version a load had, and
-- marks loads the janitor found dead.
ALTER TABLE {{.DB}}.loads {{.OnCluster}} MODIFY COLUMN status Enum8('started' = 1, 'done' = 2, 'failed' = 3, 'killed' = 4);
ALTER TABLE {{.DB}}.loads {{.OnCluster}} ADD COLUMN load_no UInt64;
ALTER TABLE {{.DB}}.loads {{.OnCluster}} ADD COLUMN data_version UInt64;
ALTER TABLE {{.DB}}.loads {{.OnCluster}} ADD COLUMN summary String;

-- Dashboard sessions (dashboards/session.go): the token's hash, never the
-- token; the key is checked on every page by its id. A sign-out or expiry
-- is a new version of the row.
CREATE TABLE IF NOT EXISTS {{.DB}}.sessions {{.OnCluster}} (
    token_hash   String,
    key_id       String,
    csrf         String,
    created_at   DateTime,
    expires_at   DateTime,
    ended_at     Nullable(DateTime),
    version      UInt64
) ENGINE = {{engine "ReplacingMergeTree" "sessions" "version"}}
PARTITION BY toYYYYMM(created_at)
ORDER BY token_hash;
