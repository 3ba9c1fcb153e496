-- Investor delivery export status changes (append-only).
with source as (

    select * from {{ source('reporting', 'fact_export') }}

),

renamed as (

    select
        export_sk,
        export_id,
        tenant_id,
        loan_id,
        template,
        status,
        status_at,
        d as status_date

    from source

)

select * from renamed
