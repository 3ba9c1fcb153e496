-- The seed's model, reading what svc_txns actually has: the instant `ts`, from which the date is
-- taken in UTC (the date reporting.fact_txn.d holds), whatever the session's TimeZone is. The seed
-- selected a column `d` that svc_txns does not have. Output columns keep the seed's names.
with source as (

    select * from {{ source('public', 'svc_txns') }}

),

renamed as (

    select
        id as txn_id,
        tenant_id,
        loan_id,
        ts as txn_at,
        (ts at time zone 'UTC')::date as date,
        type,
        amount,
        alloc_principal as principal,
        alloc_interest as interest,
        alloc_escrow as escrow,
        alloc_fees as fees,
        updated_at

    from source

)

select * from renamed
