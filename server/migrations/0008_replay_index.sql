-- Replay finds "the entity's last diff at or before T" with an index-only scan instead of
-- walking back from the newest diff (measured: 15–100 ms → 0.04 ms on long histories).
CREATE INDEX diffs_tenant_entity_time ON diffs (tenant_id, entity_type, entity_id, created_at DESC, id DESC);
