-- The load journal (internal/warehouse/load.go).
--
-- load_commits: a load writes its intent here before it swaps the first
-- partition: the stage table it swaps from and every partition it replaces.
-- A load that dies while swapping (killed, ClickHouse restarted) is finished
-- by the next camino start from this row (warehouse.DB.RecoverLoads), so the
-- warehouse ends with the new data, never a mix of old and new.
CREATE TABLE IF NOT EXISTS {{.DB}}.load_commits {{.OnCluster}} (
    batch_id     String,
    table_name   String,
    stage        String,
    partitions   Array(String),
    status       Enum8('committing' = 1, 'done' = 2, 'failed' = 3),
    updated_at   DateTime,
    version      UInt64
) ENGINE = {{engine "ReplacingMergeTree" "load_commits" "version"}}
ORDER BY batch_id;

-- load_rejects: the quarantine. Every row a load refused, with the line of
-- the file it started on, the column and the reason; the value is clipped and
-- never a staff id or a name.
CREATE TABLE IF NOT EXISTS {{.DB}}.load_rejects {{.OnCluster}} (
    batch_id     String,
    table_name   String,
    source       String,
    line         UInt64,
    column_name  String,
    value        String,
    reason       String,
    rejected_at  DateTime
) ENGINE = {{engine "MergeTree" "load_rejects" ""}}
PARTITION BY toYYYYMM(rejected_at)
ORDER BY (batch_id, line);
