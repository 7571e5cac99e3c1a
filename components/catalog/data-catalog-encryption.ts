import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { token } from "../tokens";

export interface DataCatalogEncryptionArgs {
    /** The lake key: it encrypts the account's Data Catalog in this region, and its connection passwords. */
    kmsKeyArn: pulumi.Input<string>;
}

/**
 * Encryption of the whole Glue Data Catalog of the account in the stack's region, with the lake key:
 * an account-wide setting (one per catalog: `PutDataCatalogEncryptionSettings` on the account's
 * catalog id), declared only when the stack's configuration asks for it (`glueCatalogEncryption`).
 *
 * - Metadata (databases, tables, partitions, table versions, column statistics, functions) written
 *   after it is set is encrypted; "Any client that accesses or writes to an encrypted catalog—that is,
 *   any console user, crawler, job, or development endpoint—needs" kms:GenerateDataKey, kms:Decrypt and
 *   kms:Encrypt on the key (https://docs.aws.amazon.com/glue/latest/dg/set-up-encryption.html,
 *   https://docs.aws.amazon.com/glue/latest/dg/encrypt-glue-data-catalog.html): every other user and
 *   stack of the account and region, Athena users included
 *   (https://docs.aws.amazon.com/athena/latest/ug/access-encrypted-data-glue-data-catalog.html).
 * - Connection passwords are returned encrypted with the key (CKV_AWS_94 asks for both settings:
 *   checkov/terraform/checks/resource/aws/GlueDataCatalogEncryption.py).
 * - The provider's delete puts empty settings, which turns encryption off for the account
 *   (terraform-provider-aws internal/service/glue/data_catalog_encryption_settings.go,
 *   resourceDataCatalogEncryptionSettingsDelete), and "Removing encryption settings after a crawler
 *   has processed an encrypted catalog results in errors" (encrypt-glue-data-catalog): the resource
 *   is retained on delete, so neither a destroy nor a `glueCatalogEncryption: false` turns it off.
 */
export class DataCatalogEncryption extends pulumi.ComponentResource {
    readonly settings: aws.glue.DataCatalogEncryptionSettings;

    constructor(name: string, args: DataCatalogEncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("DataCatalogEncryption"), name, {}, opts);
        this.settings = new aws.glue.DataCatalogEncryptionSettings(
            `${name}-settings`,
            {
                dataCatalogEncryptionSettings: {
                    encryptionAtRest: { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: args.kmsKeyArn },
                    connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: args.kmsKeyArn },
                },
            },
            { parent: this, retainOnDelete: true },
        );
        this.registerOutputs({});
    }
}
