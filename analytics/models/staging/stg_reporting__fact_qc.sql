-- QC defect status changes (append-only: a resolved defect has an `open` row and a `resolved` row).
with source as (

    select * from {{ source('reporting', 'fact_qc') }}

),

renamed as (

    select
        qc_sk,
        defect_id,
        tenant_id,
        loan_id,
        rule_code,
        severity,
        status,
        status_at,
        d as status_date

    from source

)

select * from renamed
