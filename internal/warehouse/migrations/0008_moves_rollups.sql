-- Rollups of people's moves, so that promotion, retention and time-to-
-- promotion figures read aggregates rather than every person-year.
--
-- moves_rollup: people of a place, role and demographics in year t, and how
-- many of them were present in t+1 (nx), at a higher rank in t+1 (up), a
-- leader in t+1 (nl), present in t-1 (pv), a leader in t-1 (pl). Whether
-- t+1 and t-1 have data at all is decided when reading. Rebuilt for a
-- loaded year and its neighbours (warehouse.RebuildRollups).
--
-- spell_rollup: promotion spells by where and when they started: people
-- whose first year at a start role (teacher, assistant principal) is
-- start_year, with d years to the first year at the next step (e = 1) or to
-- their last year seen (e = 0, censored). Rebuilt whole on every load (a
-- spell spans every year).
-- rebuild: rollups
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
    pl           UInt64
) ENGINE = {{engine "MergeTree" "moves_rollup" ""}}
PARTITION BY school_year
ORDER BY (state_code, lea_id, school_id, role_code, ethnicity, gender)
SETTINGS index_granularity = 256;

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
    people       UInt64
) ENGINE = {{engine "MergeTree" "spell_rollup" ""}}
ORDER BY (state_code, lea_id, school_id, role_code, start_year)
SETTINGS index_granularity = 256;
