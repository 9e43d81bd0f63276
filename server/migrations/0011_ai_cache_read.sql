-- The AI gateway's shared-cache read in one round trip. A tenant transaction costs four
-- (BEGIN, role + tenant, SELECT, COMMIT); this function does the same in one statement:
-- it switches to the application role and the tenant, so the read runs under row-level
-- security exactly as inside tenantTx, then puts back the role and tenant it found. Outside
-- an explicit transaction (how the gateway calls it) the switch would end with the
-- statement anyway; the restore is for a caller inside one, whose later statements must not
-- run as atrium_app or with this tenant. The query also names the tenant itself: belt and
-- braces, should the policy ever be loosened. SECURITY INVOKER on purpose: a definer
-- function would bypass RLS. EXECUTE is revoked from PUBLIC: only its owner (the login role
-- that ran the migrations, i.e. the gateway's owner connection) and superusers need it.
CREATE OR REPLACE FUNCTION atrium_ai_cache_get(p_tenant text, p_key text, p_now timestamptz)
RETURNS TABLE (response jsonb, expires_at timestamptz)
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
  -- 'none' when no role was set: set_config('role', 'none') is SET ROLE NONE.
  prev_role text := current_setting('role');
  -- NULL when never set in this session; '' matches no tenant either.
  prev_tenant text := coalesce(current_setting('app.tenant_id', true), '');
BEGIN
  PERFORM set_config('role', 'atrium_app', true), set_config('app.tenant_id', p_tenant, true);
  -- RETURN QUERY runs the query now and appends its rows; the function goes on.
  RETURN QUERY SELECT c.response, c.expires_at FROM ai_cache c
    WHERE c.tenant_id = p_tenant AND c.key = p_key AND c.expires_at > p_now;
  -- Going back is allowed: SET ROLE is checked against the session user, not atrium_app.
  PERFORM set_config('role', prev_role, true), set_config('app.tenant_id', prev_tenant, true);
END $$;
REVOKE EXECUTE ON FUNCTION atrium_ai_cache_get(text, text, timestamptz) FROM PUBLIC;

-- Each process keeps the set of keys the shared tier holds (see cache-index.ts) and reads
-- only what was added since its last look.
CREATE INDEX ai_cache_added ON ai_cache (tenant_id, created_at);
