-- Loan attributes analysts group by. Borrower name, email and phone stay in reporting.dim_loan:
-- the marts need none of them, and leaving them out keeps PII out of this project's schemas.
with source as (

    select * from {{ source('reporting', 'dim_loan') }}

),

renamed as (

    select
        loan_id,
        tenant_id,
        loan_number,
        investor_id,
        property_city,
        property_state,
        program_code

    from source

)

select * from renamed
