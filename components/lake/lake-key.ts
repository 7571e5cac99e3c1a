import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { crawlerLogGroupArnPattern } from "../catalog/crawler-logs";
import { lakeKeyPolicy } from "./policy-documents";
import { renamedFrom, token } from "../tokens";

export interface LakeKeyArgs {
    accountId: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    /** Keep the key on destroy (a deleted key makes every object it encrypted unreadable). */
    retain: boolean;
    /**
     * The stack's crawlers encrypt their logs with the key: CloudWatch Logs of `region` may use it
     * for the crawler log groups of `namePrefix` (`crawlerLogGroupArnPattern`).
     */
    crawlerLogs?: { region: pulumi.Input<string>; namePrefix: string };
    /** Accounts that read exports: they decrypt through S3 in the lake's region, and only so. */
    readers?: { accounts: pulumi.Input<string[]>; region: pulumi.Input<string> };
}

/**
 * The lake's customer-managed KMS key, used by the bucket, the topic and the queues when the stack
 * asks for KMS. AWS-managed keys (`alias/aws/sns`, `alias/aws/sqs`) cannot be used: S3 and SNS could
 * not deliver into a topic or queue encrypted with them.
 * https://github.com/aws/aws-cdk/issues/19796
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
export class LakeKey extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: LakeKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("LakeKey"), name, {}, renamedFrom("lake", "LakeKey", opts));
        const logs = args.crawlerLogs;
        const readers = args.readers
            ? pulumi.all([args.readers.accounts, args.readers.region]).apply(([accounts, region]) => ({ accounts, region }))
            : undefined;
        const policy = pulumi
            .all([args.accountId, args.partition, logs?.region, readers])
            .apply(([accountId, partition, region, readers]) =>
                JSON.stringify(
                    lakeKeyPolicy({
                        accountId,
                        partition,
                        crawlerLogs:
                            logs && region !== undefined
                                ? {
                                      region,
                                      logGroupArnPattern: crawlerLogGroupArnPattern({
                                          partition,
                                          region,
                                          accountId,
                                          namePrefix: logs.namePrefix,
                                      }),
                                  }
                                : undefined,
                        readers,
                    }),
                ),
            );
        this.key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Lake key for ${name}: S3 objects, SNS events and SQS messages`,
                enableKeyRotation: true,
                // 7 to 30 days: https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
                deletionWindowInDays: args.retain ? 30 : 7,
                policy,
            },
            { parent: this, retainOnDelete: args.retain },
        );
        new aws.kms.Alias(`${name}-alias`, { name: `alias/${name}`, targetKeyId: this.key.keyId }, { parent: this });
        this.arn = this.key.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
