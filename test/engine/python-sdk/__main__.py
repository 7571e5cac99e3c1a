"""The example dev stack's lake, declared from Python through the SDK that
`pulumi package gen-sdk <components> --language python` generates."""
import pulumi
import pulumi_aws as aws
import pulumi_incremental_crawl as lake

# An explicit AWS provider, so every AWS resource of the lake carries the stack's tags.
aws_provider = aws.Provider(
    "aws",
    region=aws.config.region,
    default_tags={"tags": {"project": pulumi.get_project(), "stack": pulumi.get_stack(), "managed-by": "pulumi"}},
)

dev = lake.IncrementalLake(
    f"{pulumi.get_project()}-{pulumi.get_stack()}",
    tables=[
        lake.ExportTableArgs(
            name="ORDERS",
            columns=[
                lake.ExportColumnArgs(name="ORDER_ID", type="NUMBER(38,0)", nullable=False),
                lake.ExportColumnArgs(name="CUSTOMER_ID", type="NUMBER(38,0)"),
                lake.ExportColumnArgs(name="ORDER_TS", type="TIMESTAMP_TZ"),
                lake.ExportColumnArgs(name="STATUS", type="VARCHAR(32)"),
                lake.ExportColumnArgs(name="AMOUNT", type="NUMBER(12,2)"),
            ],
            partition_by="ORDER_TS",
            partition_granularity=lake.PartitionGranularity.DAY,
        ),
    ],
    production=False,
    versioning=False,
    queue_retention_days=4,
    athena_results_days=7,
    glue_database="lake_dev",
    snowflake_database="LAKE_EXPORT_DEV",
    snowflake_warehouse="DEV_WH",
    max_file_size_mb=16,
    crawl_batch_window_seconds=60,
    audit_trail="none",
    snowflake_connection=lake.SnowflakeConnectionArgs(
        organization_name="MYORG",
        account_name="DEV_ACCOUNT",
        user="LAKE_DEPLOYER",
        role="LAKE_ADMIN",
        authenticator="SNOWFLAKE_JWT",
    ),
    opts=pulumi.ResourceOptions(providers=[aws_provider]),
)

pulumi.export("bucket_name", dev.bucket_name)
pulumi.export("tables", dev.tables)
