-- Daily servicing snapshots. bucket_order ranks the buckets so roll rates can say whether a loan
-- got better or worse; an unknown bucket gets no order (and fails the accepted_values test).
with source as (

    select * from {{ source('reporting', 'fact_servicing') }}

),

renamed as (

    select
        svc_sk,
        tenant_id,
        loan_id,
        d as snapshot_date,
        upb,
        escrow_balance,
        delinquency_dpd as days_past_due,
        delinquency_bucket,
        case delinquency_bucket
            when '0+' then 1
            when '30+' then 2
            when '60+' then 3
            when '90+' then 4
            when '120+' then 5
        end as bucket_order

    from source

)

select * from renamed
