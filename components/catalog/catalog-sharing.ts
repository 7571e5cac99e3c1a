import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { catalogSharingPolicy } from "./policy-documents";
import { token } from "../tokens";
import type { LakeContext } from "../lake-context";

export interface CatalogSharingArgs {
    /** The lake's Glue database. */
    database: pulumi.Input<string>;
    /** Per reader account, the Glue tables it may read. */
    readers: pulumi.Input<Array<{ account: string; tables: string[] }>>;
}

/**
 * The readers' view of the catalog: the Glue Data Catalog resource policy of the account in the
 * stack's region, letting each reader account read its tables' metadata and partitions, so its own
 * Athena (which registers the catalog by the lake's account id) or Glue can query them.
 *
 * Why the Data Catalog resource policy and not Lake Formation grants: the lake's access is IAM's
 * throughout (crawler roles, bucket and key policies, the access matrix), and a reader then reads
 * the data with the bucket and key grants the stack already declares. A Lake Formation grant to
 * another account would first take the lake's tables out of IAM's hands ("you must revoke all Lake
 * Formation permissions from the IAMAllowedPrincipals group", so every crawler and user of the
 * account would need Lake Formation grants too), serve the data through Lake Formation's
 * registered locations instead, and need RAM invitations and resource links on the reader's side.
 * https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-prereqs.html
 * https://docs.aws.amazon.com/glue/latest/dg/cross-account-access.html
 * https://docs.aws.amazon.com/athena/latest/ug/lf-athena-limitations-cross-account.html
 *
 * The policy is one per account and region (PutResourcePolicy has no name), so it is declared only
 * when the stack opts in (`glueCatalogResourcePolicy`). The provider creates it with
 * `PolicyExistsCondition: NOT_EXIST`, so its creation never overwrites a policy another stack or
 * person set (that `pulumi up` fails instead). After that the stack owns the whole document: an
 * update puts the stack's own with MUST_EXIST (which checks only that one exists), dropping what
 * others added since, and DeleteResourcePolicy removes it all when the stack no longer has readers
 * or is destroyed
 * (terraform-provider-aws internal/service/glue/resource_policy.go). An account that already made
 * Lake Formation cross-account grants needs `EnableHybrid` (hybrid-cross-account), which the stack
 * does not set: there PutResourcePolicy fails and says so.
 */
export class CatalogSharing extends pulumi.ComponentResource {
    readonly policy: aws.glue.ResourcePolicy;

    constructor(name: string, ctx: LakeContext, args: CatalogSharingArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("CatalogSharing"), name, {}, opts);
        this.policy = new aws.glue.ResourcePolicy(
            `${name}-policy`,
            {
                policy: pulumi
                    .all([ctx.partition, ctx.region, ctx.accountId, args.database, args.readers])
                    .apply(([partition, region, accountId, database, readers]) =>
                        JSON.stringify(catalogSharingPolicy({ partition, region, accountId, database, readers })),
                    ),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
