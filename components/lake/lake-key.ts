import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { crawlerLogGroupArnPattern } from "../catalog/crawler-logs";
import { lakeKeyPolicy } from "./policy-documents";
import { renamedFrom, token } from "../tokens";
import type { LakeContext } from "../lake-context";

export interface LakeKeyArgs {
    /** Accounts that read exports: they decrypt through S3 in the lake's region, and only so. */
    readerAccounts?: pulumi.Input<string[]>;
}

/**
 * The lake's customer-managed KMS key, used by the bucket, the topic and the queues when the stack
 * asks for KMS. AWS-managed keys (`alias/aws/sns`, `alias/aws/sqs`) cannot be used: S3 and SNS could
 * not deliver into a topic or queue encrypted with them.
 * https://github.com/aws/aws-cdk/issues/19796
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 *
 * The stack's crawlers encrypt their logs with it: CloudWatch Logs of the lake's region may use it
 * for the lake's crawler log groups (`crawlerLogGroupArnPattern`).
 */
export class LakeKey extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, ctx: Omit<LakeContext, "kmsKeyArn">, args: LakeKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("LakeKey"), name, {}, renamedFrom("lake", "LakeKey", opts));
        const readers = args.readerAccounts
            ? pulumi.all([args.readerAccounts, ctx.region]).apply(([accounts, region]) => ({ accounts, region }))
            : undefined;
        const policy = pulumi.all([ctx.accountId, ctx.partition, ctx.region, readers]).apply(([accountId, partition, region, readers]) =>
            JSON.stringify(
                lakeKeyPolicy({
                    accountId,
                    partition,
                    crawlerLogs: {
                        region,
                        logGroupArnPattern: crawlerLogGroupArnPattern({ partition, region, accountId, namePrefix: ctx.namePrefix }),
                    },
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
                deletionWindowInDays: ctx.retain ? 30 : 7,
                policy,
            },
            { parent: this, retainOnDelete: ctx.retain },
        );
        new aws.kms.Alias(`${name}-alias`, { name: `alias/${name}`, targetKeyId: this.key.keyId }, { parent: this });
        this.arn = this.key.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
