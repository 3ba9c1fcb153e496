{#
  Where a model is built: <target schema>_<custom schema> (analytics_staging, analytics_marts), or
  the target schema when the model sets none — dbt's default rule, plus one guard: the loaders own
  `reporting` and the platform owns `public`, so a model resolving to either is a compile error
  rather than a `create table` that silently replaces a loader's fact table (the seed configured
  `+schema: reporting`, which would have done exactly that).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {%- set schema = target.schema | trim -%}
    {%- else -%}
        {%- set schema = target.schema | trim ~ '_' ~ custom_schema_name | trim -%}
    {%- endif -%}
    {%- if schema | lower in ['reporting', 'public'] -%}
        {{ exceptions.raise_compiler_error(
            "model " ~ node.name ~ " would be built in schema '" ~ schema ~ "', which belongs to the loaders or the platform; "
            ~ "set DBT_SCHEMA (default analytics) to a schema of dbt's own") }}
    {%- endif -%}
    {{ schema }}
{%- endmacro %}
