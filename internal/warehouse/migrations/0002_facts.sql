-- Staffing and enrollment facts. Partitioned by (school_year, state_code) so
-- a load can rebuild one state-year in a staging table and swap it in
-- atomically (ALTER TABLE ... REPLACE PARTITION).
--
-- ethnicity is the derived federal reporting category; hispanic_answer and
-- race_answers keep the raw answers so other standards (2024's combined
-- question with Middle Eastern or North African) can be derived again.
CREATE TABLE IF NOT EXISTS {{.DB}}.staff_assignments {{.OnCluster}} (
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
    loaded_at       DateTime
) ENGINE = {{engine "MergeTree" "staff_assignments" ""}}
PARTITION BY (school_year, state_code)
ORDER BY (state_code, lea_id, school_id, role_code, staff_key);

CREATE TABLE IF NOT EXISTS {{.DB}}.enrollment {{.OnCluster}} (
    school_year     UInt16,
    state_code      String,
    lea_id          String,
    school_id       String,
    ethnicity       Enum8('unknown' = 0, 'hispanic_latino' = 1, 'american_indian_alaska_native' = 2, 'asian' = 3,
                          'black' = 4, 'native_hawaiian_pacific_islander' = 5, 'white' = 6, 'two_or_more' = 7),
    ell             UInt8,
    students        UInt32,
    batch_id        String,
    loaded_at       DateTime
) ENGINE = {{engine "MergeTree" "enrollment" ""}}
PARTITION BY (school_year, state_code)
ORDER BY (state_code, lea_id, school_id, ethnicity, ell);
