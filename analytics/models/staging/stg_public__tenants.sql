with source as (

    select * from {{ source('public', 'tenants') }}

),

renamed as (

    select
        id as tenant_id,
        name as tenant_name,
        active as is_active

    from source

)

select * from renamed
