-- Loaded transactions: exactly one row per svc_txns row the loaders have reached. Same column
-- names as stg_txn so the two can be compared column for column.
with source as (

    select * from {{ source('reporting', 'fact_txn') }}

),

renamed as (

    select
        txn_sk,
        txn_id,
        tenant_id,
        loan_id,
        d as date,
        type,
        amount,
        alloc_principal as principal,
        alloc_interest as interest,
        alloc_escrow as escrow,
        alloc_fees as fees,
        loaded_at

    from source

)

select * from renamed
