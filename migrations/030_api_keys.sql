-- API keys for the reporting export API (issue 8; api/auth.ts).
--
-- A key is `lhk_<id>_<secret>`: `id` is public (it names the key in `lakehouse api keys list` and
-- finds the row), the secret is 32 random bytes shown once at creation. Only SHA-256 of the secret
-- is stored: with 256 bits of entropy a slow password hash adds nothing, and a stolen table
-- cannot be turned back into working keys. Each key belongs to exactly one tenant; revoking sets
-- revoked_at (rows are kept for audit, never deleted by the API).

CREATE TABLE IF NOT EXISTS reporting.api_keys (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  key_hash text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  label text CHECK (label IS NULL OR length(label) <= 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_tenant_idx ON reporting.api_keys (tenant_id, created_at);

COMMENT ON TABLE reporting.api_keys IS 'Reporting API keys: sha256 of the secret, bound to one tenant; revoked keys are refused.';

-- Same rule as every reporting table with tenant_id (022): RLS on, the owner (the API's pool)
-- bypasses it, any other role sees its own tenant's rows at most.
ALTER TABLE reporting.api_keys ENABLE ROW LEVEL SECURITY;
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_policies WHERE schemaname = 'reporting' AND tablename = 'api_keys' AND policyname = 'tenant_isolation') THEN
    CREATE POLICY tenant_isolation ON reporting.api_keys
      USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
  END IF;
END
$$;

-- Key hashes are nobody's business but the API's: 022 grants reporting_reader SELECT on the
-- tables that existed then and sets no default privileges, so this is already true; the REVOKE
-- keeps it true should someone add default privileges later.
REVOKE ALL ON reporting.api_keys FROM PUBLIC;
REVOKE ALL ON reporting.api_keys FROM reporting_reader;

-- The API reads as `SET LOCAL ROLE reporting_reader`, which the connecting role may do only as a
-- member of it. The migrating role is the one the API connects as (the owner); make it a member
-- unless it already is (a superuser always is). Without ADMIN on the role this cannot be done
-- here: warn with the statement a DBA must run, rather than fail the whole migration.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'reporting_reader', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT reporting_reader TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'the reporting API needs: GRANT reporting_reader TO %', quote_ident(current_user);
    END;
  END IF;
END
$$;
