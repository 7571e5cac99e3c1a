import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";
import { snowflakeAlertsPolicy, snowflakeTrustPolicy } from "./policy-documents";
import { renamedFrom, token } from "../tokens";
import type { LakeContext } from "../lake-context";

export interface TaskErrorNotificationsArgs {
    /** Upper-case name of the notification integration (account-level). */
    integrationName: string;
    /** Name of the AWS role Snowflake assumes to publish; fixed, so its ARN is known before the role exists. */
    roleName: string;
    /** The stack's alerts topic (a standard topic: Snowflake's error notifications to FIFO topics fail silently). */
    topicArn: pulumi.Input<string>;
    /** The Snowflake provider of the export. */
    provider: snowflake.Provider;
}

/**
 * Failed task runs reach the stack's alerts topic: a Snowflake notification integration that
 * pushes to SNS, named as each task's ERROR_INTEGRATION, and the role it assumes. A task that fails
 * (and, after `suspendTaskAfterNumFailures`, is suspended) would otherwise go unnoticed until its
 * stream went stale and returned its initial rows again.
 * https://docs.snowflake.com/en/user-guide/tasks-errors-integrate
 *
 * The integration and the role point at each other, as the storage integration and the unload role
 * do: the integration gets the role's ARN built from the fixed name, the role then trusts the
 * integration's IAM user and external id. One `pulumi up`.
 */
export class TaskErrorNotifications extends pulumi.ComponentResource {
    readonly integration: snowflake.NotificationIntegration;
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;

    constructor(name: string, ctx: LakeContext, args: TaskErrorNotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("TaskErrorNotifications"), name, {}, renamedFrom("snowflake", "TaskErrorNotifications", opts));
        const roleArn = pulumi.interpolate`arn:${ctx.partition}:iam::${ctx.accountId}:role/${args.roleName}`;

        // https://docs.snowflake.com/en/sql-reference/sql/create-notification-integration-queue-outbound-aws
        this.integration = new snowflake.NotificationIntegration(
            `${name}-integration`,
            {
                name: args.integrationName,
                notificationProvider: "AWS_SNS",
                enabled: true,
                awsSnsTopicArn: args.topicArn,
                awsSnsRoleArn: roleArn,
                comment: "Task errors of the lake export, to the stack's alerts topic",
            },
            { parent: this, provider: args.provider },
        );

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                description: "Assumed by Snowflake to publish the lake export's task errors to the alerts topic",
                assumeRolePolicy: pulumi
                    .all([this.integration.awsSnsIamUserArn, this.integration.awsSnsExternalId])
                    .apply(([iamUserArn, externalId]) => JSON.stringify(snowflakeTrustPolicy({ iamUserArn, externalId }))),
                maxSessionDuration: 3600,
            },
            { parent: this },
        );
        this.rolePolicy = new aws.iam.RolePolicy(
            `${name}-publish`,
            {
                role: this.role.name,
                policy: pulumi
                    .all([args.topicArn, ctx.kmsKeyArn])
                    .apply(([topicArn, kmsKeyArn]) => JSON.stringify(snowflakeAlertsPolicy({ topicArn, kmsKeyArn }))),
            },
            { parent: this },
        );

        this.registerOutputs({ integrationName: this.integration.name, roleArn: this.role.arn });
    }
}
