with source as (

    select * from {{ source('reporting', 'dim_investor') }}

),

renamed as (

    select
        investor_id,
        tenant_id,
        investor_name,
        delivery_type,
        active as is_active

    from source

)

select * from renamed
