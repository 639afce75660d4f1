-- API keys (internal/access). Only a SHA-256 of the secret is stored: keys
-- are 256-bit random, so a fast hash is enough and a leaked table reveals no
-- key. A revocation or change is a new version of the row.
CREATE TABLE IF NOT EXISTS {{.DB}}.api_keys {{.OnCluster}} (
    key_id       String,
    name         String,
    role         Enum8('board' = 1, 'partner' = 2, 'analyst' = 3, 'admin' = 4),
    districts    Array(String),
    secret_hash  String,
    created_at   DateTime,
    expires_at   Nullable(DateTime),
    revoked_at   Nullable(DateTime),
    version      UInt64
) ENGINE = {{engine "ReplacingMergeTree" "api_keys" "version"}}
ORDER BY key_id;
