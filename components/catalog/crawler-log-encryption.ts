import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { crawlerEncryptionConfiguration, crawlerSecurityConfigurationName } from "./crawler-logs";
import { token } from "../tokens";

export interface CrawlerLogEncryptionArgs {
    /** `<project>-<stack>`: the configuration is named after it (unique in the account and region). */
    namePrefix: string;
    /** The lake key: CloudWatch Logs encrypts the crawler logs with it. */
    kmsKeyArn: pulumi.Input<string>;
}

/**
 * The stack's Glue security configuration for its crawlers: their CloudWatch Logs are encrypted
 * with the lake key (SSE-KMS), so what a crawl logs (object keys, partition values) is confined by
 * the key as the data is. One per stack; each `TableCrawler` names it and declares the log group
 * Glue writes to under it.
 *
 * Every input of `aws_glue_security_configuration` is ForceNew and it has no update
 * (terraform-provider-aws internal/service/glue/security_configuration.go): a change of the key
 * replaces it, under the same name, so the replacement deletes first and the crawlers, which name it,
 * are not touched.
 */
export class CrawlerLogEncryption extends pulumi.ComponentResource {
    readonly securityConfiguration: aws.glue.SecurityConfiguration;
    /** The configuration's name, known before it exists (the crawlers' log groups are named after it). */
    readonly name: string;

    constructor(name: string, args: CrawlerLogEncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("CrawlerLogEncryption"), name, {}, opts);
        this.name = crawlerSecurityConfigurationName(args.namePrefix);
        this.securityConfiguration = new aws.glue.SecurityConfiguration(
            `${name}-configuration`,
            {
                name: this.name,
                // The modes are known during a preview; only the key's ARN may not be.
                encryptionConfiguration: crawlerEncryptionConfiguration(args.kmsKeyArn),
            },
            { parent: this, deleteBeforeReplace: true },
        );
        this.registerOutputs({ name: this.name });
    }
}
