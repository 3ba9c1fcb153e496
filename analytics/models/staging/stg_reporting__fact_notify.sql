-- Borrower notification status changes (append-only). The recipient (an email address or phone
-- number) is PII and is left in reporting.fact_notify.
with source as (

    select * from {{ source('reporting', 'fact_notify') }}

),

renamed as (

    select
        notify_sk,
        notification_id,
        tenant_id,
        loan_id,
        template_code,
        channel,
        status,
        status_at,
        d as status_date

    from source

)

select * from renamed
