-- Geography and the role ladder. Dimensions are small and replaced by id:
-- read them with FINAL (or argMax) so a re-sent row wins over the old one.
CREATE TABLE IF NOT EXISTS {{.DB}}.states {{.OnCluster}} (
    state_code  String,
    fips        String,
    name        String,
    synthetic   UInt8 DEFAULT 0,
    updated_at  DateTime DEFAULT now()
) ENGINE = {{engine "ReplacingMergeTree" "states" "updated_at"}}
ORDER BY state_code;

CREATE TABLE IF NOT EXISTS {{.DB}}.districts {{.OnCluster}} (
    lea_id      String,
    state_code  String,
    name        String,
    lea_type    Enum8('regular' = 1, 'charter' = 2, 'state_agency' = 3, 'other' = 4),
    locale      Enum8('city' = 1, 'suburb' = 2, 'town' = 3, 'rural' = 4),
    synthetic   UInt8 DEFAULT 0,
    updated_at  DateTime DEFAULT now()
) ENGINE = {{engine "ReplacingMergeTree" "districts" "updated_at"}}
ORDER BY lea_id;

CREATE TABLE IF NOT EXISTS {{.DB}}.schools {{.OnCluster}} (
    school_id   String,
    lea_id      String,
    state_code  String,
    name        String,
    level       Enum8('elementary' = 1, 'middle' = 2, 'high' = 3, 'other' = 4),
    charter     UInt8,
    title1      UInt8,
    synthetic   UInt8 DEFAULT 0,
    updated_at  DateTime DEFAULT now()
) ENGINE = {{engine "ReplacingMergeTree" "schools" "updated_at"}}
ORDER BY school_id;

-- The pipeline ladder. rank orders promotions; tier says where a leader
-- counts; is_leader = rank >= 2, plus state_leader.
CREATE TABLE IF NOT EXISTS {{.DB}}.roles {{.OnCluster}} (
    role_code   String,
    name        String,
    tier        Enum8('school' = 1, 'district' = 2, 'state' = 3),
    rank        Int8,
    is_leader   UInt8,
    updated_at  DateTime DEFAULT now()
) ENGINE = {{engine "ReplacingMergeTree" "roles" "updated_at"}}
ORDER BY role_code;

-- INSERT ... SELECT, not VALUES: over the native protocol 18.16 waits for
-- data blocks after an INSERT ... VALUES statement.
INSERT INTO {{.DB}}.roles (role_code, name, tier, rank, is_leader, updated_at)
SELECT r.1, r.2, r.3, r.4, r.5, toDateTime('2024-01-01 00:00:00')
FROM system.one
ARRAY JOIN [
    ('teacher', 'Teacher', 'school', toInt8(0), toUInt8(0)),
    ('teacher_leader', 'Teacher leader / instructional coach', 'school', toInt8(1), toUInt8(0)),
    ('assistant_principal', 'Assistant principal', 'school', toInt8(2), toUInt8(1)),
    ('principal', 'Principal', 'school', toInt8(3), toUInt8(1)),
    ('district_leader', 'District leader (director, coordinator)', 'district', toInt8(4), toUInt8(1)),
    ('assistant_superintendent', 'Assistant superintendent', 'district', toInt8(5), toUInt8(1)),
    ('superintendent', 'Superintendent', 'district', toInt8(6), toUInt8(1)),
    ('state_leader', 'State agency or board executive', 'state', toInt8(7), toUInt8(1))
] AS r;
