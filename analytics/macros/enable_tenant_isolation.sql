{#
  Post-hook for marts: the same row-level security the reporting tables have (migration 022).
  ENABLE, not FORCE: the role that builds the marts (their owner) reads and tests every tenant;
  any other role granted SELECT sees only the rows of current_setting('app.tenant_id'), none when
  it is unset. A table materialization creates a new table on every run, so the policy is created
  each time with it.
#}
{% macro enable_tenant_isolation() -%}
    alter table {{ this }} enable row level security;
    create policy tenant_isolation on {{ this }}
        using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
{%- endmacro %}
