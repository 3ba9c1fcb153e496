-- The reporting tables have row-level security: a role other than their owner sees only the rows
-- of app.tenant_id, and none when it is unset — which dbt never sets. Run as such a role, every
-- model would read empty tables and every other test would pass on nothing. This test fails
-- instead, naming the role: run dbt as the owner of the reporting tables, a superuser, or a role
-- with BYPASSRLS.
select current_user as dbt_role

where not exists (
        select 1 from pg_roles
        where rolname = current_user and (rolsuper or rolbypassrls)
    )
    and not exists (
        select 1 from pg_tables
        where schemaname = 'reporting' and tablename = 'fact_txn' and tableowner = current_user
    )
