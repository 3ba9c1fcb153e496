with source as (

    select * from {{ source('reporting', 'fact_remit') }}

),

renamed as (

    select
        remit_sk,
        remit_item_id,
        remit_run_id,
        tenant_id,
        investor_id,
        loan_id,
        d as period_end,
        principal,
        interest,
        escrow,
        svc_fee,
        strip_io,
        net as net_remit

    from source

)

select * from renamed
