-- Public keys (internal/access): a key created with `camino keys create
-- --public` is for output that leaves the organisation (an embed, a
-- published page), so everything it reads is small-cell suppressed, whatever
-- its role. Rows written before this column existed read as not public.
-- (18.16 has no ADD COLUMN IF NOT EXISTS: a second run's "column already
-- exists" counts as done.)
ALTER TABLE {{.DB}}.api_keys {{.OnCluster}} ADD COLUMN public UInt8 DEFAULT 0;
