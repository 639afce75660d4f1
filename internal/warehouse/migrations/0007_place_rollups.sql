-- Place rollups: one row per school (place_rollup) or district
-- (district_rollup) and school year, with the people of each rank of the
-- ladder as arrays indexed by rank (people[1] is rank 0, teachers), how many
-- of them are Latino and how many have a known ethnicity, the school's
-- enrollment, and whether the school has a Latino school leader. Derived
-- like the other rollups (warehouse.RebuildRollups) and swapped in by year.
--
-- They are what the dashboards and the typed fields read: one row per
-- district-year is hundreds of times fewer rows than the staffing facts, and
-- a small index granularity keeps a one-district read to a few dozen rows.
-- rebuild: rollups
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
    schools_with_latino_leader UInt64
) ENGINE = {{engine "MergeTree" "place_rollup" ""}}
PARTITION BY school_year
ORDER BY (state_code, lea_id, school_id)
SETTINGS index_granularity = 64;

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
    schools_with_latino_leader UInt64
) ENGINE = {{engine "MergeTree" "district_rollup" ""}}
PARTITION BY school_year
ORDER BY (state_code, lea_id)
SETTINGS index_granularity = 64;
